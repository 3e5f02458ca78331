/**
 * Interop suites that run the same scenarios against both servers in one
 * run: an in-process Sinew and a real redis-server 7.0 (the oracle).
 *
 *   describeOnBoth('bullmq', ['xadd', 'xread'], (srv, skip) => {
 *     it('does something', async (t) => {
 *       if (skip()) return t.skip(skip() as string);
 *       ... connect to srv.port ...
 *     });
 *   });
 *
 * The redis-server side is skipped (with a printed reason) where redis-server
 * 7.0 is not installed (an error in CI). The Sinew side is skipped, with a
 * printed reason, only while Sinew lacks one of the `needs` commands at all
 * (COMMAND INFO answers nil for it): the scenario cannot run there. Every
 * other difference is a failure.
 */
import { describe, before, after } from 'node:test';
import { startServer, type RunningServer } from '../../src/index.js';
import { redisOracle, oracleSkipReason, type OracleServer } from './servers.js';
import { forwarder } from './suite.js';
import { RawClient } from './raw-client.js';

export interface BothServer {
  name: 'sinew' | 'redis';
  host: string;
  port: number;
  url: string;
}

/** Commands among `names` (lower case) that the server at `port` does not implement. */
export async function missingCommands(port: number, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const c = await RawClient.connect(port);
  try {
    const r = (await c.call('COMMAND', 'INFO', ...names)) as unknown[];
    return names.filter((_, i) => !Array.isArray(r[i]));
  } finally {
    c.close();
  }
}

export function describeOnBoth(title: string, needs: string[], fn: (srv: BothServer, skip: () => string | false) => void): void {
  for (const kind of ['redis', 'sinew'] as const) {
    describe(`${title} on ${kind === 'sinew' ? 'Sinew' : 'redis-server'}`, () => {
      let reason: string | false = kind === 'redis' ? oracleSkipReason() : false;
      let info: BothServer | null = null;
      let sinew: RunningServer | null = null;
      let oracle: OracleServer | null = null;
      before(async () => {
        if (reason) return;
        if (kind === 'redis') oracle = await redisOracle();
        else sinew = await startServer({ port: 0 });
        const port = (oracle ?? sinew)!.port;
        info = { name: kind, host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}/0` };
        const missing = await missingCommands(port, needs);
        if (missing.length > 0) {
          reason = `${kind} does not implement ${missing.map((m) => m.toUpperCase()).join(', ')} yet`;
          process.stderr.write(`# SKIP ${title} on ${kind}: ${reason}\n`);
        }
      });
      after(async () => {
        await sinew?.close();
        await oracle?.close();
      });
      fn(
        forwarder(() => info, `the ${kind} server of '${title}'`),
        () => reason,
      );
    });
  }
}
