/**
 * Sinew's public API: start an embedded server.
 *
 *   import { startServer } from '@sinew-db/server';
 *   const s = await startServer({ port: 0 });
 *   // s.port, s.url ("redis://127.0.0.1:PORT")
 *   await s.close();
 *
 * Options are configuration directives by their redis.conf names
 * (`port`, `bind`, `databases`, `requirepass`, ...), plus `quiet` (no log
 * output; the default for embedded servers) and `clock` (tests).
 *
 * Persistence: an embedded server keeps its data in memory only unless told
 * otherwise. It has no save points unless `save` is given, and it loads
 * `dir`/`dbfilename` at start-up only when one of those is given (so a
 * dump.rdb lying in the working directory is not picked up by surprise).
 * With `appendonly: 'yes'` it loads and then appends to `dir`/`appenddirname`.
 */
import type { Server, ServerOptions } from './server/server.js';
import { createServer } from './compose.js';

export { Server } from './server/server.js';
export type { ServerOptions } from './server/server.js';
export { SINEW_VERSION } from './server/version.js';
export { createServer } from './compose.js';

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export interface StartOptions extends ServerOptions {
  /** Write log lines (default false for embedded use). */
  log?: boolean;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const { log, ...rest } = options;
  const opts: ServerOptions = { bind: '127.0.0.1', port: 0, save: '', ...rest };
  if (log !== true) opts.quiet = true;
  const server = createServer(opts);
  server.loadOnStart = rest.dir !== undefined || rest.dbfilename !== undefined || server.config.getBool('appendonly');
  try {
    await server.startup();
  } catch (e) {
    // a file that cannot be loaded: the listeners opened for -LOADING replies close again
    await server.close();
    throw e;
  }
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return {
    port: server.port,
    host: server.host,
    url: `redis://${host}:${server.port}`,
    server,
    close: () => server.close(),
  };
}
