/**
 * MIGRATE (cluster.c migrateCommand): moves keys to another server by
 * sending it RESTORE commands with DUMP payloads, over a connection kept
 * per host:port for 10 seconds (Redis's migrate_cached_sockets).
 *
 *   MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 *           [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
 *
 * Redis talks to the target with blocking socket calls, stopping the whole
 * server; Sinew suspends only the client that runs MIGRATE (see suspend()
 * in dispatch.ts): the payloads are taken when the command runs, the
 * client's reply is written, and the moved keys are deleted, when the
 * target has answered. Since other clients run meanwhile, a key is deleted
 * only if it still holds the value that was sent (see finishMigrate).
 *
 * The bytes sent are those of Redis 7.0 outside cluster mode: [AUTH],
 * [SELECT db] (when the cached connection has another db selected), then
 * one `RESTORE key ttl payload [REPLACE]` per key (cluster mode would send
 * RESTORE-ASKING; Sinew has no cluster mode). The replies are read as
 * lines, each operation (connect, each 64 KiB written, each line read)
 * within `timeout` ms.
 */
import net from 'node:net';
import type { HandlerMap, Server, Session } from '../server/server.js';
import type { Database } from '../keyspace/database.js';
import type { Value } from '../types/object.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import { dumpPayload } from '../persistence/dump.js';
import { is } from './args.js';
import { canSuspend, suspend } from './dispatch.js';

/** Cached connections at most (MIGRATE_SOCKET_CACHE_ITEMS). */
const CACHE_ITEMS = 64;
/** A cached connection unused this long is closed (MIGRATE_SOCKET_CACHE_TTL, 10 s). */
const CACHE_TTL_MS = 10_000;
/** Writes go out in chunks of this size, each within the timeout. */
const WRITE_CHUNK = 64 * 1024;

/** A failed socket operation; `timedOut` as Redis's errno == ETIMEDOUT (no retry then). */
class LinkError extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? 'timeout' : 'socket error');
  }
}

/** One connection to a target, read line by line (connSyncReadLine). */
class TargetLink {
  /** The db the target connection has selected (-1: unknown, SELECT is sent). */
  lastDbid = -1;
  lastUse = Date.now();
  busy = false;
  private buf: Buffer = Buffer.alloc(0);
  private dead = false;
  private wake: (() => void) | null = null;

  constructor(readonly sock: net.Socket) {
    sock.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.notify();
    });
    const end = () => {
      this.dead = true;
      this.notify();
    };
    sock.on('error', end);
    sock.on('close', end);
    sock.on('end', end);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    if (w !== null) w();
  }

  /**
   * Opens a connection within `timeoutMs` (connBlockingConnect); null when
   * the name does not resolve, the port is invalid, or the time is up.
   * As in Redis, whose blocking connect only waits for the socket to become
   * writable, a connection the target refuses or resets still "connects":
   * the error shows when writing ("IOERR error or timeout writing to target
   * instance", after one retry).
   */
  static connect(host: string, port: number, timeoutMs: number): Promise<TargetLink | null> {
    return new Promise((resolve) => {
      let sock: net.Socket;
      try {
        sock = net.connect({ host, port });
      } catch {
        resolve(null); // an invalid port or host
        return;
      }
      sock.unref(); // a cached connection never keeps the process alive
      const timer = setTimeout(() => done(false), timeoutMs);
      const onError = (e: NodeJS.ErrnoException) => done(e.syscall !== 'getaddrinfo' && e.code !== 'ENOTFOUND' && e.code !== 'EAI_AGAIN');
      const done = (ok: boolean) => {
        clearTimeout(timer);
        sock.off('error', onError);
        sock.off('connect', onConnect);
        if (!ok) {
          sock.on('error', () => {});
          sock.destroy();
          resolve(null);
          return;
        }
        const link = new TargetLink(sock);
        if (sock.destroyed || sock.errored !== null) link.dead = true;
        else sock.setNoDelay(true);
        resolve(link);
      };
      const onConnect = () => done(true);
      sock.once('connect', onConnect);
      sock.once('error', onError);
    });
  }

  /** Writes all of `data`, each 64 KiB handed to the kernel within the timeout. */
  async write(data: Buffer, timeoutMs: number): Promise<void> {
    for (let pos = 0; pos < data.length; pos += WRITE_CHUNK) {
      const chunk = data.subarray(pos, pos + WRITE_CHUNK);
      await new Promise<void>((resolve, reject) => {
        if (this.dead || this.sock.destroyed) return reject(new LinkError(false));
        const timer = setTimeout(() => reject(new LinkError(true)), timeoutMs);
        this.sock.write(chunk, (err) => {
          clearTimeout(timer);
          if (err) reject(new LinkError(false));
          else resolve();
        });
      });
    }
  }

  /**
   * The next line, without its CRLF, within the timeout. An empty line is
   * an error, as connSyncReadLine's zero length is for Redis.
   */
  async readLine(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        let line = this.buf.subarray(0, nl);
        this.buf = this.buf.subarray(nl + 1);
        if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
        if (line.length === 0) throw new LinkError(false);
        return line.toString('latin1');
      }
      if (this.dead) throw new LinkError(false);
      const left = deadline - Date.now();
      if (left <= 0) throw new LinkError(true);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.dead = true;
    this.sock.destroy();
  }
}

