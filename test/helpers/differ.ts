/**
 * Differential testing: the same commands go to Sinew and to a real
 * redis-server 7.0, over as many connections as a scenario needs, and the
 * raw replies are compared byte for byte.
 *
 *   describeCompat('strings', () => {   // skipped as a whole, its reason printed, without redis-server
 *     const d = useDiffer();             // started before, closed after, reset before each test
 *     it('SET and GET', async () => {
 *       await d.run([['SET', 'k', 'v'], ['GET', 'k']]);
 *       await d.run([['SMEMBERS', 's']], { unordered: true });
 *     });
 *   });
 */
import assert from 'node:assert/strict';
import { describe, before, after, beforeEach } from 'node:test';
import { RawClient } from './raw-client.js';
import { sinew, redisOracle, oracleSkipReason, type OracleServer } from './servers.js';
import { forwarder } from './suite.js';
import type { RunningServer, StartOptions } from '../../src/index.js';
import { ReplyReader, RespMap, RespSet, RespPush, type RespValue } from '../../src/protocol/reply-reader.js';

export type Cmd = (string | number | Buffer)[];

export interface RunOptions {
  /** Connection index (connections are created on demand). */
  conn?: number;
  /** Compare as multisets (aggregate order does not matter). */
  unordered?: boolean;
  /** Only check that both replied with the same type (e.g. random output). */
  typeOnly?: boolean;
}

function canonical(v: RespValue): unknown {
  if (Array.isArray(v)) return v.map(canonical).map((x) => JSON.stringify(x)).sort();
  if (v instanceof RespSet || v instanceof RespPush) return v.items.map(canonical).map((x) => JSON.stringify(x)).sort();
  if (v instanceof RespMap) return v.entries.map(([k, x]) => JSON.stringify([canonical(k), canonical(x)])).sort();
  if (typeof v === 'bigint') return v.toString();
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return v;
}

function decode(raw: string): RespValue {
  const r = new ReplyReader();
  r.feed(Buffer.from(raw, 'latin1'));
  return r.next() as RespValue;
}

export class Differ {
  private ours: RawClient[] = [];
  private theirs: RawClient[] = [];

  private constructor(
    readonly sinew: RunningServer,
    readonly redis: OracleServer,
  ) {}

  /**
   * Starts both servers, for a suite declared with describeCompat (which is
   * skipped where redis-server is missing, so this always has both).
   */
  static async open(opts: { sinew?: StartOptions; redis?: Record<string, string> } = {}): Promise<Differ> {
    const d = await Differ.create(opts);
    if (d === null) throw new Error('redis-server 7.0 is not installed: declare the suite with describeCompat');
    return d;
  }

  /** Null (after printing why) when redis-server is not installed outside CI. */
  static async create(opts: { sinew?: StartOptions; redis?: Record<string, string> } = {}): Promise<Differ | null> {
    if (oracleSkipReason() !== false) return null;
    const [s, r] = await Promise.all([sinew(opts.sinew ?? {}), redisOracle(opts.redis ?? {})]);
    return new Differ(s, r);
  }

  async pair(i = 0): Promise<[RawClient, RawClient]> {
    while (this.ours.length <= i) {
      this.ours.push(await RawClient.connect(this.sinew.port));
      this.theirs.push(await RawClient.connect(this.redis.port));
    }
    return [this.ours[i], this.theirs[i]];
  }

  /** Runs each command on both servers and asserts equal raw replies. Returns Sinew's replies. */
  async run(cmds: Cmd[], opts: RunOptions = {}): Promise<string[]> {
    const [a, b] = await this.pair(opts.conn ?? 0);
    const out: string[] = [];
    for (const cmd of cmds) {
      const [ra, rb] = await Promise.all([a.raw(...cmd), b.raw(...cmd)]);
      const label = cmd.map((x) => (Buffer.isBuffer(x) ? `<${x.length} bytes>` : String(x))).join(' ');
      if (opts.typeOnly) assert.equal(ra[0], rb[0], `reply type of: ${label}`);
      else if (opts.unordered) assert.deepEqual(canonical(decode(ra)), canonical(decode(rb)), `unordered reply of: ${label}`);
      else assert.equal(ra, rb, `reply of: ${label}`);
      out.push(ra);
    }
    return out;
  }

  /**
   * Runs a script in RESP2, then again in RESP3 (and goes back to RESP2):
   * replies are compared in both protocols. The second run starts from an
   * empty dataset unless `keepData` (a script that only reads data set up
   * before it).
   */
  async runInBothProtocols(cmds: Cmd[], opts: RunOptions & { keepData?: boolean } = {}): Promise<void> {
    await this.run(cmds, opts);
    await this.run(opts.keepData ? [['HELLO', '3']] : [['FLUSHALL'], ['HELLO', '3']], { typeOnly: true, conn: opts.conn });
    await this.run(cmds, opts);
    await this.run([['HELLO', '2']], { typeOnly: true, conn: opts.conn });
  }

