/**
 * What operators expect of a daemon: `daemonize yes` detaches (pidfile, log
 * file, launcher exits 0 once the server is ready), `supervised systemd`
 * sends READY=1 to NOTIFY_SOCKET, `supervised upstart` stops itself once
 * ready.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

const BIN = fileURLToPath(new URL('../../../bin/sinew-server.js', import.meta.url));
const PYTHON = '/usr/bin/python3';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, ok: () => boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session. */
function procStat(pid: number): { state: string; ppid: number; session: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], ppid: Number(f[1]), session: Number(f[3]) };
}

function launch(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {}): {
  p: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  // no save points: a daemon stopped by a signal must not leave a dump.rdb in the working directory
  const all = args[0] === '-' || args.includes('--save') ? args : [...args, '--save', ''];
  const p = spawn(process.execPath, [BIN, ...all], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined) p.stdin!.end(opts.stdin);
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  p.stderr!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  return { p, output: () => out, exited };
}

describe('daemonize yes', () => {
  it('detaches: the launcher exits 0 once ready, the pidfile names a live server, logs go to the log file, SIGTERM removes the pidfile', async (t) => {
    if (process.platform !== 'linux') return t.skip('reads /proc');
    const dir = mkdtempSync(join(tmpdir(), 'sinew-daemon-'));
    const port = await freePort();
    const pidfile = join(dir, 'sinew.pid');
    const logfile = join(dir, 'sinew.log');
    let pid = 0;
    try {
      const t0 = Date.now();
      const l = launch(['--daemonize', 'yes', '--port', String(port), '--bind', '127.0.0.1', '--pidfile', pidfile, '--logfile', logfile], { cwd: dir });
      assert.equal(await l.exited, 0, l.output());
      assert.ok(Date.now() - t0 < 10000, 'the launcher returns quickly');
      assert.equal(l.output(), '', 'the launcher prints nothing');
      pid = Number(readFileSync(pidfile, 'latin1'));
      assert.match(readFileSync(pidfile, 'latin1'), /^\d+\n$/);
      assert.notEqual(pid, l.p.pid);
      assert.ok(alive(pid), 'the daemon lives on');
      const st = procStat(pid);
      assert.equal(st.session, pid, 'the daemon leads its own session (no terminal)');
      assert.notEqual(st.ppid, l.p.pid);
      const c = await RawClient.connect(port);
      assert.equal(await c.raw('PING'), '+PONG\r\n');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'daemonize'), ['daemonize', 'yes']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'pidfile'), ['pidfile', pidfile]);
      assert.match(String(await c.call('INFO', 'server')), new RegExp(`process_id:${pid}\r\n`));
      c.close();
      const log = readFileSync(logfile, 'latin1');
      assert.match(log, new RegExp(`^${pid}:M .* Sinew is starting`));
      assert.match(log, /Ready to accept connections/);
      process.kill(pid, 'SIGTERM');
      await until('the daemon to exit', () => !alive(pid));
      pid = 0;
      assert.equal(existsSync(pidfile), false, 'pidfile removed at exit');
      assert.match(readFileSync(logfile, 'latin1'), /Received SIGTERM scheduling shutdown[\s\S]*bye bye/);
    } finally {
      if (pid !== 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads its configuration once: a config from stdin reaches the daemon', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-daemon-'));
    const port = await freePort();
    const pidfile = join(dir, 'sinew.pid');
    let pid = 0;
    try {
      const l = launch(['-'], { cwd: dir, stdin: `daemonize yes\nport ${port}\nbind 127.0.0.1\npidfile ${pidfile}\nhz 42\n` });
      assert.equal(await l.exited, 0, l.output());
      pid = Number(readFileSync(pidfile, 'latin1'));
      const c = await RawClient.connect(port);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'hz'), ['hz', '42']);
      // (no log file: the daemon's output goes to /dev/null)
      c.send('SHUTDOWN', 'NOSAVE');
      await until('the daemon to exit', () => !alive(pid));
      pid = 0;
      assert.equal(existsSync(pidfile), false);
    } catch (e) {
      if (pid !== 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      throw e;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a daemon that cannot start makes the launcher exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-daemon-'));
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    const logfile = join(dir, 'sinew.log');
    try {
      const l = launch(['--daemonize', 'yes', '--port', String(port), '--bind', '127.0.0.1', '--pidfile', join(dir, 'p.pid'), '--logfile', logfile]);
      assert.equal(await l.exited, 1);
      assert.match(l.output(), /exited before it was ready \(exit code 1\); see .*sinew\.log/);
      assert.match(readFileSync(logfile, 'latin1'), /Could not create server TCP listening socket/);
      assert.equal(existsSync(join(dir, 'p.pid')), false);
    } finally {
      busy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('configuration errors are printed by the launcher, before detaching', async () => {
    const l = launch(['--daemonize', 'yes', '--cluster-enabled', 'yes']);
    assert.equal(await l.exited, 1);
    assert.match(l.output(), /FATAL CONFIG FILE ERROR[\s\S]*cluster-enabled yes is not supported yet by Sinew/);
  });
});

/** A unix datagram socket that prints every message it receives (with the sender pid), via python3. */
const RECEIVER = `
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print('bound', flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = 0
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('3i', data[:12])[0]
    print('pid=%d %r' % (pid, msg.decode()), flush=True)
`;

async function notifyReceiver(path: string): Promise<{ p: ChildProcess; output: () => string }> {
  const p = spawn(PYTHON, ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  p.stderr!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  await until('the notify socket', () => out.includes('bound'));
  return { p, output: () => out };
}

describe('supervised', () => {
  const noPython = !existsSync(PYTHON) ? `${PYTHON} not found` : false;

  for (const helper of ['systemd-notify or python3', 'python3 only']) {
    it(`systemd: READY=1 and a STATUS reach NOTIFY_SOCKET once listening, STOPPING=1 at exit (${helper})`, { skip: noPython }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sinew-notify-'));
      const sock = join(dir, 'notify');
      const recv = await notifyReceiver(sock);
      const port = await freePort();
      const env: NodeJS.ProcessEnv = { ...process.env, NOTIFY_SOCKET: sock };
      if (helper === 'python3 only') {
        // A PATH where only python3 can be found: no systemd-notify.
        mkdirSync(join(dir, 'bin'));
        symlinkSync(PYTHON, join(dir, 'bin', 'python3'));
        env.PATH = join(dir, 'bin');
      }
      // supervised: no daemonizing, whatever daemonize says (as Redis)
      const l = launch(['--supervised', 'systemd', '--daemonize', 'yes', '--port', String(port), '--bind', '127.0.0.1'], { env });
      try {
        await until('READY=1', () => recv.output().includes('READY=1'));
        const pid = l.p.pid!;
        assert.equal(l.p.exitCode, null, 'the supervised server stays in the foreground');
        assert.match(recv.output(), /STATUS=Ready to accept connections/);
        if (process.getuid?.() === 0) assert.match(recv.output(), new RegExp(`pid=${pid} .*READY=1`), 'sent in the name of the server');
        assert.match(l.output(), /Supervised by systemd/);
        assert.ok(l.output().indexOf('Ready to accept connections') >= 0);
        const c = await RawClient.connect(port);
        assert.match(String(await c.call('INFO', 'server')), /process_supervised:systemd\r\n/);
        assert.deepEqual(await c.call('CONFIG', 'GET', 'supervised'), ['supervised', 'systemd']);
        c.close();
        l.p.kill('SIGTERM');
        assert.equal(await l.exited, 0);
        await until('STOPPING=1', () => recv.output().includes('STOPPING=1'));
      } finally {
        if (l.p.exitCode === null) l.p.kill('SIGKILL');
        recv.p.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('auto: systemd when NOTIFY_SOCKET is set; without a supervisor, a warning and no supervision', { skip: noPython }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-notify-'));
    const sock = join(dir, 'notify');
    const recv = await notifyReceiver(sock);
    const port = await freePort();
    const l = launch(['--supervised', 'auto', '--port', String(port), '--bind', '127.0.0.1'], { env: { ...process.env, NOTIFY_SOCKET: sock } });
    try {
      await until('READY=1', () => recv.output().includes('READY=1'));
      const c = await RawClient.connect(port);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'supervised'), ['supervised', 'systemd']);
      c.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await l.exited, 0);
    } finally {
      if (l.p.exitCode === null) l.p.kill('SIGKILL');
      recv.p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    const env = { ...process.env };
    delete env.NOTIFY_SOCKET;
    delete env.UPSTART_JOB;
    const port2 = await freePort();
    const u = launch(['--supervised', 'systemd', '--port', String(port2), '--bind', '127.0.0.1'], { env });
    try {
      await until('start-up', () => u.output().includes('Ready to accept connections'));
      assert.match(u.output(), /systemd supervision error: NOTIFY_SOCKET not found!/);
      const c = await RawClient.connect(port2);
      assert.match(String(await c.call('INFO', 'server')), /process_supervised:no\r\n/);
      c.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await u.exited, 0);
    } finally {
      if (u.p.exitCode === null) u.p.kill('SIGKILL');
    }
  });

  it('upstart: the server stops itself (SIGSTOP) once ready, and serves after SIGCONT', async (t) => {
    if (process.platform !== 'linux') return t.skip('reads /proc');
    const port = await freePort();
    const l = launch(['--supervised', 'upstart', '--port', String(port), '--bind', '127.0.0.1'], { env: { ...process.env, UPSTART_JOB: 'sinew' } });
    try {
      const pid = l.p.pid!;
      await until('the server to stop itself', () => procStat(pid).state === 'T');
      assert.match(l.output(), /Ready to accept connections[\s\S]*supervised by upstart, will stop to signal readiness/);
      process.kill(pid, 'SIGCONT');
      const c = await RawClient.connect(port);
      assert.equal(await c.raw('PING'), '+PONG\r\n');
      assert.match(String(await c.call('INFO', 'server')), /process_supervised:upstart\r\n/);
      c.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await l.exited, 0);
    } finally {
      if (l.p.exitCode === null) {
        l.p.kill('SIGCONT');
        l.p.kill('SIGKILL');
      }
    }
  });
});
