/**
 * The grammar fuzzer's runner: starts a Sinew child process, runs setup
 * moves (large values), then random commands from several connections and
 * hostile raw frames on throwaway connections. After every batch it checks
 * that the child is alive, answers PING on a fresh connection within a
 * bound, and printed no exception. On failure it saves the commands since
 * the last good checkpoint (plus the setup moves) as a replay file, shrinks
 * it by delta debugging against fresh children, and reports the minimal
 * replay.
 *
 * Used by scripts/fuzz.mjs (long runs, replay) and test/fuzz/command-fuzz.test.ts
 * (a short bounded run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawClient } from '../helpers/raw-client.js';
import {
  DEFAULT_SIZES, Generator, Rng, dumpPool, encodeArgv, neutralise, rawFrame, setupMoves, SERVED, SETUP_KEYS, type Argv, type FuzzSizes,
} from './grammar.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SERVER_BIN = join(REPO_ROOT, 'bin/sinew-server.js');

// ---------------------------------------------------------------- RESP reply skimmer

export interface Reply {
  /** First byte of the reply: + - : $ * % ~ _ , # ( = ! */
  type: string;
  /** The first bytes of the reply, for messages. */
  head: string;
  /** A top-level bulk string of at most 64 KB. */
  bulk?: Buffer;
}

interface Frame {
  left: number;
  attr: boolean;
}

/**
 * Counts replies in a RESP2/RESP3 byte stream without keeping large payloads
 * (a reply of 512 MB streams through). Push frames (RESP3 `>`) and
 * attributes are not replies.
 */
export class ReplySkimmer {
  private buf: Buffer = Buffer.alloc(0);
  private stack: Frame[] = [];
  private skip = 0;
  private bulkKeep: Buffer[] | null = null;
  private type = '';
  private push = false;
  private head = '';
  private bulk: Buffer | undefined;
  constructor(private onReply: (r: Reply) => void) {}

  feed(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    const b = this.buf;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length - pos);
        if (this.bulkKeep !== null) this.bulkKeep.push(b.subarray(pos, pos + n));
        if (this.head.length < 200) this.head += b.subarray(pos, pos + Math.min(n, 200)).toString('latin1');
        this.skip -= n;
        pos += n;
        if (this.skip > 0) break;
        if (this.bulkKeep !== null) {
          const all = Buffer.concat(this.bulkKeep);
          this.bulk = Buffer.from(all.subarray(0, all.length - 2));
          this.bulkKeep = null;
        }
        this.done();
        continue;
      }
      const nl = b.indexOf('\r\n', pos, 'latin1');
      if (nl < 0) break;
      const line = b.toString('latin1', pos, nl);
      pos = nl + 2;
      const t = line[0];
      if (this.stack.length === 0) {
        this.type = t;
        this.push = t === '>';
        this.head = '';
        this.bulk = undefined;
      }
      if (this.head.length < 200) this.head += line.slice(0, 200) + '\r\n';
      const n = Number(line.slice(1));
      switch (t) {
        case '$': case '=': case '!':
          if (!(n >= 0)) this.done();
          else {
            this.skip = n + 2;
            if (this.stack.length === 0 && n <= 65536) this.bulkKeep = [];
          }
          break;
        case '*': case '~': case '>': case '%': case '|': {
          const count = t === '%' || t === '|' ? n * 2 : n;
          if (t === '|') {
            if (count > 0) this.stack.push({ left: count, attr: true });
            break;
          }
          if (!(count > 0)) this.done();
          else this.stack.push({ left: count, attr: false });
          break;
        }
        default:
          this.done();
      }
    }
    this.buf = pos >= b.length ? Buffer.alloc(0) : b.subarray(pos);
    if (this.buf.length > 0 && pos > 0) this.buf = Buffer.from(this.buf);
  }

  /** One element finished: close the aggregates it completes; emit a top-level reply. */
  private done(): void {
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1];
      top.left--;
      if (top.left > 0) return;
      this.stack.pop();
      if (top.attr) return; // an attribute precedes the element it describes
    }
    if (!this.push) this.onReply({ type: this.type, head: this.head, bulk: this.bulk });
  }
}

// ---------------------------------------------------------------- connections

export type CallResult = Reply | 'timeout' | 'closed';

