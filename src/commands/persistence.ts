/**
 * Persistence commands (rdb.c, cluster.c): SAVE, BGSAVE, LASTSAVE, DUMP,
 * RESTORE and RESTORE-ASKING; and SYNC / PSYNC as far as sending the RDB
 * image of a full resynchronisation (what `redis-cli --rdb` asks for). The
 * byte formats live in src/persistence/.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import { dumpPayload, restorePayload, verifyDumpPayload } from '../persistence/dump.js';
import { RdbError } from '../persistence/rdb-io.js';
import { is } from './args.js';
import { ClientFlag } from '../server/client.js';

function restore(c: Session, argv: string[]): void {
  const server = c.server;
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    const a = argv[j];
    if (is(a, 'replace')) replace = true;
    else if (is(a, 'absttl')) absttl = true;
    else if (is(a, 'idletime') && more >= 1 && freq === -1) {
      const v = parseLL(argv[++j]);
      if (v === null) return c.w.error(Err.notInteger);
      if (v < 0) return c.w.error('ERR Invalid IDLETIME value, must be >= 0');
      idle = v;
    } else if (is(a, 'freq') && more >= 1 && idle === -1) {
      const v = parseLL(argv[++j]);
      if (v === null) return c.w.error(Err.notInteger);
      if (v < 0 || v > 255) return c.w.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = v;
    } else return c.w.error(Err.syntax);
  }
  const db = c.db;
  const key = argv[1];
  if (!replace && db.lookupWrite(key) !== undefined) return c.w.error(Err.busyKey);
  let ttl = parseLL(argv[2]);
  if (ttl === null) return c.w.error(Err.notInteger);
  if (ttl < 0) return c.w.error('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyDumpPayload(payload)) return c.w.error('ERR DUMP payload version or checksum are wrong');
  let value;
  try {
    value = restorePayload(payload, server.config.typeLimits);
  } catch (e) {
    if (!(e instanceof RdbError)) throw e;
    server.log.verbose(`RESTORE of a bad payload: ${e.message}`);
    return c.w.error('ERR Bad data format');
  }
  let deleted = false;
  if (replace) {
    if (db.expires.size !== 0) db.expireIfNeeded(key);
    deleted = db.delete(key);
  }
  const now = server.keyspace.now;
  if (ttl !== 0 && !absttl) ttl += now;
  if (ttl !== 0 && ttl <= Date.now()) {
    // already expired: nothing is added (the old key, if replaced, is gone)
    if (deleted) {
      c.propagateAs(['DEL', key]);
      server.modified(db, key, 'del');
    }
    return c.w.ok();
  }
  db.add(key, value);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!absttl) c.propagateAs([...argv.slice(0, 2), String(ttl), ...argv.slice(3), 'ABSTTL']);
  }
  // OBJECT FREQ / IDLETIME as given (objectSetLRUOrLFU)
  if (db.access !== null) {
    if (db.accessMode === 'lfu' && freq >= 0) db.access.set(key, freq + 256 * (Math.floor(Date.now() / 60000) & 65535));
    else if (db.accessMode === 'lru' && idle >= 0) db.access.set(key, Date.now() - idle * 1000);
  }
  server.modified(db, key, 'restore');
  c.w.ok();
}

/** Clients that asked for a full sync (ignored if they ask again, as Redis ignores SYNC from a replica). */
const syncing = new WeakSet<Session>();

/**
 * SYNC / PSYNC (syncCommand): a full resynchronisation's RDB image, as
 * "$<length>\r\n" and the bytes. Streaming the commands that follow is
 * replication's work, which Sinew does not do yet: the link is closed once
 * the image is sent, so a replica never believes it is in sync.
 */
function sync(c: Session, argv: string[]): void {
  if (syncing.has(c)) return;
  const server = c.server;
  const name = `${c.addr}`;
  if (argv[0].toLowerCase() === 'psync') {
    const offset = parseLL(argv[2]);
    if (offset === null) {
      server.log.warning(`Replica ${name} asks for synchronization but with a wrong offset`);
      return c.w.error(Err.notInteger);
    }
  }
  syncing.add(c);
  server.log.notice(`Replica ${name} asks for synchronization`);
  if (argv[0].toLowerCase() === 'psync') {
    server.log.notice(`Full resync requested by replica ${name}`);
    c.w.simple(`FULLRESYNC ${server.replId} 0`);
  }
  server.log.notice('Starting BGSAVE for SYNC with target: replicas sockets');
  server.rdb.image().then(
    (image) => {
      c.w.raw(`$${image.length}\r\n`);
      c.w.rawBuffer(image);
      c.flags |= ClientFlag.CloseAfterReply;
      c.schedule();
      server.log.notice(`Synchronization with replica ${name} succeeded`);
      server.log.warning(`Replica ${name}: streaming commands to replicas is not supported yet; the link is closed after the RDB transfer`);
    },
    (e: Error) => {
      server.log.warning(`Background transfer error: ${e.message}`);
      c.flags |= ClientFlag.CloseAfterReply;
      c.schedule();
    },
  );
}

export const persistenceCommands: HandlerMap = {
  sync(c, argv) {
    sync(c, argv);
  },

  psync(c, argv) {
    sync(c, argv);
  },

  save(c) {
    const rdb = c.server.rdb;
    if (rdb.bgsaveInProgress) return c.w.error('ERR Background save already in progress');
    rdb.rdbSaves++;
    if (rdb.saveSync() === null) c.w.ok();
    else c.w.error('ERR');
  },

  bgsave(c, argv) {
    let schedule = false;
    if (argv.length > 1) {
      if (argv.length === 2 && is(argv[1], 'schedule')) schedule = true;
      else return c.w.error(Err.syntax);
    }
    const rdb = c.server.rdb;
    if (rdb.bgsaveInProgress) return c.w.error('ERR Background save already in progress');
    // inside EXEC the snapshot would split the transaction: it starts at the next cron run, as Redis
    if (c.server.aof.rewriteInProgress || c.server.callDepth > 1) {
      if (schedule || c.server.callDepth > 1) {
        rdb.scheduled = true;
        return c.w.simple('Background saving scheduled');
      }
      return c.w.error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    const err = rdb.bgsave();
    if (err === null) c.w.simple('Background saving started');
    else c.w.error(err);
  },

  bgrewriteaof(c) {
    const r = c.server.aof.bgrewriteCommand();
    if ('ok' in r) c.w.simple(r.ok);
    else c.w.error(r.err);
  },

  lastsave(c) {
    c.w.int(c.server.lastSave);
  },

  dump(c, argv) {
    const v = c.db.read(argv[1]);
    if (v === undefined) return c.w.nullBulk();
    const payload = dumpPayload(v, { listFill: c.server.config.getInt('list-max-listpack-size') });
    c.w.bulk(payload.toString('latin1'));
  },

  restore(c, argv) {
    restore(c, argv);
  },

  'restore-asking'(c, argv) {
    restore(c, argv);
  },
};
