/**
 * The server an interop scenario runs against: Sinew (in-process) by
 * default, or the real redis-server 7.0 with INTEROP_TARGET=redis, so the
 * same suite shows whether a difference is Sinew's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { startServer, type RunningServer } from '../../src/index.js';
import { before, after } from 'node:test';
import { freePort, redisServerPath, waitPort } from './servers.js';
import { forwarder } from './suite.js';

export interface Target {
  name: 'sinew' | 'redis';
  port: number;
  url: string;
  /** Stops the server and starts a fresh one on the same port (data is lost). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const PYTHON = '/usr/bin/python3';

/** Why Python interop tests cannot run here, or false. In CI a missing piece is an error. */
export function pythonSkipReason(modules: string[]): string | false {
  const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.status === 0) return false;
  const msg = `Python modules ${modules.join(', ')} not importable by ${PYTHON} (apt-get install -y python3-redis python3-celery python3-fastapi python3-uvicorn python3-httpx)`;
  if (process.env.CI === 'true') throw new Error(`CI requires them: ${msg}`);
  process.stderr.write(`# SKIP: ${msg}\n`);
  return msg;
}

/**
 * The target of the calling describe(): started before its tests (unless
 * `skip`, the reason they are skipped), closed after them.
 */
export function useTarget(skip: string | false = false): Target {
  let target: Target | null = null;
  before(async () => {
    if (!skip) target = await startTarget();
  });
  after(async () => {
    await target?.close();
  });
  return forwarder(() => target, 'the interop target');
}

export async function startTarget(): Promise<Target> {
  if (process.env.INTEROP_TARGET === 'redis') {
    const bin = redisServerPath();
    if (bin === null) throw new Error('INTEROP_TARGET=redis but redis-server is not installed');
    const port = await freePort();
    let proc: ChildProcess;
    const launch = async () => {
      proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitPort(port);
    };
    const stop = () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      });
    await launch();
    return { name: 'redis', port, url: `redis://127.0.0.1:${port}/0`, restart: async () => { await stop(); await launch(); }, close: stop };
  }
  let s: RunningServer = await startServer({ port: 0 });
  const port = s.port;
  return {
    name: 'sinew',
    port,
    url: `redis://127.0.0.1:${port}/0`,
    restart: async () => {
      await s.close();
      s = await startServer({ port });
    },
    close: () => s.close(),
  };
}

/** Runs a command to completion; resolves with stdout, rejects with stderr on failure or timeout. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out\n${err}`));
    }, opts.timeoutMs ?? 120000);
    p.on('exit', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${err}\n${out}`));
    });
  });
}

/** Starts a long-running process; `stop()` kills it. Lines of stdout are collected. */
export function daemon(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const p = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  p.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  p.stderr.on('data', (d) => (err += d));
  return {
    proc: p,
    lines,
    stderr: () => err,
    waitLine(re: RegExp, ms = 30000): Promise<string> {
      const found = lines.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms\nstderr: ${err}`)), ms);
        waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
      });
    },
    stop(): Promise<void> {
      return new Promise((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
        setTimeout(() => p.kill('SIGKILL'), 5000).unref();
      });
    },
  };
}
