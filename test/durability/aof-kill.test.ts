/**
 * The append-only file against a real crash: a server child process under a
 * write load from several connections is SIGKILLed at a random moment, then
 * started again on the same directory, and what it loads is checked against
 * what the clients were told.
 *
 * Each connection runs its own sequence of operations, one at a time, in a
 * fixed cycle: INCR counter:<c>, RPUSH list:<c> <seq>, and a pipelined
 * MULTI / INCR a:<c> / INCR b:<c> / EXEC. An AOF is a log, so what survives
 * must be the state after some prefix of each connection's operations:
 *   - with appendfsync always, every acknowledged operation, plus at most the
 *     one that was in flight when the server died;
 *   - with appendfsync everysec, at least every operation acknowledged more
 *     than 2 s before the kill (Redis: "you may lose 1 second of writes", the
 *     write itself postponed by up to 2 s when fsync is slow);
 * and never half a transaction (a:<c> == b:<c>) nor a gap in a list.
 *
 * The server under test: Sinew (bin/sinew-server.js) by default, the real
 * redis-server 7.0 with AOF_TARGET=redis, so a difference is Sinew's. The
 * random kill moment comes from AOF_SEED (printed) to replay a failure.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RespError, type RespValue } from '../../src/protocol/reply-reader.js';
import { CLOSED, Conn } from '../helpers/child-conn.js';
import { launch, stop, stopAll } from '../helpers/child-server.js';
import { rng } from '../helpers/rng.js';

const TARGET: 'sinew' | 'redis' = process.env.AOF_TARGET === 'redis' ? 'redis' : 'sinew';
const CONNECTIONS = 4;
const SEED = process.env.AOF_SEED !== undefined ? Number(process.env.AOF_SEED) : Date.now() % 1_000_000;
const random = rng(SEED);
process.stderr.write(`# aof-kill: target ${TARGET}, AOF_SEED=${SEED}\n`);

// ---------------------------------------------------------------- processes

const dirs: string[] = [];

after(async () => {
  await stopAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Server {
  proc: ChildProcess;
  port: number;
  out(): string;
}

/** Starts the server under test on `dir` and waits until it accepts connections. */
async function startServer(dir: string, fsync: 'always' | 'everysec'): Promise<Server> {
  const run = await launch(TARGET, dir, ['--appendonly', 'yes', '--appendfsync', fsync], 20000);
  if (!run.ready) throw new Error(`${TARGET} exited (${run.proc.exitCode ?? run.proc.signalCode}) before it was ready:\n${run.out()}`);
  return run;
}

async function sigkill(s: Server): Promise<void> {
  assert.equal(s.proc.exitCode, null, `the server died by itself before the kill:\n${s.out()}`);
  await stop(s.proc);
}

// ---------------------------------------------------------------- the load

/** What a connection's keys hold: counter:<c>, the length of list:<c>, a:<c> (== b:<c>). */
interface State {
  counter: number;
  list: number;
  tx: number;
}

/**
 * The state after the first `ops` operations of a connection that started
 * from `base`: the cycle is INCR, RPUSH, MULTI/EXEC.
 */
function stateAfter(base: State, ops: number): State {
  return {
    counter: base.counter + Math.floor((ops + 2) / 3),
    list: base.list + Math.floor((ops + 1) / 3),
    tx: base.tx + Math.floor(ops / 3),
  };
}

interface Writer {
  id: number;
  base: State;
  /** Operations acknowledged so far, and when each was (Date.now()). */
  acked: number;
  ackTimes: number[];
  done: Promise<void>;
}

function num(v: RespValue, what: string): number {
  if (typeof v === 'number') return v;
  throw new Error(`${what}: expected an integer reply, got ${JSON.stringify(v instanceof RespError ? `-${v.message}` : v)}`);
}

