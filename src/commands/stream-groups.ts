/**
 * Stream consumer-group commands (t_stream.c, Redis 7.0.15): XGROUP,
 * XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO.
 *
 * Side effects follow Redis's calls exactly: the XGROUP subcommands, XACK,
 * XCLAIM and XREADGROUP count in dirty (and raise their xgroup-* events)
 * but never call signalModifiedKey, so they touch no WATCH and wake no
 * blocked client (Server.modifiedUnsignalled); XGROUP DESTROY wakes the
 * XREADGROUP clients blocked on the key (signalKeyAsReady), which then fail
 * with NOGROUP.
 *
 * Propagation: XREADGROUP, XCLAIM and XAUTOCLAIM never propagate
 * themselves. Each entry they make pending (or drop) is propagated as
 * `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID
 * id`, a last-delivered ID moved without a NACK as `XGROUP SETID key group
 * id ENTRIESREAD n`, and a consumer created by a NOACK read as `XGROUP
 * CREATECONSUMER` (streamPropagateXCLAIM, streamPropagateGroupID,
 * streamPropagateConsumerCreation); several ops go out in MULTI/EXEC.
 *
 * Blocking XREADGROUP: the client blocks on all its keys; when one is
 * signalled the command runs again (Blocking) and serves from that key
 * only, as Redis's serveClientsBlockedOnStreamKey: NOGROUP when the group
 * is gone, "UNBLOCKED the stream key no longer exists" when the key was
 * deleted or overwritten with another type.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { Err, cString } from '../protocol/errors.js';
import { parseLL, parseLLBig } from '../protocol/numbers.js';
import { ReplyWriter } from '../protocol/writer.js';
import {
  Stream,
  StreamGroup,
  type StreamId,
  type StreamNack,
  type Counter,
  MIN_ID,
  MAX_ID,
  INVALID_ENTRIES_READ,
  StreamErr,
  formatId,
  incrId,
  parseStreamId,
  parseRangeStart,
  parseRangeEnd,
  isStreamId,
  counterI64,
} from '../types/stream.js';
import { is } from './args.js';
import { asStream, writeId, writeEntry } from './stream-common.js';
import type { IdMap } from '../types/ordered-map.js';

// ---------------------------------------------------------------- helpers

/** The stream at key (lookupKeyRead, or lookupKeyWrite): undefined when missing, null after replying WRONGTYPE. */
function getStream(c: Session, key: string, write = false): Stream | undefined | null {
  return asStream(c, write ? c.db.lookupWrite(key) : c.db.read(key));
}

function writeCounter(w: ReplyWriter, v: Counter): void {
  if (typeof v === 'number') w.int(v);
  else w.bigInt(v);
}

/** A scratch writer in the client's protocol, for replies whose length is known only at the end. */
function scratch(c: Session): ReplyWriter {
  const w = new ReplyWriter();
  w.resp = c.w.resp;
  return w;
}

/** Moves what a scratch writer holds to the end of `w`. */
function appendTo(w: ReplyWriter, body: ReplyWriter): void {
  const parts = body.take();
  if (parts !== null) for (const b of parts) w.rawBuffer(b);
}

/** addReplySubcommandSyntaxError. */
function subSyntax(c: Session, argv: string[]): void {
  c.w.error(`ERR unknown subcommand or wrong number of arguments for '${cString(argv[1]).slice(0, 128)}'. Try ${cString(argv[0]).toUpperCase()} HELP.`);
}

