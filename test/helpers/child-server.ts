/**
 * A server under test as a child process (Sinew's bin/sinew-server.js, or
 * redis-server 7.0), for tests that kill it or start it on prepared files.
 * Every process started is tracked: `stopAll()` in an `after` hook kills
 * whatever is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, redisServerPath } from './servers.js';

export type Kind = 'sinew' | 'redis';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'sinew-server.js');
const procs = new Set<ChildProcess>();

export interface Run {
  kind: Kind;
  proc: ChildProcess;
  port: number;
  out(): string;
  /** True once ready, false when it exited first. */
  ready: boolean;
}

/** SIGKILL, resolved once the process is gone. */
export function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

export function stopAll(): Promise<void> {
  return Promise.all([...procs].map((p) => stop(p))).then(() => undefined);
}

/**
 * Starts `kind` on `dir` with `args` (after --port, --bind, --dir and
 * --save ''); resolves when it is ready or has exited (ready false). A port
 * taken meanwhile by another start is retried.
 */
export async function launch(kind: Kind, dir: string, args: string[], ms = 15000): Promise<Run> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const all = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args];
    let proc: ChildProcess;
    if (kind === 'redis') {
      const bin = redisServerPath();
      if (bin === null) throw new Error('redis-server 7.0 is not installed');
      proc = spawn(bin, all, { stdio: ['ignore', 'pipe', 'pipe'] });
    } else {
      proc = spawn(process.execPath, [BIN, ...all], { stdio: ['ignore', 'pipe', 'pipe'] });
    }
    procs.add(proc);
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString('latin1')));
    const exited = new Promise<void>((r) =>
      proc.once('exit', () => {
        procs.delete(proc);
        r();
      }),
    );
    const deadline = Date.now() + ms;
    for (;;) {
      if (out.includes('Ready to accept connections')) return { kind, proc, port, out: () => out, ready: true };
      if (proc.exitCode !== null || proc.signalCode !== null) {
        await exited;
        // the output may still be arriving on the pipes
        await new Promise((r) => setTimeout(r, 20));
        if (/already in use|EADDRINUSE/i.test(out) && attempt < 3) break;
        return { kind, proc, port, out: () => out, ready: false };
      }
      if (Date.now() > deadline) {
        await stop(proc);
        throw new Error(`${kind} neither became ready nor exited within ${ms} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