/** Runs connection `id`'s cycle from `base` until the server goes away; a wrong reply fails the writer. */
function startWriter(conn: Conn, id: number, base: State): Writer {
  const w: Writer = { id, base, acked: 0, ackTimes: [], done: Promise.resolve() };
  w.done = (async () => {
    for (;;) {
      const expect = stateAfter(base, w.acked + 1);
      const kind = w.acked % 3;
      if (kind === 0) {
        conn.send(['INCR', `counter:${id}`]);
        const r = await conn.next();
        if (r === CLOSED) return;
        assert.equal(num(r, 'INCR'), expect.counter, `INCR counter:${id}`);
      } else if (kind === 1) {
        conn.send(['RPUSH', `list:${id}`, String(expect.list - 1)]);
        const r = await conn.next();
        if (r === CLOSED) return;
        assert.equal(num(r, 'RPUSH'), expect.list, `RPUSH list:${id}`);
      } else {
        conn.send(['MULTI'], ['INCR', `a:${id}`], ['INCR', `b:${id}`], ['EXEC']);
        const replies: RespValue[] = [];
        for (let i = 0; i < 4; i++) {
          const r = await conn.next();
          if (r === CLOSED) return;
          replies.push(r);
        }
        assert.deepEqual(replies, ['OK', 'QUEUED', 'QUEUED', [expect.tx, expect.tx]], `MULTI/INCR a:${id}/INCR b:${id}/EXEC`);
      }
      w.acked++;
      w.ackTimes.push(Date.now());
    }
  })();
  return w;
}

/** Reads back connection `id`'s keys, checking the list holds 0..n-1 and a == b. */
async function readState(c: Conn, id: number): Promise<State> {
  const counter = await c.call('GET', `counter:${id}`);
  const list = (await c.call('LRANGE', `list:${id}`, 0, -1)) as RespValue[];
  const a = await c.call('GET', `a:${id}`);
  const b = await c.call('GET', `b:${id}`);
  assert.deepEqual(
    list,
    list.map((_, i) => String(i)),
    `list:${id} must be the contiguous sequence 0..${list.length - 1} (a gap or a duplicate means a lost or replayed RPUSH)`,
  );
  assert.equal(a, b, `connection ${id}: a:${id}=${String(a)} but b:${id}=${String(b)}: a torn MULTI/EXEC`);
  return { counter: counter === null ? 0 : Number(counter), list: list.length, tx: a === null ? 0 : Number(a) };
}

/** How many of connection w's operations `got` reflects; fails unless it is the state after a prefix of them. */
function opsReflected(w: Writer, got: State): number {
  const ops = got.counter - w.base.counter + (got.list - w.base.list) + (got.tx - w.base.tx);
  assert.ok(ops >= 0, `connection ${w.id}: the restarted server holds less than before this round: ${JSON.stringify({ base: w.base, got })}`);
  assert.deepEqual(
    got,
    stateAfter(w.base, ops),
    `connection ${w.id}: not the state after a prefix of its operations (${w.acked} acknowledged; base ${JSON.stringify(w.base)}); an AOF replays a prefix`,
  );
  return ops;
}

interface Round {
  writers: Writer[];
  killedAt: number;
}

/** Starts the writers on `srv`, SIGKILLs it `killAfterMs` into the load, and waits for the writers to stop. */
async function loadAndKill(srv: Server, bases: State[], killAfterMs: number): Promise<Round> {
  const conns = await Promise.all(bases.map(() => Conn.open(srv.port)));
  const writers = bases.map((b, i) => startWriter(conns[i], i, b));
  const failed = Promise.race(writers.map((w) => w.done.then(() => new Promise<never>(() => {}))));
  // a writer that throws (wrong reply) fails the test at once; otherwise kill on time
  await Promise.race([failed, new Promise((r) => setTimeout(r, killAfterMs))]);
  const killedAt = Date.now();
  await sigkill(srv);
  await Promise.all(writers.map((w) => w.done));
  for (const c of conns) c.close();
  for (const w of writers) assert.ok(w.acked > 0, `connection ${w.id} got no reply at all in ${killAfterMs} ms`);
  return { writers, killedAt };
}