/** addReplyHelp. */
function help(c: Session, argv: string[], lines: readonly string[]): void {
  c.w.array(lines.length + 3);
  c.w.simple(`${argv[0].toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.w.simple(l);
  c.w.simple('HELP');
  c.w.simple('    Prints this help.');
}

/** The clock of the command (mstime()). */
function now(c: Session): number {
  return c.server.keyspace.now;
}

/** A consumer created as a side effect: counted and announced, not signalled (streamCreateConsumer). */
function consumerCreated(c: Session, key: string): void {
  c.server.modifiedUnsignalled(c.db, key, 'xgroup-createconsumer', 1);
}

/** streamPropagateXCLAIM. */
function propagateClaim(c: Session, key: string, group: StreamGroup, groupName: string, idArg: string, nack: StreamNack): void {
  if (!c.server.effects.active) return; // nothing consumes effects: skip building them
  c.alsoPropagate(['XCLAIM', key, groupName, nack.consumer!.name, '0', idArg, 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(group.lastId)]);
}

/** streamPropagateGroupID. */
function propagateGroupId(c: Session, key: string, group: StreamGroup, groupName: string): void {
  if (!c.server.effects.active) return;
  c.alsoPropagate(['XGROUP', 'SETID', key, groupName, formatId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)]);
}

/** Bumped by XGROUP DESTROY: a ready signal Redis gives blocked XREADGROUP clients (see blockedServe). */
const destroyEpoch = new WeakMap<Stream, number>();

// ---------------------------------------------------------------- XGROUP

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

function xgroup(c: Session, argv: string[]): void {
  const argc = argv.length;
  const opt = argv[1].toLowerCase();
  let mkstream = false;
  let entriesRead: Counter = INVALID_ENTRIES_READ;
  let s: Stream | undefined;
  let cg: StreamGroup | undefined;
  const key = argv[2];
  const grpname = argv[3];
  if (argc >= 4) {
    const create = opt === 'create';
    const setid = opt === 'setid';
    let i = 5;
    while (i < argc) {
      if (create && is(argv[i], 'mkstream')) {
        mkstream = true;
        i++;
      } else if ((create || setid) && is(argv[i], 'entriesread') && i + 1 < argc) {
        const n = parseLLBig(argv[i + 1]);
        if (n === null) {
          c.w.error(Err.notInteger);
          return;
        }
        if (n < 0n && n !== -1n) {
          c.w.error('ERR value for ENTRIESREAD must be positive or -1');
          return;
        }
        entriesRead = n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
        i += 2;
      } else {
        subSyntax(c, argv);
        return;
      }
    }
    const o = getStream(c, key, true);
    if (o === null) return;
    s = o;
  }
  if (argc >= 4 && !mkstream) {
    if (s === undefined) {
      c.w.error('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
      return;
    }
    cg = s.getGroup(grpname);
    if (cg === undefined && (opt === 'setid' || opt === 'createconsumer' || opt === 'delconsumer')) {
      c.w.error(`NOGROUP No such consumer group '${cString(grpname)}' for key name '${cString(key)}'`);
      return;
    }
  }
  const db = c.db;
  if (argc === 2 && opt === 'help') {
    help(c, argv, XGROUP_HELP);
  } else if (opt === 'create' && argc >= 5 && argc <= 8) {
    let id: StreamId;
    if (argv[4] === '$') id = s !== undefined ? s.lastId : MIN_ID;
    else {
      const p = parseStreamId(argv[4]);
      if (p === null) {
        c.w.error(StreamErr.invalidId);
        return;
      }
      id = p;
    }
    if (s === undefined) {
      s = new Stream();
      db.add(key, s);
      c.server.signalKey(db, key);
    }
    if (s.createGroup(grpname, id, entriesRead) !== null) {
      c.w.ok();
      c.server.modifiedUnsignalled(db, key, 'xgroup-create', 1);
    } else {
      c.w.error('BUSYGROUP Consumer Group name already exists');
    }
  } else if (opt === 'setid' && (argc === 5 || argc === 7)) {
    let id: StreamId;
    if (argv[4] === '$') id = s!.lastId;
    else {
      const p = parseStreamId(argv[4], { strict: false });
      if (p === null) {
        c.w.error(StreamErr.invalidId);
        return;
      }
      id = p;
    }
    cg!.setId(id, entriesRead);
    c.w.ok();
    c.server.modifiedUnsignalled(db, key, 'xgroup-setid', 1);
  } else if (opt === 'destroy' && argc === 4) {
    if (cg !== undefined) {
      s!.destroyGroup(grpname);
      c.w.int(1);
      c.server.modifiedUnsignalled(db, key, 'xgroup-destroy', 1);
      // XREADGROUP clients blocked on this group get NOGROUP.
      destroyEpoch.set(s!, (destroyEpoch.get(s!) ?? 0) + 1);
      c.server.blocking.signal(db, key);
    } else {
      c.w.int(0);
    }
  } else if (opt === 'createconsumer' && argc === 5) {
    const created = cg!.createConsumer(argv[4], now(c));
    if (created !== null) consumerCreated(c, key);
    c.w.int(created !== null ? 1 : 0);
  } else if (opt === 'delconsumer' && argc === 5) {
    const pending = cg!.deleteConsumer(argv[4]);
    if (pending !== undefined) c.server.modifiedUnsignalled(db, key, 'xgroup-delconsumer', 1);
    c.w.int(pending ?? 0);
  } else {
    subSyntax(c, argv);
  }
}

// ---------------------------------------------------------------- XREADGROUP

/** XREAD_BLOCKED_DEFAULT_COUNT. */
const BLOCKED_DEFAULT_COUNT = 1000;

interface ReadGroupArgs {
  timeout: number; // -1: no BLOCK
  count: number;
  noack: boolean;
  group: string;
  consumer: string;
  keys: string[];
  idArgs: string[];
}

function parseReadGroup(c: Session, argv: string[]): ReadGroupArgs | null {
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let noack = false;
  let group: string | null = null;
  let consumer = '';
  const argc = argv.length;
  for (let i = 1; i < argc; i++) {
    const more = argc - i - 1;
    const o = argv[i];
    if (is(o, 'block') && more) {
      if (c.has(ClientFlag.Fake) && c.addr === 'lua') {
        c.w.error(`ERR ${cString(argv[0])} command is not allowed with BLOCK option from scripts`);
        return null;
      }
      i++;
      const t = parseLL(argv[i]);
      if (t === null) {
        c.w.error('ERR timeout is not an integer or out of range');
        return null;
      }
      if (t < 0) {
        c.w.error('ERR timeout is negative');
        return null;
      }
      timeout = t;
    } else if (is(o, 'count') && more) {
      i++;
      const n = parseLL(argv[i]);
      if (n === null) {
        c.w.error(Err.notInteger);
        return null;
      }
      count = n < 0 ? 0 : n;
    } else if (is(o, 'streams') && more) {
      streamsArg = i + 1;
      if ((argc - streamsArg) % 2 !== 0) {
        c.w.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
        return null;
      }
      break;
    } else if (is(o, 'group') && more >= 2) {
      group = argv[i + 1];
      consumer = argv[i + 2];
      i += 2;
    } else if (is(o, 'noack')) {
      noack = true;
    } else {
      c.w.error(Err.syntax);
      return null;
    }
  }
  if (streamsArg === 0) {
    c.w.error(Err.syntax);
    return null;
  }
  if (group === null) {
    c.w.error('ERR Missing GROUP option for XREADGROUP');
    return null;
  }
  const n = (argc - streamsArg) / 2;
  return { timeout, count, noack, group, consumer, keys: argv.slice(streamsArg, streamsArg + n), idArgs: argv.slice(streamsArg + n) };
}

/** What a blocked XREADGROUP remembers of each key when it blocks (see blockedServe). */
interface BlockSnapshot {
  stream: Stream;
  added: Counter;
  epoch: number;
}
const blockSnapshots = new WeakMap<Session, Map<string, BlockSnapshot>>();

function snapshot(s: Stream): BlockSnapshot {
  return { stream: s, added: s.entriesAdded, epoch: destroyEpoch.get(s) ?? 0 };
}

/**
 * Serves the entries of one stream for a group read into `w`, with the
 * side effects of streamReplyWithRange (PEL, last ID, propagation).
 * `history`: the consumer's own PEL from `start`.
 */
function serveGroup(c: Session, w: ReplyWriter, key: string, s: Stream, group: StreamGroup, a: ReadGroupArgs, start: StreamId | null, count: number): void {
  const t = now(c);
  let consumer = group.lookupConsumer(a.consumer, t);
  if (consumer === undefined) {
    consumer = group.createConsumer(a.consumer, t)!;
    consumerCreated(c, key);
    if (a.noack) c.alsoPropagate(['XGROUP', 'CREATECONSUMER', key, a.group, a.consumer]);
  }
  const body = scratch(c);
  let n = 0;
  if (start !== null) {
    n = s.readHistory(consumer, start, count, t, (id, data, from, to) => {
      if (data === null) {
        body.array(2);
        writeId(body, id);
        body.nullArray();
      } else writeEntry(body, id, data, from, to);
    });
  } else {
    const last0 = group.lastId;
    n = s.readGroupNew(group, consumer, count, a.noack, t, (id, data, from, to, nack) => {
      writeEntry(body, id, data, from, to);
      if (nack !== null) propagateClaim(c, key, group, a.group, formatId(id), nack);
    });
    if (a.noack && group.lastId !== last0) propagateGroupId(c, key, group, a.group);
  }
  w.array(n);
  appendTo(w, body);
}

function xreadgroup(c: Session, argv: string[]): void {
  // Redis propagates only the effects (XCLAIM, XGROUP SETID/CREATECONSUMER).
  c.propagateNothing();
  const a = parseReadGroup(c, argv);
  if (a === null) return;
  const blocking = c.server.blocking;
  if (blocking.retrying === c && blocking.servingKey !== null) {
    blockedServe(c, a, blocking.servingKey);
    return;
  }
  const n = a.keys.length;
  const groups: StreamGroup[] = [];
  const ids: StreamId[] = [];
  for (let i = 0; i < n; i++) {
    const key = a.keys[i];
    const s = getStream(c, key);
    if (s === null) return;
    const g = s?.getGroup(a.group);
    if (s === undefined || g === undefined) {
      c.w.error(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(a.group)}' in XREADGROUP with GROUP option`);
      return;
    }
    groups.push(g);
    const arg = a.idArgs[i];
    if (arg === '$') {
      c.w.error('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.');
      return;
    }
    if (arg === '>') {
      ids.push(MAX_ID);
      continue;
    }
    const id = parseStreamId(arg);
    if (id === null) {
      c.w.error(StreamErr.invalidId);
      return;
    }
    ids.push(id);
  }
  const out = scratch(c);
  let served = 0;
  for (let i = 0; i < n; i++) {
    const key = a.keys[i];
    const s = c.db.read(key) as Stream | undefined;
    if (s === undefined) continue;
    const g = groups[i];
    let gt = ids[i];
    let history = false;
    let serve = false;
    if (gt !== MAX_ID) {
      serve = true;
      history = true;
    } else if (s.length > 0) {
      const maxid = s.lastLiveId()!;
      if (maxid > g.lastId) {
        serve = true;
        gt = g.lastId;
      }
    }
    if (!serve) continue;
    served++;
    if (out.resp === 2) out.array(2);
    out.bulk(key);
    serveGroup(c, out, key, s, g, a, history ? (incrId(gt) ?? MIN_ID) : null, a.count);
    c.server.modifiedUnsignalled(c.db, key, null, 1);
  }
  if (served > 0) {
    if (c.w.resp === 2) c.w.array(served);
    else c.w.map(served);
    appendTo(c.w, out);
    return;
  }
  if (a.timeout !== -1) {
    if (!blocking.canBlock(c)) {
      c.w.nullArray();
      return;
    }
    const snaps = new Map<string, BlockSnapshot>();
    for (const key of a.keys) {
      const s = c.db.lookupWrite(key) as Stream;
      snaps.set(key, snapshot(s));
    }
    blockSnapshots.set(c, snaps);
    blocking.block(c, a.keys, 'stream', a.timeout, 'nullArray', { wakeIfGone: true });
    return;
  }
  c.w.nullArray();
}

