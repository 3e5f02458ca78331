/**
 * Per-suite fixtures: objects made in a suite's before() hook and released
 * in its after() hook, handed to the suite's tests as forwarding stand-ins so
 * that they can be named (and destructured) where the suite is declared.
 *
 *   describe('scripting', () => {
 *     const { server: s, client: c } = useSinew();   // started before, closed after
 *     it('EVAL', async () => {
 *       assert.equal(await c.raw('EVAL', 'return 1', '0'), ':1\r\n');
 *       s.server.cron();
 *     });
 *   });
 */
import { before, after } from 'node:test';
import { startServer, type RunningServer, type StartOptions } from '../../src/index.js';
import { RawClient } from './raw-client.js';

/**
 * An object standing in for what `current()` returns: property reads,
 * writes and method calls go to it (methods bound to it). Using it while
 * `current()` is null (outside the suite that fills it) throws, naming `what`.
 */
export function forwarder<T extends object>(current: () => T | null, what: string): T {
  const inner = (): Record<string | symbol, unknown> => {
    const v = current();
    if (v === null) throw new Error(`${what} is used outside its suite`);
    return v as unknown as Record<string | symbol, unknown>;
  };
  return new Proxy({} as T, {
    get(_target, prop) {
      const o = inner();
      const v = o[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(o) : v;
    },
    set(_target, prop, value) {
      inner()[prop] = value;
      return true;
    },
    has(_target, prop) {
      return prop in inner();
    },
  });
}

export interface SinewSuite {
  /** The in-process server, started before the suite's tests. */
  server: RunningServer;
  /** A RawClient connected to it (unless `client: false`). */
  client: RawClient;
}

/**
 * An in-process Sinew (started with `options`) and a RawClient connected to
 * it, for the tests of the calling describe(): started in before(), closed in
 * after(). Hooks the suite adds after this call run after the server is up.
 * With `client: false` no client is connected (a suite that counts clients).
 */
export function useSinew(options: StartOptions = {}, opts: { client?: boolean } = {}): SinewSuite {
  let server: RunningServer | null = null;
  let client: RawClient | null = null;
  before(async () => {
    server = await startServer(options);
    if (opts.client !== false) client = await RawClient.connect(server.port);
  });
  after(async () => {
    client?.close();
    await server?.close();
  });
  return {
    server: forwarder(() => server, 'the server of useSinew'),
    client: forwarder(() => client, 'the client of useSinew'),
  };
}

/**
 * Runs `fn` for one test with a fresh in-process Sinew (started with
 * `options`) and a RawClient connected to it; `connect()` opens more
 * clients. Closes the clients and the server after, whatever happens.
 */
export async function withSinew<T>(
  options: StartOptions,
  fn: (server: RunningServer, client: RawClient, connect: () => Promise<RawClient>) => Promise<T>,
): Promise<T> {
  const server = await startServer(options);
  const clients: RawClient[] = [];
  const connect = async (): Promise<RawClient> => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    return c;
  };
  try {
    return await fn(server, await connect(), connect);
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
}