/**
 * The connections of one server, by "host:port". Migrations to one target
 * take turns on its connection (Redis runs them one after the other too).
 */
class LinkCache {
  private readonly links = new Map<string, TargetLink>();
  private readonly turns = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly server: Server) {}

  /** Runs `fn` when the migrations to `name` queued before it are done. */
  async inTurn<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.turns.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    this.turns.set(name, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.turns.get(name) === chained) this.turns.delete(name);
    }
  }

  /** migrateGetSocket: the cached connection, or a new one (null: could not connect). */
  async get(name: string, host: string, port: number, timeoutMs: number): Promise<TargetLink | null> {
    const cached = this.links.get(name);
    if (cached !== undefined) {
      cached.lastUse = Date.now();
      return cached;
    }
    if (this.links.size >= CACHE_ITEMS) {
      // Too many: one that is not in use goes (Redis drops one at random).
      for (const [n, l] of this.links) {
        if (!l.busy) {
          this.close(n);
          break;
        }
      }
    }
    const link = await TargetLink.connect(host, port, timeoutMs);
    if (link === null) return null;
    // A migration to the same name may have cached one meanwhile (it cannot: turns are per name); replace anyway.
    this.links.get(name)?.close();
    this.links.set(name, link);
    this.server.migrateCachedSockets = this.links.size;
    this.arm();
    return link;
  }

  /** migrateCloseSocket. */
  close(name: string): void {
    const l = this.links.get(name);
    if (l === undefined) return;
    l.close();
    this.links.delete(name);
    this.server.migrateCachedSockets = this.links.size;
    if (this.links.size === 0) this.disarm();
  }

  /** migrateCloseTimedoutSockets, once a second while anything is cached; all of them once the server closes. */
  private sweep(): void {
    const now = Date.now();
    for (const [name, l] of this.links) {
      if (this.server.shuttingDown || (!l.busy && now - l.lastUse > CACHE_TTL_MS)) this.close(name);
    }
  }

  private arm(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.sweep(), 1000);
    this.timer.unref(); // never keeps the process alive
  }

  private disarm(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get size(): number {
    return this.links.size;
  }
}

const caches = new WeakMap<Server, LinkCache>();

function cacheOf(server: Server): LinkCache {
  let cache = caches.get(server);
  if (cache === undefined) {
    cache = new LinkCache(server);
    caches.set(server, cache);
  }
  return cache;
}

/** Cached MIGRATE connections of a server (for tests and introspection). */
export function migrateCachedLinks(server: Server): number {
  return caches.get(server)?.size ?? 0;
}

/** A key to move, as it was when MIGRATE ran. */
interface Entry {
  key: string;
  value: Value;
  payload: Buffer;
  /** Absolute expiry in ms, -1 for none. */
  expireAt: number;
}