/**
 * A blocked XREADGROUP retried because `key` was signalled
 * (serveClientsBlockedOnStreamKey / unblockDeletedStreamReadgroupClients).
 * Redis signals a stream key on XADD, on XGROUP DESTROY and when it is
 * deleted or overwritten; Sinew retries on every change of the key, so a
 * retry serves only where one of those happened since the client blocked
 * or was last retried (entries added, a group destroyed, another stream
 * object at the key).
 */
function blockedServe(c: Session, a: ReadGroupArgs, key: string): void {
  const blocking = c.server.blocking;
  const v = c.db.lookupWrite(key);
  if (v === undefined || typeof v === 'string' || v.type !== 'stream') {
    c.w.error('UNBLOCKED the stream key no longer exists');
    blockSnapshots.delete(c);
    return;
  }
  const s = v as Stream;
  const g = s.getGroup(a.group);
  if (g === undefined) {
    c.w.error('NOGROUP the consumer group this client was blocked on no longer exists');
    blockSnapshots.delete(c);
    return;
  }
  const snaps = blockSnapshots.get(c);
  const snap = snaps?.get(key);
  const fresh = snapshot(s);
  const signalled = snap === undefined || snap.stream !== s || snap.added !== fresh.added || snap.epoch !== fresh.epoch;
  if (s.lastId > g.lastId && signalled) {
    const out = scratch(c);
    if (c.w.resp === 2) {
      c.w.array(1);
      c.w.array(2);
    } else c.w.map(1);
    c.w.bulk(key);
    serveGroup(c, out, key, s, g, a, null, a.count || BLOCKED_DEFAULT_COUNT);
    appendTo(c.w, out);
    blockSnapshots.delete(c);
    return;
  }
  snaps?.set(key, fresh);
  // Still nothing: stays blocked in its place.
  blocking.block(c, a.keys, 'stream', a.timeout, 'nullArray', { wakeIfGone: true });
}

