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
 *
 * TLS: `'tls-port'` with `'tls-cert-file'`, `'tls-key-file'` and (unless
 * `'tls-auth-clients': 'no'`) `'tls-ca-cert-file'`; settings that do not
 * build reject the start with Redis's messages.
 */
import type { Server, ServerOptions } from './server/server.js';
import { createServer } from './compose.js';

export { Server } from './server/server.js';
export type { ServerOptions } from './server/server.js';
export { SINEW_VERSION } from './server/version.js';
export { createServer } from './compose.js';

export interface RunningServer {
  /** The plain TCP port (0 when the server listens only on TLS or a unix socket). */
  readonly port: number;
  /** The TLS port (`tls-port`; 0 without TLS). */
  readonly tlsPort: number;
  readonly host: string;
  /** redis://host:port, or rediss://host:tlsPort for a server listening only on TLS. */
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
  const tlsOnly = server.port === 0 && server.tlsPort !== 0;
  return {
    port: server.port,
    tlsPort: server.tlsPort,
    host: server.host,
    url: tlsOnly ? `rediss://${host}:${server.tlsPort}` : `redis://${host}:${server.port}`,
    server,
    close: () => server.close(),
  };
}