export class Conn {
  private sock: net.Socket;
  private waiters: ((r: CallResult) => void)[] = [];
  closed = false;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    const sk = new ReplySkimmer((r) => {
      const w = this.waiters.shift();
      if (w) w(r);
    });
    sock.on('data', (d) => sk.feed(d));
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w('closed');
    });
    sock.on('error', () => {});
  }

  static connect(port: number, timeoutMs = 5000): Promise<Conn | null> {
    return new Promise((res) => {
      const sock = net.connect(port, '127.0.0.1');
      const t = setTimeout(() => {
        sock.destroy();
        res(null);
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(t);
        sock.setNoDelay(true);
        res(new Conn(sock));
      });
      sock.once('error', () => {
        clearTimeout(t);
        res(null);
      });
    });
  }

  call(argv: Argv, timeoutMs: number): Promise<CallResult> {
    if (this.closed) return Promise.resolve('closed');
    return new Promise((res) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(fn);
        if (i >= 0) this.waiters.splice(i, 1);
        res('timeout');
      }, timeoutMs);
      const fn = (r: CallResult) => {
        clearTimeout(t);
        res(r);
      };
      this.waiters.push(fn);
      this.sock.write(encodeArgv(argv));
    });
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** Sends a raw frame on a throwaway connection, half-closes, waits for the close (bounded). */
export function sendRaw(port: number, data: Buffer, waitMs = 300): Promise<void> {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('data', () => {});
    const t = setTimeout(() => {
      s.destroy();
      res();
    }, waitMs);
    s.on('close', () => {
      clearTimeout(t);
      res();
    });
    s.once('connect', () => {
      s.end(data);
    });
  });
}

/** True when a fresh connection gets any reply to PING within `ms`. */
export async function pingOk(port: number, ms: number): Promise<boolean> {
  const t0 = Date.now();
  const c = await Conn.connect(port, ms);
  if (c === null) return false;
  const r = await c.call([Buffer.from('PING')], Math.max(1, ms - (Date.now() - t0)));
  c.destroy();
  return typeof r === 'object';
}

// ---------------------------------------------------------------- the child

/** Children still running: killed when this process exits (Ctrl-C on a long run leaves no server behind). */
const LIVE = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of LIVE) p.kill('SIGKILL');
});