// ---------------------------------------------------------------- XACK

function xack(c: Session, argv: string[]): void {
  const key = argv[1];
  const s = getStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(argv[2]);
  if (s === undefined || g === undefined) {
    c.w.int(0);
    return;
  }
  const ids: StreamId[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = parseStreamId(argv[j]);
    if (id === null) {
      c.w.error(StreamErr.invalidId);
      return;
    }
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) if (g.ack(id)) acked++;
  if (acked > 0) c.server.modifiedUnsignalled(c.db, key, null, acked);
  c.w.int(acked);
}

// ---------------------------------------------------------------- XPENDING

function xpending(c: Session, argv: string[]): void {
  const argc = argv.length;
  const key = argv[1];
  const groupName = argv[2];
  const justinfo = argc === 3;
  let start: StreamId = MIN_ID;
  let end: StreamId = MAX_ID;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | null = null;
  if (argc !== 3 && (argc < 6 || argc > 9)) {
    c.w.error(Err.syntax);
    return;
  }
  if (argc >= 6) {
    let si = 3;
    if (is(argv[3], 'idle')) {
      const n = parseLL(argv[4]);
      if (n === null) {
        c.w.error(Err.notInteger);
        return;
      }
      minIdle = n;
      if (argc < 8) {
        c.w.error(Err.syntax);
        return;
      }
      si += 2;
    }
    const n = parseLL(argv[si + 2]);
    if (n === null) {
      c.w.error(Err.notInteger);
      return;
    }
    count = n < 0 ? 0 : n;
    const st = parseRangeStart(argv[si]);
    if (!isStreamId(st)) {
      c.w.error(st);
      return;
    }
    start = st;
    const en = parseRangeEnd(argv[si + 1]);
    if (!isStreamId(en)) {
      c.w.error(en);
      return;
    }
    end = en;
    if (si + 3 < argc) consumerName = argv[si + 3];
  }
  const s = getStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(groupName);
  if (s === undefined || g === undefined) {
    c.w.error(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(groupName)}'`);
    return;
  }
  if (justinfo) {
    c.w.array(4);
    c.w.int(g.pel.size);
    if (g.pel.size === 0) {
      c.w.nullBulk();
      c.w.nullBulk();
      c.w.nullArray();
      return;
    }
    c.w.bulk(formatId(g.pel.firstKey() as StreamId));
    c.w.bulk(formatId(g.pel.lastKey() as StreamId));
    const rows: [string, number][] = [];
    g.consumers.forEach((cons) => {
      if (cons.pel.size > 0) rows.push([cons.name, cons.pel.size]);
    });
    c.w.array(rows.length);
    for (const [name, n] of rows) {
      c.w.array(2);
      c.w.bulk(name);
      c.w.bulk(String(n));
    }
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const cons = g.lookupConsumer(consumerName);
    if (cons === undefined) {
      c.w.array(0);
      return;
    }
    pel = cons.pel;
  }
  const t = now(c);
  const body = scratch(c);
  const n = StreamGroup.pendingRange(pel, start, end, count, minIdle, t, (id, nack) => {
    body.array(4);
    writeId(body, id);
    body.bulk(nack.consumer!.name);
    const elapsed = t - nack.deliveryTime;
    body.int(elapsed < 0 ? 0 : elapsed);
    body.int(nack.deliveryCount);
  });
  c.w.array(n);
  appendTo(c.w, body);
}

