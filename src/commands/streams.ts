/**
 * Stream commands without consumer groups (t_stream.c): XADD, XLEN,
 * XRANGE, XREVRANGE, XDEL, XTRIM, XREAD (BLOCK included), XSETID.
 * The groups commands are in stream-groups.ts; the shared pieces in
 * stream-common.ts; the data structure in types/stream.ts.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { Err } from '../protocol/errors.js';
import { parseLL, parseLLBig } from '../protocol/numbers.js';
import {
  MIN_ID,
  MAX_ID,
  StreamErr,
  defaultTrimLimit,
  formatId,
  incrId,
  parseStreamId,
  parseXaddId,
  xaddIdError,
  type Stream,
  type StreamId,
  type StreamNodeLimits,
} from '../types/stream.js';
import {
  EntryList,
  createStream,
  getCount,
  getRangeEnd,
  getRangeStart,
  getStreamId,
  lookupWriteStream,
  readStream,
  writeRange,
  writeReadHeader,
  writeReadKey,
} from './stream-common.js';
import { is } from './args.js';

/** stream-node-max-bytes and stream-node-max-entries. */
function nodeLimits(c: Session): StreamNodeLimits {
  const t = c.server.config.typeLimits;
  return { maxBytes: t.streamNodeMaxBytes, maxEntries: t.streamNodeMaxEntries };
}

// --- XADD / XTRIM options (streamParseAddOrTrimArgsOrReply) ------------------

interface TrimArgs {
  strategy: 'none' | 'maxlen' | 'minid';
  approx: boolean;
  maxlen: number;
  minid: StreamId;
  /** 0: no limit. */
  limit: number;
  /** Where the MAXLEN count / MINID id is (rewritten for propagation after `~`). */
  argIdx: number;
  noMkStream: boolean;
  /** XADD: the ID argument's position; the parsed ID (null for `*`) and whether its seq was given. */
  idPos: number;
  id: StreamId | null;
  seqGiven: boolean;
}

function parseAddOrTrim(c: Session, argv: string[], xadd: boolean): TrimArgs | null {
  const a: TrimArgs = { strategy: 'none', approx: false, maxlen: 0, minid: MIN_ID, limit: 0, argIdx: 0, noMkStream: false, idPos: -1, id: null, seqGiven: true };
  const argc = argv.length;
  let limitGiven = false;
  let i = 2;
  for (; i < argc; i++) {
    const more = argc - 1 - i;
    const opt = argv[i];
    if (xadd && opt.charCodeAt(0) === 42 && (opt.length === 1 || opt.charCodeAt(1) === 0)) {
      a.id = null;
      a.seqGiven = false;
      break;
    } else if (more > 0 && (is(opt, 'maxlen') || is(opt, 'minid'))) {
      const maxlen = is(opt, 'maxlen');
      if (a.strategy !== 'none') {
        c.w.error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
        return null;
      }
      a.approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (more >= 2 && next === '=') i++;
      if (maxlen) {
        const n = trimNumber(c, argv[i + 1], 'MAXLEN');
        if (n === null) return null;
        a.maxlen = n;
      } else {
        const id = getStreamId(c, argv[i + 1]);
        if (id === null) return null;
        a.minid = id;
      }
      i++;
      a.strategy = maxlen ? 'maxlen' : 'minid';
      a.argIdx = i;
    } else if (more > 0 && is(opt, 'limit')) {
      const n = trimNumber(c, argv[i + 1], 'LIMIT');
      if (n === null) return null;
      a.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'nomkstream')) {
      a.noMkStream = true;
    } else if (xadd) {
      const p = parseXaddId(opt);
      if (p === null) {
        c.w.error(StreamErr.invalidId);
        return null;
      }
      a.id = p.id;
      a.seqGiven = p.seqGiven;
      break;
    } else {
      c.w.error(Err.syntax);
      return null;
    }
  }
  a.idPos = i;
  if (a.limit && a.strategy === 'none') {
    c.w.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return null;
  }
  if (!xadd && a.strategy === 'none') {
    c.w.error('ERR syntax error, XTRIM must be called with a trimming strategy');
    return null;
  }
  if (limitGiven) {
    if (!a.approx) {
      c.w.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
      return null;
    }
  } else a.limit = a.approx ? defaultTrimLimit(c.server.config.typeLimits.streamNodeMaxEntries) : 0;
  return a;
}

