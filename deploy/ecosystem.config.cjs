// PM2 processes for a split Podium deployment: one API process and two signaling processes on one PostgreSQL.
// Start: `pm2 start deploy/ecosystem.config.cjs && pm2 save`; restart one process at a time with
// `pm2 reload podium-signaling-3001`. The settings every process reads live in /etc/podium/podium.env
// (DATABASE_URL, PUBLIC_URL, METRICS_TOKEN, ADMIN_TOKEN, …); Node loads it with --env-file. The scripts are the
// compiled entries of `npm run build`: no TypeScript loader in production.
const ENV_FILE = process.env.PODIUM_ENV_FILE || '/etc/podium/podium.env';

const common = {
  cwd: process.env.PODIUM_DIR || '/srv/podium',
  interpreter: 'node',
  interpreter_args: `--env-file=${ENV_FILE}`,
  exec_mode: 'fork',
  instances: 1,
  autorestart: true,
  max_restarts: 10,
  restart_delay: 2000,
  // PM2 stops with SIGINT and kills after kill_timeout; Podium drains in at most 10 s, so wait a little longer.
  kill_timeout: 12000,
  // Podium writes JSON lines itself; PM2 only has to keep them.
  merge_logs: true,
  time: false,
};

const signaling = (port) => ({
  ...common,
  name: `podium-signaling-${port}`,
  script: 'build/signaling/main.js',
  env: { NODE_ENV: 'production', HOST: '127.0.0.1', SIGNALING_PORT: String(port), TRUST_PROXY: 'loopback', MIGRATE_ON_START: 'false' },
});

module.exports = {
  apps: [
    {
      ...common,
      name: 'podium-api',
      script: 'build/api/node.js',
      // The API process applies migrations on start; signaling processes wait for the schema instead of racing it.
      env: { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '3000', TRUST_PROXY: 'loopback', MIGRATE_ON_START: 'true' },
    },
    signaling(3001),
    signaling(3002),
  ],
};
