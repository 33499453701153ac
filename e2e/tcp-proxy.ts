// Test helper: a TCP proxy between clients and Podium that can cut the network and balance over several backends.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** http://127.0.0.1:<port>: what clients are given instead of the server's own URL. */
  url: string;
  port: number;
  /**
   * The network goes away: bytes stop flowing both ways (TCP holds them, as a pulled cable does) and new
   * connections wait unanswered. With `reset`, the open connections are dropped as well (a changed address).
   */
  cut(options?: { reset?: boolean }): void;
  /** The network is back: held bytes flow again and waiting connections reach a backend. */
  restore(): void;
  /** Connections open now. */
  open(): number;
  close(): Promise<void>;
}

/**
 * Proxies to the first backend that accepts, starting after the one used last (round robin); a backend that
 * refuses is skipped, as a load balancer's health check would, so clients move when one process dies.
 */
export async function startTcpProxy(backends: () => number[]): Promise<TcpProxy> {
  const links = new Set<Link>();
  let down = false;
  let waiting: Socket[] = [];
  let next = 0;

  const dial = (client: Socket) => {
    const ports = backends();
    let tried = 0;
    const attempt = () => {
      if (client.destroyed) return;
      if (tried >= ports.length) return client.destroy();
      const port = ports[(next + tried++) % ports.length]!;
      const upstream = connect({ host: '127.0.0.1', port });
      let linked = false;
      upstream.once('error', () => (linked ? undefined : attempt()));
      upstream.once('connect', () => {
        linked = true;
        next = (ports.indexOf(port) + 1) % ports.length;
        const link = new Link(client, upstream, () => down);
        links.add(link);
        link.onClose(() => links.delete(link));
      });
    };
    client.on('error', () => client.destroy());
    attempt();
  };

  const server: Server = createServer((client) => {
    if (!down) return dial(client);
    client.on('error', () => client.destroy());
    waiting.push(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut({ reset = false } = {}) {
      down = true;
      if (reset) for (const link of links) link.destroy();
    },
    restore() {
      down = false;
      for (const link of links) link.flush();
      const held = waiting;
      waiting = [];
      for (const client of held) dial(client);
    },
    open: () => links.size,
    async close() {
      for (const client of waiting) client.destroy();
      for (const link of links) link.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** One proxied connection: bytes are forwarded while the network is up and held, in order, while it is down. */
class Link {
  private held: Array<[Socket, Buffer]> = [];
  private closed: Array<() => void> = [];
  private closing = false;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly down: () => boolean,
  ) {
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (this.down() || this.held.length) this.held.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    // A side that closes while the network is down is heard of only when it comes back, like its bytes.
    const end = () => (this.down() ? (this.closing = true) : this.destroy());
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }

  flush(): void {
    const held = this.held;
    this.held = [];
    for (const [to, chunk] of held) if (!to.destroyed) to.write(chunk);
    if (this.closing) this.destroy();
  }

  onClose(listener: () => void): void {
    this.closed.push(listener);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
    const listeners = this.closed;
    this.closed = [];
    for (const listener of listeners) listener();
  }
}