/** streamTrim with parsed arguments: how many entries it removed. */
function trim(s: Stream, a: TrimArgs): number {
  if (a.strategy === 'maxlen') return s.trimByLength(a.maxlen, a.approx, a.limit);
  if (a.strategy === 'minid') return s.trimById(a.minid, a.approx, a.limit);
  return 0;
}

/**
 * streamRewriteApproxSpecifier + streamRewriteTrimArgument: `~` becomes `=`
 * and the count / ID what the stream now holds, so that replicas and the AOF
 * trim exactly as much.
 */
function rewriteTrim(argv: string[], s: Stream, a: TrimArgs): void {
  argv[a.argIdx - 1] = '=';
  argv[a.argIdx] = a.strategy === 'maxlen' ? String(s.length) : formatId(s.edgeId(true, false));
}

function xadd(c: Session, argv: string[]): void {
  const a = parseAddOrTrim(c, argv, true);
  if (a === null) return;
  const fieldPos = a.idPos + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) {
    c.w.error(Err.wrongArity(c.cmd?.fullname ?? 'xadd'));
    return;
  }
  if (a.id !== null && xaddIdError({ id: a.id, seqGiven: a.seqGiven }) !== null) {
    c.w.error(StreamErr.xaddZero);
    return;
  }
  const key = argv[1];
  const db = c.db;
  let s = lookupWriteStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    if (a.noMkStream) {
      c.w.nullBulk();
      return;
    }
    s = createStream(c, key);
  }
  if (s.isExhausted()) {
    c.w.error(StreamErr.exhausted);
    return;
  }
  const fv = argv.slice(fieldPos);
  const r = s.append(fv, c.server.keyspace.now, nodeLimits(c), a.id, a.seqGiven);
  if (r.length !== 16) {
    c.w.error(r);
    return;
  }
  const id = r as StreamId;
  const idText = formatId(id);
  c.w.bulk(idText);
  c.server.modified(db, key, 'xadd');
  let rewritten: string[] | null = null;
  if (a.strategy !== 'none') {
    if (trim(s, a) > 0) c.server.modified(db, key, 'xtrim', 0);
    if (a.approx) {
      rewritten = argv.slice();
      rewriteTrim(rewritten, s, a);
    }
  }
  if (a.id === null || !a.seqGiven) {
    rewritten ??= argv.slice();
    rewritten[a.idPos] = idText;
  }
  if (rewritten !== null) c.propagateAs(rewritten);
}

function xtrim(c: Session, argv: string[]): void {
  const a = parseAddOrTrim(c, argv, false);
  if (a === null) return;
  const key = argv[1];
  const s = lookupWriteStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.w.int(0);
    return;
  }
  const deleted = trim(s, a);
  if (deleted) {
    if (a.approx) {
      const rewritten = argv.slice();
      rewriteTrim(rewritten, s, a);
      c.propagateAs(rewritten);
    }
    c.server.modified(c.db, key, 'xtrim', deleted);
  }
  c.w.int(deleted);
}

// --- reading -----------------------------------------------------------------