interface Job {
  host: string;
  port: number;
  name: string;
  dbid: number;
  timeoutMs: number;
  copy: boolean;
  replace: boolean;
  username: string | null;
  password: string | null;
  entries: Entry[];
}

/** What the target conversation came to: the reply, and the keys the target acknowledged (to delete unless COPY). */
interface Outcome {
  error: string | null;
  acked: Entry[];
}

function bulk(parts: Buffer[], s: string | Buffer): void {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
}

function multibulk(parts: Buffer[], args: (string | Buffer)[]): void {
  parts.push(Buffer.from(`*${args.length}\r\n`, 'latin1'));
  for (const a of args) bulk(parts, a);
}

/** atoi(): the leading integer of a string, 0 when none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : 0;
}

/** The conversation with the target, as migrateCommand's try_again / socket_err loop. */
async function talk(cache: LinkCache, job: Job): Promise<Outcome> {
  let mayRetry = true;
  for (;;) {
    const link = await cache.get(job.name, job.host, job.port, job.timeoutMs);
    if (link === null) return { error: 'IOERR error or timeout connecting to the client', acked: [] };
    link.busy = true;
    try {
      const parts: Buffer[] = [];
      if (job.password !== null) multibulk(parts, job.username !== null ? ['AUTH', job.username, job.password] : ['AUTH', job.password]);
      const select = link.lastDbid !== job.dbid;
      if (select) multibulk(parts, ['SELECT', String(job.dbid)]);
      // Keys that expired since MIGRATE ran are left out (as Redis leaves out those expiring while it serializes).
      const now = Date.now();
      const sent: Entry[] = [];
      for (const e of job.entries) {
        let ttl = 0;
        if (e.expireAt !== -1) {
          ttl = e.expireAt - now;
          if (ttl < 0) continue;
          if (ttl < 1) ttl = 1;
        }
        sent.push(e);
        const args: (string | Buffer)[] = ['RESTORE', e.key, String(ttl), e.payload];
        if (job.replace) args.push('REPLACE');
        multibulk(parts, args);
      }
      let writeError = false;
      let timedOut = false;
      let retry = false;
      let line0 = '';
      let line1 = '';
      try {
        try {
          await link.write(Buffer.concat(parts), job.timeoutMs);
        } catch (e) {
          writeError = true;
          throw e;
        }
        if (job.password !== null) line0 = await link.readLine(job.timeoutMs);
        if (select) line1 = await link.readLine(job.timeoutMs);
      } catch (e) {
        if (!(e instanceof LinkError)) throw e;
        timedOut = e.timedOut;
        retry = true; // socket_err
      }
      if (!retry) {
        let errorFromTarget: string | null = null;
        let socketError = false;
        const acked: Entry[] = [];
        let j = 0;
        for (; j < sent.length; j++) {
          let line2: string;
          try {
            line2 = await link.readLine(job.timeoutMs);
          } catch (e) {
            if (!(e instanceof LinkError)) throw e;
            socketError = true;
            timedOut = e.timedOut;
            break;
          }
          const authFailed = job.password !== null && line0[0] === '-';
          const selectFailed = select && line1[0] === '-';
          if (authFailed || selectFailed || line2[0] === '-') {
            if (errorFromTarget === null) {
              link.lastDbid = -1;
              const errbuf = authFailed ? line0 : selectFailed ? line1 : line2;
              errorFromTarget = 'ERR Target instance replied with error: ' + errbuf.slice(1);
            }
          } else if (!job.copy) {
            acked.push(sent[j]);
          }
        }
        // Nothing was processed and the first reply failed: the cached connection may just have been closed; try again.
        if (!(errorFromTarget === null && socketError && j === 0 && mayRetry && !timedOut)) {
          if (socketError) cache.close(job.name);
          if (errorFromTarget === null && socketError) return { error: 'IOERR error or timeout reading to target instance', acked };
          if (errorFromTarget === null) {
            link.lastDbid = job.dbid;
            return { error: null, acked };
          }
          return { error: errorFromTarget, acked };
        }
      }
      // socket_err: the connection goes; once more with a new one unless it timed out or was the retry.
      cache.close(job.name);
      if (timedOut || !mayRetry) return { error: `IOERR error or timeout ${writeError ? 'writing' : 'reading'} to target instance`, acked: [] };
      mayRetry = false;
    } finally {
      link.busy = false;
      link.lastUse = Date.now();
    }
  }
}