const LOG_LINE = /^\d+:[MCSX] \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} ([.\-*#]) (.*)$/;
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/;
const ERROR_LINE = /^(Uncaught |FATAL ERROR|#\s+Fatal|node:internal|\w*Error\b|\[\w+Error|AssertionError)/;

export class Child {
  readonly proc: ChildProcess;
  port = 0;
  /** The last lines of output. */
  readonly tail: string[] = [];
  /** Output that looks like an exception (stack traces, error lines on stderr). */
  readonly exception: string[] = [];
  /** Warning-level log messages ('#'), distinct. */
  readonly warnings = new Set<string>();
  exit: { code: number | null; signal: string | null } | null = null;
  readonly exited: Promise<void>;
  private dir: string;

  private constructor(extraArgs: string[]) {
    this.dir = mkdtempSync(join(tmpdir(), 'sinew-fuzz-'));
    const args = ['--max-semi-space-size=64', '--stack-trace-limit=30', SERVER_BIN, '--port', '0', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir, '--enable-debug-command', 'yes', '--loglevel', 'notice', ...extraArgs];
    this.proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    LIVE.add(this.proc);
    this.exited = new Promise((res) => {
      this.proc.once('exit', (code, signal) => {
        LIVE.delete(this.proc);
        this.exit = { code, signal };
        rmSync(this.dir, { recursive: true, force: true });
        res();
      });
    });
    this.lines(this.proc.stdout!, false);
    this.lines(this.proc.stderr!, true);
  }

  private lines(stream: NodeJS.ReadableStream, stderr: boolean): void {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const text = rest + d.toString('latin1');
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      if (rest.length > 4096) rest = rest.slice(0, 4096);
      for (const line of parts) this.line(line, stderr);
    });
  }

  private line(raw: string, stderr: boolean): void {
    const line = raw.length > 2000 ? raw.slice(0, 2000) + '...' : raw;
    this.tail.push((stderr ? '[stderr] ' : '') + line);
    if (this.tail.length > 300) this.tail.shift();
    const m = LOG_LINE.exec(line);
    if (m !== null) {
      if (m[1] === '#') this.warnings.add(m[2].slice(0, 200));
      return;
    }
    if (line.trim() === '') return;
    if (stderr) {
      // Node's own warnings ("(node:123) MaxListenersExceededWarning: ...") are not crashes, but are reported
      if (/^\(node:\d+\) /.test(line)) this.warnings.add('[node] ' + line.replace(/^\(node:\d+\) /, '').slice(0, 200));
      else if (!/^\(Use `node --trace-warnings/.test(line)) this.exception.push(line);
      return;
    }
    if (STACK_FRAME.test(line) || ERROR_LINE.test(line)) this.exception.push(line);
  }

  static async start(extraArgs: string[] = [], timeoutMs = 60000): Promise<Child> {
    const c = new Child(extraArgs);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (c.exit !== null) throw new Error(`sinew-server exited at start: ${c.tail.join('\n')}`);
      for (const l of c.tail) {
        const m = /Running mode=standalone, port=(\d+)/.exec(l);
        if (m !== null) c.port = Number(m[1]);
      }
      if (c.port !== 0 && c.tail.some((l) => l.includes('Ready to accept connections'))) return c;
      await sleep(20);
    }
    c.kill();
    throw new Error(`sinew-server did not start within ${timeoutMs} ms: ${c.tail.join('\n')}`);
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Resident set size in kB (from /proc), or 0. */
  rssKb(): number {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'latin1'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  async kill(): Promise<void> {
    if (this.exit === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------- failures

export type FailureKind = 'crash' | 'hang' | 'exception' | 'memory';

export interface Failure {
  kind: FailureKind;
  /** What identifies the bug: the error line and first server frame, or "hang". */
  signature: string;
  details: string;
}

/** The error line and first frame inside Sinew's sources, without columns (line numbers drift less). */
export function signatureOf(lines: string[]): string {
  const err = lines.find((l) => ERROR_LINE.test(l.trim()) && !/^node:internal/.test(l)) ?? lines[0] ?? '';
  // the first frame in a command or the scripting engine names the bug better than a shared helper (types/, util/)
  const frame = lines.find((l) => STACK_FRAME.test(l) && /dist\/src\/(commands|scripting|server|protocol)\//.test(l))
    ?? lines.find((l) => STACK_FRAME.test(l) && /dist\/src\//.test(l)) ?? lines.find((l) => STACK_FRAME.test(l)) ?? '';
  const where = /([\w.-]+\.js):(\d+):\d+/.exec(frame);
  const msg = err.trim().replace(/\d{4,}/g, 'N').slice(0, 160);
  return where ? `${msg} @ ${where[1]}:${where[2]}` : msg;
}

export async function checkChild(child: Child, pingTimeoutMs: number, rssLimitKb: number): Promise<Failure | null> {
  const fromExit = (): Failure => {
    const exc = child.exception.length ? child.exception : child.tail.slice(-40);
    return {
      kind: 'crash',
      signature: child.exception.length ? signatureOf(child.exception) : `exit code=${child.exit?.code} signal=${child.exit?.signal}`,
      details: `exit ${JSON.stringify(child.exit)}\n${exc.slice(0, 60).join('\n')}`,
    };
  };
  if (!child.alive) {
    await sleep(100); // the rest of stderr
    return fromExit();
  }
  if (child.exception.length > 0) {
    await sleep(200);
    if (!child.alive) return fromExit();
    return { kind: 'exception', signature: signatureOf(child.exception), details: child.exception.slice(0, 60).join('\n') };
  }
  if (!(await pingOk(child.port, pingTimeoutMs))) {
    if (!child.alive) {
      await child.exited;
      await sleep(100);
      return fromExit();
    }
    return { kind: 'hang', signature: 'hang', details: `no PING reply within ${pingTimeoutMs} ms on a fresh connection\n${child.tail.slice(-20).join('\n')}` };
  }
  const rss = child.rssKb();
  if (rssLimitKb > 0 && rss > rssLimitKb) {
    return { kind: 'memory', signature: 'memory', details: `RSS ${Math.round(rss / 1024)} MB over the limit of ${Math.round(rssLimitKb / 1024)} MB` };
  }
  return null;
}

// ---------------------------------------------------------------- replay files

/** One logged step: a command on connection `c`, or a raw frame on a throwaway connection. */
export interface Entry {
  c: number;
  a?: Argv;
  raw?: Buffer;
  setup?: boolean;
  /** Setup group: shrinking removes a group's entries together. */
  g?: string;
}

type EncArg = string | { b64: string } | { rep: string | { b64: string }; n: number };

function encArg(b: Buffer): EncArg {
  if (b.length > 256) {
    for (let u = 1; u <= 16; u++) {
      if (b.length % u !== 0) continue;
      let ok = true;
      for (let i = u; i < b.length && ok; i++) if (b[i] !== b[i - u]) ok = false;
      if (ok) return { rep: encArg(b.subarray(0, u)) as string | { b64: string }, n: b.length / u };
    }
  }
  for (const x of b) if (x >= 0x80) return { b64: b.toString('base64') };
  return b.toString('latin1');
}

function decArg(e: EncArg): Buffer {
  if (typeof e === 'string') return Buffer.from(e, 'latin1');
  if ('b64' in e) return Buffer.from(e.b64, 'base64');
  const unit = decArg(e.rep);
  return Buffer.alloc(unit.length * e.n, unit);
}

export function encodeEntry(e: Entry): string {
  const o: Record<string, unknown> = { c: e.c };
  if (e.setup) o.setup = true;
  if (e.g !== undefined) o.g = e.g;
  if (e.raw !== undefined) o.raw = { b64: e.raw.toString('base64') };
  else o.a = (e.a ?? []).map(encArg);
  return JSON.stringify(o);
}

export function decodeEntry(line: string): Entry | null {
  const o = JSON.parse(line) as { c?: number; a?: EncArg[]; raw?: { b64: string }; setup?: boolean; g?: string; sinewFuzz?: number };
  if (o.sinewFuzz !== undefined) return null;
  const e: Entry = { c: o.c ?? 0 };
  if (o.setup) e.setup = true;
  if (typeof o.g === 'string') e.g = o.g;
  if (o.raw !== undefined) e.raw = Buffer.from(o.raw.b64, 'base64');
  else e.a = (o.a ?? []).map(decArg);
  return e;
}

export function writeReplay(file: string, header: Record<string, unknown>, entries: Entry[]): void {
  const lines = [JSON.stringify({ sinewFuzz: 1, ...header }), ...entries.map(encodeEntry)];
  writeFileSync(file, lines.join('\n') + '\n');
}

export async function readReplay(file: string): Promise<{ header: Record<string, unknown>; entries: Entry[] }> {
  const text = await readFile(file, 'latin1');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let header: Record<string, unknown> = {};
  const entries: Entry[] = [];
  for (const l of lines) {
    const e = decodeEntry(l);
    if (e === null) header = JSON.parse(l) as Record<string, unknown>;
    else entries.push(e);
  }
  return { header, entries };
}

/** A short printable form of an entry. */
export function showEntry(e: Entry, max = 80): string {
  const q = (b: Buffer) => {
    const s = JSON.stringify(b.subarray(0, max).toString('latin1'));
    return b.length > max ? `${s}...(${b.length} bytes)` : s;
  };
  const pre = `${e.setup ? 'setup ' : ''}c${e.c}`;
  if (e.raw !== undefined) return `${pre} RAW ${q(e.raw)}`;
  return `${pre} [${(e.a ?? []).map(q).join(', ')}]`;
}

// ---------------------------------------------------------------- replay

export interface ReplayOptions {
  replyTimeoutMs: number;
  pingTimeoutMs: number;
  rssLimitKb: number;
  serverArgs: string[];
}

export const DEFAULT_REPLAY: ReplayOptions = { replyTimeoutMs: 15000, pingTimeoutMs: 5000, rssLimitKb: 8 * 1024 * 1024, serverArgs: [] };

/** Runs entries one at a time against a fresh child; returns the failure it causes, or null. */
export async function replay(entries: Entry[], opts: ReplayOptions = DEFAULT_REPLAY, onStep?: (e: Entry, r: CallResult | 'raw') => void): Promise<Failure | null> {
  const child = await Child.start(opts.serverArgs);
  const conns = new Map<number, Conn>();
  try {
    for (const e of entries) {
      if (!child.alive || child.exception.length > 0) break;
      if (e.raw !== undefined) {
        await sendRaw(child.port, e.raw);
        onStep?.(e, 'raw');
        continue;
      }
      let c = conns.get(e.c);
      if (c === undefined || c.closed) {
        c = (await Conn.connect(child.port)) ?? undefined;
        if (c === undefined) break;
        conns.set(e.c, c);
      }
      const r = await c.call(e.a ?? [], opts.replyTimeoutMs);
      onStep?.(e, r);
      if (r === 'timeout') {
        c.destroy();
        conns.delete(e.c);
        if (!(await pingOk(child.port, opts.pingTimeoutMs))) break;
      }
    }
    return await checkChild(child, opts.pingTimeoutMs, opts.rssLimitKb);
  } finally {
    for (const c of conns.values()) c.destroy();
    await child.kill();
  }
}

function sameFailure(a: Failure, b: Failure): boolean {
  return a.kind === b.kind && a.signature === b.signature;
}

/**
 * Delta debugging over entries (complements first, then single entries),
 * keeping a removal when a replay against a fresh child still fails the same
 * way. Bounded by `budgetMs`.
 */
export async function shrink(entries: Entry[], target: Failure, budgetMs: number, opts: ReplayOptions = DEFAULT_REPLAY,
  log: (s: string) => void = () => {}, hints: Entry[][] = []): Promise<Entry[]> {
  const deadline = Date.now() + budgetMs;
  let runs = 0;
  const fails = async (cand: Entry[]): Promise<boolean> => {
    runs++;
    const f = await replay(cand, opts);
    return f !== null && sameFailure(f, target);
  };
  let cur = entries;
  // quick starts: the given hints (e.g. only the commands in flight), smallest first
  for (const h of hints.sort((x, y) => x.length - y.length)) {
    if (Date.now() > deadline) break;
    if (h.length < cur.length && (await fails(h))) {
      cur = h;
      log(`shrink: ${cur.length} entries (a shortcut)`);
      break;
    }
  }
  // units: a setup group's entries go together; other entries one by one
  const units = (es: Entry[]): Entry[][] => {
    const out: Entry[][] = [];
    const groups = new Map<string, Entry[]>();
    for (const e of es) {
      if (e.g === undefined) {
        out.push([e]);
        continue;
      }
      const unit = groups.get(e.g);
      if (unit !== undefined) unit.push(e);
      else {
        groups.set(e.g, [e]);
        out.push(groups.get(e.g)!);
      }
    }
    return out;
  };
  let us = units(cur);
  let n = 2;
  while (us.length >= 2 && Date.now() < deadline) {
    const size = Math.ceil(us.length / n);
    let reduced = false;
    for (let i = 0; i < us.length && Date.now() < deadline; i += size) {
      const cand = [...us.slice(0, i), ...us.slice(i + size)];
      if (cand.length > 0 && (await fails(cand.flat()))) {
        us = cand;
        log(`shrink: ${us.flat().length} entries`);
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size <= 1) break;
      n = Math.min(us.length, n * 2);
    }
  }
  cur = us.flat();
  log(`shrink: ${entries.length} -> ${cur.length} entries in ${runs} replays${Date.now() > deadline ? ' (time budget reached)' : ''}`);
  return cur;
}

// ---------------------------------------------------------------- the run

export interface FuzzOptions extends ReplayOptions {
  seed: number;
  seconds: number;
  connections: number;
  /** Commands per connection between checkpoints. */
  batch: number;
  sizes: FuzzSizes;
  breakRate: number;
  bigKeyRate: number;
  /** Probability a step is a raw frame on a throwaway connection. */
  rawRate: number;
  failuresDir: string;
  /** Time for shrinking each distinct failure (0: no shrinking). */
  shrinkSeconds: number;
  /** After a failure: start a fresh child and continue (true), or stop (false). */
  keepGoing: boolean;
  /**
   * Commands not to send, as lower-case word prefixes ("debug digest", "lcs"): known crashers,
   * skipped so that a long run finds other bugs. Also applied inside EVAL wrappers.
   */
  exclude: string[];
  log: (line: string) => void;
}

export const DEFAULT_FUZZ: FuzzOptions = {
  ...DEFAULT_REPLAY,
  seed: 1,
  seconds: 60,
  connections: 4,
  batch: 100,
  sizes: DEFAULT_SIZES,
  breakRate: 0.08,
  bigKeyRate: 0.03,
  rawRate: 0.02,
  failuresDir: join(REPO_ROOT, 'fuzz-failures'),
  shrinkSeconds: 300,
  keepGoing: true,
  exclude: [],
  log: (l) => process.stdout.write(l + '\n'),
};

export interface Finding extends Failure {
  /** The replay file: setup moves plus the commands since the last good checkpoint. */
  file: string;
  /** The shrunk replay file, when shrinking ran. */
  minimalFile?: string;
  minimal?: Entry[];
  /** True when replaying the saved file against a fresh child did fail. */
  reproduced?: boolean;
  /** Commands in flight when the failure was seen. */
  inflight: Entry[];
}

export interface FuzzResult {
  seed: number;
  commands: number;
  rawFrames: number;
  seconds: number;
  rate: number;
  rssStartKb: number;
  rssAfterSetupKb: number;
  rssEndKb: number;
  /** Memory once emptied at the end (null when the run ended on a failure). */
  clean: EmptiedMemory | null;
  findings: Finding[];
  /** Commands that got no reply within replyTimeoutMs while the server still answered PING. */
  noReply: Entry[];
  /** The slowest replies (over 250 ms; the wait includes other connections' commands). */
  slow: { ms: number; e: Entry }[];
  warnings: string[];
}

function noteSlow(slow: { ms: number; e: Entry }[], ms: number, e: Entry): void {
  const name = (x: Entry) => (x.a ?? []).slice(0, 2).map((b) => b.toString('latin1').toLowerCase()).join(' ');
  const same = slow.find((s) => name(s.e) === name(e));
  if (same !== undefined) {
    if (same.ms < ms) Object.assign(same, { ms, e });
  } else slow.push({ ms, e });
  slow.sort((a, b) => b.ms - a.ms);
  if (slow.length > 15) slow.length = 15;
}

/** The words of a command, lower-case, joined by spaces (also the words after an EVAL wrapper's numkeys). */
function excluded(argv: Argv, exclude: string[]): boolean {
  if (exclude.length === 0) return false;
  const words = argv.slice(0, 8).map((b) => b.subarray(0, 64).toString('latin1').toLowerCase());
  const forms = [words.join(' ')];
  if (words[0]?.startsWith('eval') || words[0]?.startsWith('fcall')) forms.push(words.slice(3).join(' '));
  return exclude.some((x) => forms.some((f) => f.startsWith(x)));
}

function nextCommand(g: Generator, exclude: string[]): Argv {
  for (let i = 0; ; i++) {
    const a = g.command();
    if (i >= 20 || !excluded(a, exclude)) return a;
  }
}

/** Keeps the last good checkpoints' entries (older ones are dropped to bound memory). */
const HISTORY_BATCHES = 8;

export async function runFuzz(partial: Partial<FuzzOptions> = {}): Promise<FuzzResult> {
  const o: FuzzOptions = { ...DEFAULT_FUZZ, ...partial };
  const log = o.log;
  const master = new Rng(o.seed);
  const gens = Array.from({ length: o.connections }, () => new Generator(master.fork(), { sizes: o.sizes, breakRate: o.breakRate, bigKeyRate: o.bigKeyRate }));
  const t0 = Date.now();
  const deadline = t0 + o.seconds * 1000;
  const findings: Finding[] = [];
  const noReply: Entry[] = [];
  const slow: { ms: number; e: Entry }[] = [];
  const warnings = new Set<string>();
  let commands = 0;
  let rawFrames = 0;
  let rssStartKb = 0;
  let rssAfterSetupKb = 0;
  let rssEndKb = 0;
  let clean: EmptiedMemory | null = null;
  let fuzzMs = 0;

  const setup: Entry[] = setupMoves(o.sizes, master.fork()).map((m) => ({ c: 0, a: m.a, setup: true, g: m.g }));

  while (Date.now() < deadline) {
    const child = await Child.start(o.serverArgs);
    if (rssStartKb === 0) rssStartKb = child.rssKb();
    log(`sinew-server pid ${child.proc.pid} on port ${child.port}; RSS ${mb(child.rssKb())}`);
    const conns: (Conn | null)[] = Array.from({ length: o.connections }, () => null);
    const inflight: (Entry | null)[] = Array.from({ length: o.connections }, () => null);
    let history: Entry[][] = [];
    let current: Entry[] = [];
    let failure: Failure | null = null;

    // setup moves, on connection 0
    const ts = Date.now();
    const c0 = await Conn.connect(child.port);
    if (c0 !== null) {
      for (const e of setup) {
        const r = await c0.call(e.a!, o.replyTimeoutMs);
        if (r === 'timeout' || r === 'closed') break;
        if (r.type === '-' && !/unknown command/.test(r.head)) log(`setup ${showEntry(e, 40)}: ${r.head.trim()}`);
      }
      c0.destroy();
    }
    failure = await checkChild(child, o.pingTimeoutMs, o.rssLimitKb);
    if (rssAfterSetupKb === 0) rssAfterSetupKb = child.rssKb();
    log(`setup: ${setup.length} moves in ${Date.now() - ts} ms; RSS ${mb(child.rssKb())}`);

    const tf = Date.now();
    const worker = async (w: number): Promise<void> => {
      const g = gens[w];
      for (let k = 0; k < o.batch && Date.now() < deadline; k++) {
        if (g.rng.chance(o.rawRate)) {
          const e: Entry = { c: w, raw: rawFrame(g) };
          current.push(e);
          rawFrames++;
          await sendRaw(child.port, e.raw!);
          continue;
        }
        let c = conns[w];
        if (c === null || c.closed) {
          c = await Conn.connect(child.port);
          conns[w] = c;
          if (c === null) return;
        }
        // now and then re-make a large value (FLUSHALL, DEL and SWAPDB remove them)
        const e: Entry = g.rng.chance(0.003) ? { c: w, a: g.rng.pick(setup.filter((s) => s.a!.length < 10)).a } : { c: w, a: nextCommand(g, o.exclude) };
        current.push(e);
        inflight[w] = e;
        commands++;
        const t1 = performance.now();
        const r = await c.call(e.a!, o.replyTimeoutMs);
        const ms = performance.now() - t1;
        if (ms > 250) noteSlow(slow, ms, e);
        if (r === 'timeout') {
          c.destroy();
          conns[w] = null;
          if (!child.alive || !(await pingOk(child.port, o.pingTimeoutMs))) return; // the checkpoint reports it
          noReply.push(e);
          log(`no reply within ${o.replyTimeoutMs} ms (server still answers PING): ${showEntry(e)}`);
        } else if (r !== 'closed') {
          inflight[w] = null;
          if (r.bulk !== undefined && e.a![0].length === 4 && e.a![0].toString().toUpperCase() === 'DUMP' && dumpPool.length < 64) dumpPool.push(r.bulk);
        } else {
          // closed with the command in flight: it stays listed (it may be what took the server down)
          conns[w] = null;
          if (!child.alive) return;
        }
      }
    };

    while (failure === null && Date.now() < deadline) {
      await Promise.all(gens.map((_, w) => worker(w)));
      failure = await checkChild(child, o.pingTimeoutMs, o.rssLimitKb);
      if (failure === null) {
        history.push(current);
        if (history.length > HISTORY_BATCHES) history = history.slice(-HISTORY_BATCHES);
        current = [];
        inflight.fill(null);
      }
    }
    fuzzMs += Date.now() - tf;
    for (const c of conns) c?.destroy();
    for (const wmsg of child.warnings) warnings.add(wmsg);
    rssEndKb = child.rssKb() || rssEndKb;
    if (failure === null) clean = await memoryWhenEmptied(child);
    await child.kill();

    if (failure === null) break;
    log(`FAILURE (${failure.kind}): ${failure.signature}\n${indent(failure.details)}`);
    const stuck = inflight.filter((e): e is Entry => e !== null);
    const seen = findings.find((f) => sameFailure(f, failure!));
    const finding = await saveFailure(o, failure, setup, current, history.flat(), stuck, seen !== undefined);
    findings.push(finding);
    if (!o.keepGoing) break;
  }
  const seconds = (Date.now() - t0) / 1000;
  return {
    seed: o.seed, commands, rawFrames, seconds, rate: fuzzMs > 0 ? commands / (fuzzMs / 1000) : 0,
    rssStartKb, rssAfterSetupKb, rssEndKb, clean, findings, noReply, slow, warnings: [...warnings],
  };
}

export interface EmptiedMemory {
  /** INFO used_memory (V8's live heap and external memory) after FLUSHALL, SCRIPT FLUSH, SLOWLOG RESET and a full GC. */
  usedBytes: number;
  rssKb: number;
}

/**
 * What the server holds once the data is gone: FLUSHALL, SCRIPT FLUSH,
 * SLOWLOG and LATENCY RESET, MEMORY PURGE (a full collection). Growth here
 * over a long run, unlike RSS, is memory something kept: a leak.
 */
async function memoryWhenEmptied(child: Child): Promise<EmptiedMemory | null> {
  try {
    const c = await RawClient.connect(child.port);
    try {
      for (const cmd of [['FLUSHALL'], ['SCRIPT', 'FLUSH'], ['SLOWLOG', 'RESET'], ['LATENCY', 'RESET'], ['MEMORY', 'PURGE']]) await c.call(...cmd);
      const info = String(await c.call('INFO', 'memory'));
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
      return { usedBytes: used, rssKb: child.rssKb() };
    } finally {
      c.close();
    }
  } catch {
    return null;
  }
}

async function saveFailure(o: FuzzOptions, failure: Failure, setup: Entry[], window: Entry[], older: Entry[], inflight: Entry[], duplicate: boolean): Promise<Finding> {
  mkdirSync(o.failuresDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = join(o.failuresDir, `${failure.kind}-seed${o.seed}-${stamp}`);
  const header = { kind: failure.kind, signature: failure.signature, seed: o.seed, details: failure.details.slice(0, 4000), inflight: inflight.map((e) => showEntry(e, 200)) };
  let entries = [...setup, ...window];
  const file = `${base}.jsonl`;
  writeReplay(file, header, entries);
  const finding: Finding = { ...failure, file, inflight };
  o.log(`replay file: ${file} (${entries.length} entries)`);
  for (const e of inflight) o.log(`  in flight: ${showEntry(e, 200)}`);
  if (o.shrinkSeconds <= 0 || duplicate) {
    if (duplicate) o.log('  (same signature as an earlier finding: not shrunk)');
    return finding;
  }
  const budget = o.shrinkSeconds * 1000;
  const t0 = Date.now();
  // does it reproduce alone? if not, with the older history too
  let target: Failure | null = await replay(entries, o);
  if (target === null || !sameFailure(target, failure)) {
    o.log(`the window alone gave ${target === null ? 'no failure' : `${target.kind}: ${target.signature}`}; trying with the older history`);
    if (older.length > 0) {
      const longer = [...setup, ...older, ...window];
      const t2 = await replay(longer, o);
      if (t2 !== null && sameFailure(t2, failure)) {
        entries = longer;
        target = t2;
        writeReplay(file, header, entries);
        o.log(`reproduced only with the older history: ${file} now holds ${entries.length} entries`);
      }
    }
  }
  if (target === null || !sameFailure(target, failure)) {
    finding.reproduced = false;
    o.log(`not reproduced by a sequential replay against a fresh server (${target === null ? 'no failure' : `${target.kind}: ${target.signature}`}); file kept`);
    return finding;
  }
  finding.reproduced = true;
  const setupOnly = entries.filter((e) => e.setup);
  const hints = [inflight, [...setupOnly, ...inflight], [...setupOnly, ...entries.filter((e) => !e.setup).slice(-20)]].filter((h) => h.length > 0);
  const minimal = await shrink(entries, failure, Math.max(5000, budget - (Date.now() - t0)), o, o.log, hints);
  finding.minimal = minimal;
  finding.minimalFile = `${base}.min.jsonl`;
  writeReplay(finding.minimalFile, header, minimal);
  o.log(`minimal replay (${minimal.length} entries): ${finding.minimalFile}`);
  for (const e of minimal) o.log(`  ${showEntry(e, 120)}`);
  return finding;
}

function mb(kb: number): string {
  return `${(kb / 1024).toFixed(0)} MB`;
}

function indent(s: string): string {
  return s.split('\n').map((l) => '    ' + l).join('\n');
}

/**
 * Sweep mode: every served command that takes a key, `perCommand` times with
 * every key argument naming one of `keys` (the setup's large values), one
 * command at a time on one connection; after a crash or hang the finding is
 * recorded and a fresh server (with the setup) takes over. Finds the
 * big-value bugs systematically, where the random run meets them by chance.
 */
export async function sweep(partial: Partial<FuzzOptions> & { keys: string[]; perCommand: number }): Promise<{ findings: { argv: Entry; failure: Failure }[]; commands: number }> {
  const o: FuzzOptions & { keys: string[]; perCommand: number } = { ...DEFAULT_FUZZ, ...partial };
  const g = new Generator(new Rng(o.seed), { sizes: o.sizes, breakRate: 0, bigKeyRate: 0 });
  const setup: Entry[] = setupMoves(o.sizes, new Rng(o.seed)).map((m) => ({ c: 0, a: m.a, setup: true, g: m.g }));
  const findings: { argv: Entry; failure: Failure }[] = [];
  const seen = new Set<string>();
  let child: Child | null = null;
  let conn: Conn | null = null;
  let commands = 0;
  const fresh = async () => {
    conn?.destroy();
    if (child !== null) await child.kill();
    child = await Child.start(o.serverArgs);
    const c0 = await Conn.connect(child.port);
    for (const e of setup) await c0!.call(e.a!, o.replyTimeoutMs);
    c0!.destroy();
    conn = await Conn.connect(child.port);
  };
  await fresh();
  const cmds = SERVED.filter((c) => JSON.stringify(c.args).includes('"type":"key"'));
  for (const key of o.keys) {
    for (const cmd of cmds) {
      for (let i = 0; i < o.perCommand; i++) {
        g.forceKey = key;
        const argv = neutralise(g.fromGrammar(cmd));
        if (argv === null) continue;
        const e: Entry = { c: 0, a: argv };
        commands++;
        const r = await conn!.call(argv, o.replyTimeoutMs);
        if (r === 'closed' || r === 'timeout' || !child!.alive || child!.exception.length > 0) {
          const f = (await checkChild(child!, o.pingTimeoutMs, o.rssLimitKb)) ?? null;
          if (f !== null) {
            const id = `${f.kind} ${f.signature}`;
            if (!seen.has(id)) {
              seen.add(id);
              findings.push({ argv: e, failure: f });
              o.log(`${f.kind}: ${f.signature}\n    ${showEntry(e, 100)}`);
            } else o.log(`  again (${f.kind}): ${showEntry(e, 100)}`);
            await fresh();
            continue;
          }
          if (r !== 'closed' || conn!.closed) conn = await Conn.connect(child!.port);
        }
        // a write may have changed or removed the large value: make it again
        if (cmd.flags.includes('write') && conn !== null) {
          for (const m of [{ c: 0, a: [Buffer.from('DEL'), Buffer.from(key)] }, ...setup.filter((m) => m.g === key)]) await conn.call(m.a!, o.replyTimeoutMs);
        }
      }
    }
  }
  conn!.destroy();
  await child!.kill();
  return { findings, commands };
}

export function summarize(r: FuzzResult): string {
  const lines = [
    `seed ${r.seed}: ${r.commands} commands and ${r.rawFrames} raw frames in ${r.seconds.toFixed(1)} s (${r.rate.toFixed(0)} commands/s while fuzzing)`,
    `child RSS: ${mb(r.rssStartKb)} at start, ${mb(r.rssAfterSetupKb)} after setup, ${mb(r.rssEndKb)} at the end` +
      (r.clean === null ? '' : `; emptied (FLUSHALL, SCRIPT FLUSH, full GC): used_memory ${(r.clean.usedBytes / 1048576).toFixed(1)} MB, RSS ${mb(r.clean.rssKb)}`),
    `findings: ${r.findings.length}`,
  ];
  for (const f of r.findings) {
    lines.push(`  ${f.kind}: ${f.signature}`, `    replay: ${f.minimalFile ?? f.file}${f.reproduced === false ? ' (did not reproduce sequentially)' : ''}`);
    if (f.minimal) for (const e of f.minimal) lines.push(`      ${showEntry(e, 100)}`);
    else for (const e of f.inflight) lines.push(`      in flight: ${showEntry(e, 100)}`);
  }
  if (r.noReply.length) {
    lines.push(`commands without a reply (server alive): ${r.noReply.length}`);
    for (const e of r.noReply.slice(0, 10)) lines.push(`  ${showEntry(e, 100)}`);
  }
  if (r.slow.length) {
    lines.push('slowest replies (wait includes the other connections\' commands):');
    for (const s of r.slow.slice(0, 8)) lines.push(`  ${s.ms.toFixed(0)} ms: ${showEntry(s.e, 60)}`);
  }
  if (r.warnings.length) {
    lines.push(`warnings logged by the server (distinct): ${r.warnings.length}`);
    for (const w of r.warnings.slice(0, 15)) lines.push(`  # ${w}`);
  }
  return lines.join('\n');
}

export { SETUP_KEYS, DEFAULT_SIZES };