function xrangeGeneric(c: Session, argv: string[], rev: boolean): void {
  const start = getRangeStart(c, rev ? argv[3] : argv[2]);
  if (start === null) return;
  const end = getRangeEnd(c, rev ? argv[2] : argv[3]);
  if (end === null) return;
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (is(argv[j], 'count') && j + 1 < argv.length) {
      const n = getCount(c, argv[j + 1]);
      if (n === null) return;
      count = n;
      j++;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  const s = readStream(c, argv[1]);
  if (s === null) return;
  if (s === undefined) {
    c.w.array(0);
    return;
  }
  if (count === 0) {
    c.w.nullArray();
    return;
  }
  writeRange(c, s, start, end, count === -1 ? 0 : count, rev);
}

function xlen(c: Session, argv: string[]): void {
  const s = readStream(c, argv[1]);
  if (s === null) return;
  c.w.int(s === undefined ? 0 : s.length);
}

/** XREAD without a COUNT, when served after blocking (XREAD_BLOCKED_DEFAULT_COUNT). */
const BLOCKED_DEFAULT_COUNT = 1000;

/**
 * A blocked XREAD retried because one of its keys changed
 * (serveClientsBlockedOnStreamKey): it is served from that key alone, when
 * the stream there has a last ID above the one waited for and has had an
 * append since the client blocked (an XSETID alone serves nobody in Redis);
 * the reply may then be an empty array (entries added and deleted in one
 * transaction). Otherwise the client keeps waiting. The IDs in argv are
 * explicit: `$` was resolved when it blocked.
 */
function xreadServeBlocked(c: Session, argv: string[], streamsArg: number, n: number, count: number): void {
  const blocking = c.server.blocking;
  const key = blocking.servingKey;
  const waits = blocking.stateOf(c) as XreadWait[] | null;
  let k = -1;
  for (let j = 0; j < n && key !== null; j++) {
    if (argv[streamsArg + j] === key) {
      k = j;
      break;
    }
  }
  const v = k < 0 ? undefined : c.db.lookupWrite(key!);
  const s = v === undefined || typeof v === 'string' || v.type !== 'stream' ? undefined : (v as Stream);
  const w = waits === null ? undefined : waits[k];
  const gt = k < 0 ? null : parseStreamId(argv[streamsArg + n + k]);
  if (s === undefined || w === undefined || gt === null || !(s.lastId > gt) || (w.stream === s && w.added === s.entriesAdded)) {
    blocking.block(c, [], 'stream', 0, 'nullArray');
    return;
  }
  writeReadHeader(c, 1);
  writeReadKey(c, key!);
  writeRange(c, s, incrId(gt) ?? MAX_ID, MAX_ID, count || BLOCKED_DEFAULT_COUNT, false);
}

/** What an XREAD that blocked remembers of each stream it waits on, to serve as Redis does. */
interface XreadWait {
  /** The stream at the key when it blocked (undefined: none). */
  stream: Stream | undefined;
  /** Its entries_added then: an append since is what makes Redis serve (XSETID alone does not). */
  added: number | bigint;
}

function xread(c: Session, argv: string[]): void {
  const argc = argv.length;
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let n = 0;
  for (let i = 1; i < argc; i++) {
    const more = argc - i - 1;
    const o = argv[i];
    if (more > 0 && is(o, 'block')) {
      if (c.has(ClientFlag.Fake) && c.addr === 'lua') {
        c.w.error('ERR XREAD command is not allowed with BLOCK option from scripts');
        return;
      }
      i++;
      const t = parseLL(argv[i]);
      if (t === null) {
        c.w.error('ERR timeout is not an integer or out of range');
        return;
      }
      if (t < 0) {
        c.w.error(Err.timeoutNegative);
        return;
      }
      timeout = t;
    } else if (more > 0 && is(o, 'count')) {
      i++;
      const v = getCount(c, argv[i]);
      if (v === null) return;
      count = v;
    } else if (more > 0 && is(o, 'streams')) {
      streamsArg = i + 1;
      n = argc - streamsArg;
      if (n % 2 !== 0) {
        c.w.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
        return;
      }
      n /= 2;
      break;
    } else if (more >= 2 && is(o, 'group')) {
      c.w.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      return;
    } else if (is(o, 'noack')) {
      c.w.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      return;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  if (streamsArg === 0) {
    c.w.error(Err.syntax);
    return;
  }
  const blocking = c.server.blocking;
  if (blocking.retrying === c) {
    xreadServeBlocked(c, argv, streamsArg, n, count);
    return;
  }
  // Parse the IDs, resolving `$` to the stream's last ID now.
  const ids: StreamId[] = new Array<StreamId>(n);
  const streams: (Stream | undefined)[] = new Array<Stream | undefined>(n);
  for (let k = 0; k < n; k++) {
    const s = readStream(c, argv[streamsArg + k]);
    if (s === null) return;
    streams[k] = s;
    const arg = argv[streamsArg + n + k];
    if (arg === '$') {
      ids[k] = s === undefined ? MIN_ID : s.lastId;
      continue;
    }
    if (arg === '>') {
      c.w.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      return;
    }
    const id = getStreamId(c, arg);
    if (id === null) return;
    ids[k] = id;
  }

  // Serve at once what can be served. Redis looks every key up again here
  // (keyspace hits and misses count twice).
  const serve: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = c.db.read(argv[streamsArg + k]) as Stream | undefined;
    if (s === undefined || s.length === 0) continue;
    const last = s.lastLiveId();
    if (last !== null && last > ids[k]) serve.push(k);
  }
  if (serve.length > 0) {
    writeReadHeader(c, serve.length);
    for (const k of serve) {
      const s = streams[k]!;
      writeReadKey(c, argv[streamsArg + k]);
      const list = new EntryList();
      s.range(incrId(ids[k]) ?? MAX_ID, MAX_ID, count, false, list.visit);
      list.write(c.w);
    }
    return;
  }
  if (timeout === -1 || !blocking.canBlock(c)) {
    c.w.nullArray();
    return;
  }
  // Block, retrying with `$` resolved to the IDs of now.
  const retryArgv = argv.slice();
  for (let k = 0; k < n; k++) retryArgv[streamsArg + n + k] = formatId(ids[k]);
  const waits: XreadWait[] = streams.map((s) => ({ stream: s, added: s === undefined ? 0 : s.entriesAdded }));
  blocking.block(c, argv.slice(streamsArg, streamsArg + n), 'stream', timeout, 'nullArray', { argv: retryArgv, state: waits });
}

// --- XDEL / XSETID -------------------------------------------------------------

function xdel(c: Session, argv: string[]): void {
  const key = argv[1];
  const s = lookupWriteStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.w.int(0);
    return;
  }
  const ids: StreamId[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = getStreamId(c, argv[j]);
    if (id === null) return;
    ids.push(id);
  }
  const deleted = s.deleteIds(ids);
  if (deleted) c.server.modified(c.db, key, 'xdel', deleted);
  c.w.int(deleted);
}

function xsetid(c: Session, argv: string[]): void {
  const id = getStreamId(c, argv[2]);
  if (id === null) return;
  let entriesAdded: number | bigint = -1;
  let maxDeleted = MIN_ID;
  for (let i = 3; i < argv.length; ) {
    const more = argv.length - 1 - i;
    const opt = argv[i];
    if (more > 0 && is(opt, 'entriesadded')) {
      const v = parseLLBig(argv[i + 1]);
      if (v === null) {
        c.w.error(Err.notInteger);
        return;
      }
      if (v < 0n) {
        c.w.error('ERR entries_added must be positive');
        return;
      }
      entriesAdded = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      i += 2;
    } else if (more > 0 && is(opt, 'maxdeletedid')) {
      const m = getStreamId(c, argv[i + 1]);
      if (m === null) return;
      if (id < m) {
        c.w.error(StreamErr.xsetidMaxDeleted);
        return;
      }
      maxDeleted = m;
      i += 2;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  const key = argv[1];
  const s = lookupWriteStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.w.error(Err.noSuchKey);
    return;
  }
  const err = s.setId(id, entriesAdded, maxDeleted);
  if (err !== null) {
    c.w.error(err);
    return;
  }
  c.w.ok();
  // 7.0.15's XSETID signals no key: WATCH and tracking do not see it
  c.server.modifiedUnsignalled(c.db, key, 'xsetid');
}

/** MAXLEN's or LIMIT's value: an integer, not negative; null after Redis's error. */
function trimNumber(c: Session, arg: string, option: string): number | null {
  const n = parseLL(arg);
  if (n === null) c.w.error(Err.notInteger);
  else if (n < 0) c.w.error(`ERR The ${option} argument must be >= 0.`);
  else return n;
  return null;
}

export const streamCommands: HandlerMap = {
  xadd,
  xtrim,
  xrange: (c, argv) => xrangeGeneric(c, argv, false),
  xrevrange: (c, argv) => xrangeGeneric(c, argv, true),
  xlen,
  xread,
  xdel,
  xsetid,
};