function migrate(c: Session, argv: string[]): void {
  const server = c.server;
  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const a = argv[j];
    if (is(a, 'copy')) copy = true;
    else if (is(a, 'replace')) replace = true;
    else if (is(a, 'auth')) {
      if (more < 1) return c.w.error(Err.syntax);
      password = argv[++j];
      argv[j] = '(redacted)'; // secrets never reach MONITOR or the slowlog (redactClientCommandArgument)
    } else if (is(a, 'auth2')) {
      if (more < 2) return c.w.error(Err.syntax);
      username = argv[++j];
      argv[j] = '(redacted)';
      password = argv[++j];
      argv[j] = '(redacted)';
    } else if (is(a, 'keys')) {
      if (argv[3].length !== 0) return c.w.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else return c.w.error(Err.syntax);
  }
  // timeout first, then the db, as Redis checks them
  let timeout = parseLL(argv[5]);
  if (timeout === null) return c.w.error(Err.notInteger);
  const dbid = parseLL(argv[4]);
  if (dbid === null) return c.w.error(Err.notInteger);
  if (timeout <= 0) timeout = 1000;

  const db: Database = c.db;
  const listFill = server.config.getInt('list-max-listpack-size');
  const entries: Entry[] = [];
  for (let j = 0; j < numKeys; j++) {
    const key = argv[firstKey + j];
    const value = db.read(key);
    if (value === undefined) continue;
    // The payloads are taken now, as the keys are when the command runs.
    entries.push({ key, value, payload: dumpPayload(value, { listFill }), expireAt: db.getExpire(key) });
  }
  if (entries.length === 0) return c.w.simple('NOKEY');

  // Redis would block the whole server inside MULTI/EXEC or a script;
  // Sinew can wait only with a client of its own to suspend.
  if (!canSuspend(c)) return c.w.error('ERR MIGRATE cannot run inside MULTI/EXEC or a script: it waits for the target instance');

  const host = argv[1];
  const job: Job = {
    host,
    port: atoi(argv[2]),
    name: `${host}:${argv[2]}`,
    dbid,
    timeoutMs: Math.min(timeout, 0x7fffffff),
    copy,
    replace,
    username,
    password,
    entries,
  };
  const cache = cacheOf(server);
  const pending = suspend(c);
  cache
    .inTurn(job.name, () => talk(cache, job))
    .catch((e: unknown): Outcome => ({ error: server.internalError('migrate', e), acked: [] }))
    .then((outcome) => pending.finish((c) => finishMigrate(c, db, outcome)));
}

/**
 * The end of MIGRATE: the keys the target acknowledged are deleted (unless
 * COPY) and propagated as one DEL of them, and the reply is given.
 */
function finishMigrate(c: Session, db: Database, outcome: Outcome): void {
  const server = c.server;
  const deleted: string[] = [];
  for (const e of outcome.acked) {
    // Redis deletes the key while the server is still blocked, so it is
    // the very value it sent. Here other clients ran while the target
    // answered: a key is deleted only if it still holds the same value
    // object that was dumped. A key deleted, overwritten or renamed over
    // meanwhile is left alone (the target holds the version MIGRATE took).
    // Strings are compared by value (JS strings have no identity), and a
    // collection changed in place (LPUSH to the same list) keeps its
    // identity: such a change is not detected.
    if (db.dict.get(e.key) !== e.value) continue;
    if (!db.delete(e.key)) continue;
    server.modified(db, e.key, 'del');
    deleted.push(e.key);
  }
  if (deleted.length > 0) c.propagateAs(['DEL', ...deleted]);
  else c.propagateNothing();
  if (outcome.error === null) c.w.ok();
  else c.w.error(outcome.error);
}

export const migrateCommands: HandlerMap = {
  migrate(c, argv) {
    migrate(c, argv);
  },
};