// ---------------------------------------------------------------- XCLAIM

function xclaim(c: Session, argv: string[]): void {
  c.propagateNothing();
  const key = argv[1];
  const groupName = argv[2];
  const s = getStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(groupName);
  if (s === undefined || g === undefined) {
    c.w.error(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(groupName)}'`);
    return;
  }
  const mi = parseLL(argv[4]);
  if (mi === null) {
    c.w.error('ERR Invalid min-idle-time argument for XCLAIM');
    return;
  }
  const minIdle = mi < 0 ? 0 : mi;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseStreamId(argv[j]);
    if (id === null) break;
    ids.push(id);
  }
  const t = now(c);
  let lastId: StreamId = MIN_ID;
  let force = false;
  let justId = false;
  let deliveryTime: number | undefined;
  let retryCount = -1;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const o = argv[j];
    if (is(o, 'force')) force = true;
    else if (is(o, 'justid')) justId = true;
    else if (is(o, 'idle') && more) {
      const n = claimNumber(c, argv[++j], 'IDLE');
      if (n === null) return;
      deliveryTime = t - n;
    } else if (is(o, 'time') && more) {
      const n = claimNumber(c, argv[++j], 'TIME');
      if (n === null) return;
      deliveryTime = n;
    } else if (is(o, 'retrycount') && more) {
      const n = claimNumber(c, argv[++j], 'RETRYCOUNT');
      if (n === null) return;
      retryCount = n;
    } else if (is(o, 'lastid') && more) {
      const id = parseStreamId(argv[++j]);
      if (id === null) {
        c.w.error(StreamErr.invalidId);
        return;
      }
      lastId = id;
    } else {
      c.w.error(`ERR Unrecognized XCLAIM option '${cString(o)}'`);
      return;
    }
  }
  let propagateLast = g.advanceLastId(lastId);
  const body = scratch(c);
  let n = 0;
  const db = c.db;
  s.claim(g, argv[3], ids, t, { minIdle, deliveryTime, retryCount, force, justId }, {
    dropped: (_id, nack, k) => {
      propagateClaim(c, key, g, groupName, argv[5 + k], nack);
      propagateLast = false;
      c.server.modifiedUnsignalled(db, key, null, 1);
    },
    claimed: (id, nack, k) => {
      if (justId) writeId(body, id);
      else s.visitEntry(id, (eid, data, from, to) => writeEntry(body, eid, data, from, to));
      n++;
      propagateClaim(c, key, g, groupName, argv[5 + k], nack);
      propagateLast = false;
      c.server.modifiedUnsignalled(db, key, null, 1);
    },
    consumerCreated: () => consumerCreated(c, key),
  });
  if (propagateLast) {
    propagateGroupId(c, key, g, groupName);
    c.server.modifiedUnsignalled(db, key, null, 1);
  }
  c.w.array(n);
  appendTo(c.w, body);
}

