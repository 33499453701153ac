// What every handler can reach: dependencies injected at start, and the caller once authenticated.
import type { Config } from './config.ts';
import type { Broadcaster } from './broadcast.ts';
import type { PasswordHasher } from './passwords.ts';
import type { DatabaseHandle } from '../db/client.ts';

export interface AppDeps {
  config: Config;
  database: Pick<DatabaseHandle, 'db' | 'engine' | 'ping' | 'pool'>;
  broadcaster: Broadcaster;
  passwords: PasswordHasher;
  version: string;
  /** ms since the epoch; defaults to when the app was created. */
  startedAt?: number;
}

declare module 'hono' {
  interface ContextVariableMap {
    deps: AppDeps;
  }
}
