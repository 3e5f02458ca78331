/**
 * Servers for tests: an in-process Sinew, and a real redis-server 7.0 (the
 * oracle) on a spare port. Where redis-server is missing, oracle tests skip
 * with a printed reason, except in CI (CI=true), where they fail instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type StartOptions } from '../../src/index.js';

export async function sinew(options: StartOptions = {}): Promise<RunningServer> {
  return startServer(options);
}

let redisBin: string | null | undefined;

/** Path of a redis-server 7.0.x, or null. */
export function redisServerPath(): string | null {
  if (redisBin !== undefined) return redisBin;
  const candidates = [process.env.REDIS_SERVER, '/usr/bin/redis-server', 'redis-server'].filter(Boolean) as string[];
  redisBin = null;
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && /v=7\.0\./.test(r.stdout)) {
      redisBin = c;
      break;
    }
  }
  return redisBin;
}

/** Why oracle tests are skipped, or false when they can run. Throws in CI when missing. */
export function oracleSkipReason(): string | false {
  if (redisServerPath() !== null) return false;
  const msg = 'redis-server 7.0 not installed (apt-get install -y redis-server); differential tests skipped';
  if (process.env.CI === 'true') throw new Error(`CI requires the oracle: ${msg}`);
  process.stderr.write(`# SKIP: ${msg}\n`);
  return msg;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects after `ms`. */
export async function waitPort(port: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Resolves once `output()` (what a spawned sinew-server has written) says
 * it is ready to accept connections; rejects when the process exits first,
 * or after `ms`.
 */
export async function untilReady(output: () => string, proc: ChildProcess, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!output().includes('Ready to accept connections')) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the server exited (${proc.exitCode ?? proc.signalCode}) before it was ready: ${output()}`);
    if (Date.now() > deadline) throw new Error(`server did not start: ${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface OracleServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts a real redis-server with the given extra directives. */
export async function redisOracle(extra: Record<string, string> = {}): Promise<OracleServer> {
  const bin = redisServerPath();
  if (bin === null) throw new Error('redis-server not available');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sinew-oracle-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''];
  for (const [k, v] of Object.entries(extra)) args.push(`--${k}`, v);
  const proc: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    await waitPort(port);
  } catch {
    proc.kill('SIGKILL');
    throw new Error('redis-server did not start');
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) {
          rmSync(dir, { recursive: true, force: true });
          resolve();
          return;
        }
        proc.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGKILL');
      }),
  };
}