async function restartAndRead(dir: string, fsync: 'always' | 'everysec'): Promise<{ srv: Server; states: State[] }> {
  const srv = await startServer(dir, fsync);
  const c = await Conn.open(srv.port);
  try {
    const info = String(await c.call('INFO', 'persistence'));
    assert.match(info, /aof_enabled:1/, 'INFO persistence: aof_enabled:1 after the restart');
    const states: State[] = [];
    for (let i = 0; i < CONNECTIONS; i++) states.push(await readState(c, i));
    return { srv, states };
  } finally {
    c.close();
  }
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sinew-aof-kill-'));
  dirs.push(d);
  return d;
}

const ZERO: State = { counter: 0, list: 0, tx: 0 };

describe(`AOF and SIGKILL (${TARGET})`, () => {
  it('appendfsync always: every acknowledged write survives, at most the in-flight one more, no torn MULTI/EXEC (two kills)', { timeout: 60000 }, async () => {
    const dir = tempDir();
    let srv = await startServer(dir, 'always');
    let bases: State[] = Array.from({ length: CONNECTIONS }, () => ZERO);
    for (let round = 1; round <= 2; round++) {
      const killAfter = 500 + Math.floor(random() * 1000);
      const { writers } = await loadAndKill(srv, bases, killAfter);
      assert.ok(existsSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest')), `round ${round}: no appendonlydir/appendonly.aof.manifest in ${dir}`);
      const back = await restartAndRead(dir, 'always');
      srv = back.srv;
      const report: string[] = [];
      for (const w of writers) {
        const ops = opsReflected(w, back.states[w.id]);
        report.push(`c${w.id}: ${w.acked} acked, ${ops} loaded`);
        assert.ok(ops >= w.acked, `round ${round}, connection ${w.id}: ${w.acked} operations acknowledged with appendfsync always, only ${ops} survived the kill: ${JSON.stringify({ base: w.base, got: back.states[w.id] })}`);
        assert.ok(ops <= w.acked + 1, `round ${round}, connection ${w.id}: ${ops} operations loaded but only ${w.acked} acknowledged and one in flight`);
      }
      process.stderr.write(`# always, round ${round}, killed ${killAfter} ms into the load: ${report.join('; ')}\n`);
      // the next round continues on the restarted server from what it holds
      bases = back.states;
    }
    await stop(srv.proc);
  });

  it('appendfsync everysec: nothing acknowledged more than 2 s before the kill is lost, no torn MULTI/EXEC', { timeout: 60000 }, async () => {
    const dir = tempDir();
    const srv = await startServer(dir, 'everysec');
    const LOAD_MS = 4000;
    const BOUND_MS = 2000;
    const { writers, killedAt } = await loadAndKill(
      srv,
      Array.from({ length: CONNECTIONS }, () => ZERO),
      LOAD_MS,
    );
    const back = await restartAndRead(dir, 'everysec');
    const cutoff = killedAt - BOUND_MS;
    const report: string[] = [];
    for (const w of writers) {
      const ops = opsReflected(w, back.states[w.id]);
      const mustHave = w.ackTimes.filter((t) => t <= cutoff).length;
      report.push(`c${w.id}: ${w.acked} acked, ${mustHave} of them ≥ ${BOUND_MS} ms before the kill, ${ops} loaded (${Math.max(0, w.acked - ops)} lost)`);
      assert.ok(mustHave > 0, `connection ${w.id}: no write acknowledged in the first ${LOAD_MS - BOUND_MS} ms: nothing to check`);
      assert.ok(ops >= mustHave, `connection ${w.id}: ${mustHave} operations were acknowledged more than ${BOUND_MS} ms before the kill, only ${ops} survived`);
      assert.ok(ops <= w.acked + 1, `connection ${w.id}: ${ops} operations loaded but only ${w.acked} acknowledged and one in flight`);
    }
    process.stderr.write(`# everysec: ${report.join('; ')}\n`);
    await stop(back.srv.proc);
  });
});