  /** Sends a command on both without waiting (e.g. a blocking command). */
  async send(cmd: Cmd, conn = 0): Promise<void> {
    const [a, b] = await this.pair(conn);
    a.send(...cmd);
    b.send(...cmd);
  }

  /** Awaits the next reply on a connection of both servers and compares. */
  async expectReply(conn = 0, label = 'pending reply', ms = 5000): Promise<string> {
    const [a, b] = await this.pair(conn);
    const [ra, rb] = await Promise.all([a.nextRaw(ms), b.nextRaw(ms)]);
    assert.equal(ra, rb, label);
    return ra;
  }

  /**
   * Collects what arrives on a connection of both servers up to and
   * including the first message containing `marker` (e.g. a PUBLISH that
   * ends a script of keyspace events), and asserts both got the same.
   */
  async expectPushesUntil(marker: string, conn = 1, ms = 3000): Promise<string[]> {
    const [a, b] = await this.pair(conn);
    const until = async (cl: RawClient): Promise<string[]> => {
      const out: string[] = [];
      for (;;) {
        const m = await cl.nextRaw(ms);
        out.push(m);
        if (m.includes(marker)) return out;
      }
    };
    const [ra, rb] = await Promise.all([until(a), until(b)]);
    assert.deepEqual(ra, rb, `messages up to ${marker}`);
    return ra;
  }

  /** Asserts that neither side replies within ms. */
  async expectSilence(conn = 0, ms = 100): Promise<void> {
    const [a, b] = await this.pair(conn);
    const [sa, sb] = await Promise.all([a.silent(ms), b.silent(ms)]);
    assert.equal(sa, true, 'sinew replied unexpectedly');
    assert.equal(sb, true, 'redis replied unexpectedly');
  }

  /** Sends a blocking command on both and waits until both servers count one more blocked client. */
  async sendBlocking(cmd: Cmd, conn: number): Promise<void> {
    await this.pair(conn);
    const [a0, b0] = await this.blockedClients();
    await this.send(cmd, conn);
    for (let i = 0; i < 200; i++) {
      const [a1, b1] = await this.blockedClients();
      if (Number(a1) > Number(a0) && Number(b1) > Number(b0)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.expectSilence(conn, 20);
  }

  /** blocked_clients of INFO clients, Sinew's and redis-server's (asked on connection 0). */
  async blockedClients(): Promise<[string, string]> {
    const [a, b] = await this.pair(0);
    const [ia, ib] = await Promise.all([a.raw('INFO', 'clients'), b.raw('INFO', 'clients')]);
    const pick = (s: string) => /blocked_clients:(\d+)/.exec(s)?.[1] ?? '?';
    return [pick(ia), pick(ib)];
  }

  /** Writes raw bytes to both (protocol tests); compares nothing: the caller reads and compares what comes back. */
  async writeRawBoth(data: string, conn = 0): Promise<[RawClient, RawClient]> {
    const [a, b] = await this.pair(conn);
    a.writeRaw(data);
    b.writeRaw(data);
    return [a, b];
  }

  /** FLUSHALL and fresh connections. */
  async reset(): Promise<void> {
    for (const c of [...this.ours, ...this.theirs]) c.close();
    this.ours = [];
    this.theirs = [];
    const [a, b] = await this.pair(0);
    await Promise.all([a.raw('FLUSHALL'), b.raw('FLUSHALL')]);
  }

  async close(): Promise<void> {
    for (const c of [...this.ours, ...this.theirs]) c.close();
    await Promise.all([this.sinew.close(), this.redis.close()]);
  }
}

/**
 * describe() for a suite that compares Sinew with redis-server: where
 * redis-server is missing (outside CI) the whole suite is skipped, its
 * reason printed once.
 */
export function describeCompat(name: string, fn: () => void): void {
  const reason = oracleSkipReason();
  if (reason === false) describe(name, fn);
  else describe(name, { skip: reason }, fn);
}

/**
 * The Differ of a describeCompat suite: started before its tests, closed
 * after them, and (unless `reset: false`) reset before each test (FLUSHALL,
 * fresh connections). The returned object forwards to it, so tests write
 * `d.run(...)` as with a Differ of their own.
 */
export function useDiffer(opts: { sinew?: StartOptions; redis?: Record<string, string>; reset?: boolean } = {}): Differ {
  let inner: Differ | null = null;
  before(async () => {
    inner = await Differ.open(opts);
  });
  after(async () => {
    await inner?.close();
  });
  if (opts.reset !== false) {
    beforeEach(async () => {
      await inner?.reset();
    });
  }
  return forwarder(() => inner, 'the Differ');
}