// ---------------------------------------------------------------- XAUTOCLAIM

/** LONG_MAX / max(sizeof(streamID), attempts_factor). */
const AUTOCLAIM_MAX_COUNT = 576460752303423487n;

function xautoclaim(c: Session, argv: string[]): void {
  c.propagateNothing();
  const key = argv[1];
  const groupName = argv[2];
  const mi = parseLL(argv[4]);
  if (mi === null) {
    c.w.error('ERR Invalid min-idle-time argument for XAUTOCLAIM');
    return;
  }
  const minIdle = mi < 0 ? 0 : mi;
  const start = parseRangeStart(argv[5]);
  if (!isStreamId(start)) {
    c.w.error(start);
    return;
  }
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (is(argv[j], 'count') && more) {
      const n = parseLLBig(argv[j + 1]);
      if (n === null || n < 1n || n > AUTOCLAIM_MAX_COUNT) {
        c.w.error('ERR COUNT must be > 0');
        return;
      }
      count = Number(n);
      j++;
    } else if (is(argv[j], 'justid')) {
      justId = true;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  const s = getStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(groupName);
  if (s === undefined || g === undefined) {
    c.w.error(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(groupName)}'`);
    return;
  }
  const db = c.db;
  const claimed: StreamId[] = [];
  const r = s.autoclaim(g, argv[3], minIdle, start, count, justId, now(c), {
    dropped: (id, nack) => {
      propagateClaim(c, key, g, groupName, formatId(id), nack);
      c.server.modifiedUnsignalled(db, key, null, 1);
    },
    claimed: (id, nack) => {
      claimed.push(id);
      propagateClaim(c, key, g, groupName, formatId(id), nack);
      c.server.modifiedUnsignalled(db, key, null, 1);
    },
    consumerCreated: () => consumerCreated(c, key),
  });
  c.w.array(3);
  writeId(c.w, r.next);
  c.w.array(claimed.length);
  for (const id of claimed) {
    if (justId) writeId(c.w, id);
    else s.visitEntry(id, (eid, data, from, to) => writeEntry(c.w, eid, data, from, to));
  }
  c.w.array(r.deleted.length);
  for (const id of r.deleted) writeId(c.w, id);
}

// ---------------------------------------------------------------- XINFO

const XINFO_HELP = ['CONSUMERS <key> <groupname>', '    Show consumers of <groupname>.', 'GROUPS <key>', '    Show the stream consumer groups.', 'STREAM <key> [FULL [COUNT <count>]', '    Show information about the stream.'];

/** The stream of XINFO's key: ERR no such key when missing. */
function xinfoStream(c: Session, argv: string[]): Stream | null {
  const s = getStream(c, argv[2]);
  if (s === null) return null;
  if (s === undefined) {
    c.w.error(Err.noSuchKey);
    return null;
  }
  return s;
}

function writeLag(w: ReplyWriter, s: Stream, g: StreamGroup): void {
  const lag = s.groupLag(g);
  if (lag === null) w.nullBulk();
  else writeCounter(w, lag);
}

function writeEntriesRead(w: ReplyWriter, g: StreamGroup): void {
  if (g.entriesRead !== INVALID_ENTRIES_READ) writeCounter(w, g.entriesRead);
  else w.nullBulk();
}

function xinfoStreamCmd(c: Session, argv: string[]): void {
  const s = xinfoStream(c, argv);
  if (s === null) return;
  const optc = argv.length - 3;
  let full = true;
  let count = 10;
  if (optc === 0) full = false;
  else {
    if ((optc !== 1 && optc !== 3) || !is(argv[3], 'full')) {
      subSyntax(c, argv);
      return;
    }
    if (optc === 3) {
      if (!is(argv[4], 'count')) {
        subSyntax(c, argv);
        return;
      }
      const n = parseLL(argv[5]);
      if (n === null) {
        c.w.error(Err.notInteger);
        return;
      }
      count = n < 0 ? 10 : n;
    }
  }
  const w = c.w;
  w.map(full ? 9 : 10);
  w.bulk('length');
  w.int(s.length);
  w.bulk('radix-tree-keys');
  w.int(s.nodeCount);
  w.bulk('radix-tree-nodes');
  w.int(s.radixTreeNodes());
  w.bulk('last-generated-id');
  writeId(w, s.lastId);
  w.bulk('max-deleted-entry-id');
  writeId(w, s.maxDeletedId);
  w.bulk('entries-added');
  writeCounter(w, counterI64(s.entriesAdded));
  w.bulk('recorded-first-entry-id');
  writeId(w, s.firstId);
  if (!full) {
    w.bulk('groups');
    w.int(s.groupCount);
    w.bulk('first-entry');
    if (s.range(MIN_ID, MAX_ID, 1, false, (id, data, from, to) => writeEntry(w, id, data, from, to)) === 0) w.nullBulk();
    w.bulk('last-entry');
    if (s.range(MIN_ID, MAX_ID, 1, true, (id, data, from, to) => writeEntry(w, id, data, from, to)) === 0) w.nullBulk();
    return;
  }
  w.bulk('entries');
  const body = scratch(c);
  const n = s.range(MIN_ID, MAX_ID, count, false, (id, data, from, to) => writeEntry(body, id, data, from, to));
  w.array(n);
  appendTo(c.w, body);
  w.bulk('groups');
  const groups = s.groups();
  w.array(groups.length);
  for (const g of groups) {
    w.map(7);
    w.bulk('name');
    w.bulk(g.name);
    w.bulk('last-delivered-id');
    writeId(w, g.lastId);
    w.bulk('entries-read');
    writeEntriesRead(w, g);
    w.bulk('lag');
    writeLag(w, s, g);
    w.bulk('pel-count');
    w.int(g.pel.size);
    w.bulk('pending');
    const pending = firstPending(g.pel, count);
    w.array(pending.length);
    for (const [id, nack] of pending) {
      w.array(4);
      writeId(w, id as StreamId);
      w.bulk(nack.consumer!.name);
      w.int(nack.deliveryTime);
      w.int(nack.deliveryCount);
    }
    w.bulk('consumers');
    w.array(g.consumers.size);
    g.consumers.forEach((cons) => {
      w.map(4);
      w.bulk('name');
      w.bulk(cons.name);
      w.bulk('seen-time');
      w.int(cons.seenTime);
      w.bulk('pel-count');
      w.int(cons.pel.size);
      w.bulk('pending');
      const rows = firstPending(cons.pel, count);
      w.array(rows.length);
      for (const [id, nack] of rows) {
        w.array(3);
        writeId(w, id as StreamId);
        w.int(nack.deliveryTime);
        w.int(nack.deliveryCount);
      }
    });
  }
}

function xinfoGroups(c: Session, argv: string[]): void {
  const s = xinfoStream(c, argv);
  if (s === null) return;
  const w = c.w;
  const groups = s.groups();
  w.array(groups.length);
  for (const g of groups) {
    w.map(6);
    w.bulk('name');
    w.bulk(g.name);
    w.bulk('consumers');
    w.int(g.consumers.size);
    w.bulk('pending');
    w.int(g.pel.size);
    w.bulk('last-delivered-id');
    writeId(w, g.lastId);
    w.bulk('entries-read');
    writeEntriesRead(w, g);
    w.bulk('lag');
    writeLag(w, s, g);
  }
}

function xinfoConsumers(c: Session, argv: string[]): void {
  const s = xinfoStream(c, argv);
  if (s === null) return;
  const g = s.getGroup(argv[3]);
  if (g === undefined) {
    c.w.error(`NOGROUP No such consumer group '${cString(argv[3])}' for key name '${cString(argv[2])}'`);
    return;
  }
  const w = c.w;
  const t = now(c);
  w.array(g.consumers.size);
  g.consumers.forEach((cons) => {
    const idle = t - cons.seenTime;
    w.map(3);
    w.bulk('name');
    w.bulk(cons.name);
    w.bulk('pending');
    w.int(cons.pel.size);
    w.bulk('idle');
    w.int(idle < 0 ? 0 : idle);
  });
}

/** A numeric XCLAIM option's value, or null after Redis's error for it. */
function claimNumber(c: Session, arg: string, option: string): number | null {
  const n = parseLL(arg);
  if (n === null) c.w.error(`ERR Invalid ${option} option argument for XCLAIM`);
  return n;
}

/** The first `count` entries of a pending-entry list (all of them when count is 0), for XINFO STREAM FULL. */
function firstPending(pel: IdMap<StreamNack>, count: number): [string, StreamNack][] {
  const rows: [string, StreamNack][] = [];
  for (const cur = pel.first(); cur.valid && (!count || rows.length < count); cur.next()) rows.push([cur.key, cur.value]);
  return rows;
}

export const streamGroupCommands: HandlerMap = {
  'xgroup|create': xgroup,
  'xgroup|setid': xgroup,
  'xgroup|destroy': xgroup,
  'xgroup|createconsumer': xgroup,
  'xgroup|delconsumer': xgroup,
  'xgroup|help': xgroup,
  xreadgroup,
  xack,
  xpending,
  xclaim,
  xautoclaim,
  'xinfo|stream': xinfoStreamCmd,
  'xinfo|groups': xinfoGroups,
  'xinfo|consumers': xinfoConsumers,
  'xinfo|help': (c, argv) => help(c, argv, XINFO_HELP),
};
