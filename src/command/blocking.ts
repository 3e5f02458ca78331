/**
 * Blocking commands (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...).
 *
 * A handler that finds nothing to serve calls `block()` with the keys it
 * waits on, the type of value it can serve, a timeout and the reply to give
 * on timeout. When a key of that type is created or changed (the keyspace's
 * ready hook, or a handler's `signal()`), the waiting clients are retried in
 * the order they blocked: the whole command is run again through the
 * dispatcher (so propagation, notifications and stats are the usual ones).
 * A retry that still finds nothing leaves the client blocked in its place.
 */
import type { Database } from '../keyspace/database.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { ClientFlag, type Client } from '../server/client.js';
import type { Stats } from '../server/stats.js';
import type { ObjType } from '../types/object.js';

/** What blocking needs of the server: the keyspace, a counter, the call depth, and the command path to retry a command. */
export interface BlockingHost {
  readonly keyspace: Keyspace;
  readonly stats: Stats;
  /** Nesting of the command path (blocking is possible only at the top). */
  readonly callDepth: number;
  /** Runs a blocked client's command again. */
  retryBlocked(c: Client, argv: string[]): void;
}

/** What a blocked command replies when its time is up: a null array or bulk, or 0 (WAIT). */
export type TimeoutReply = 'nullArray' | 'nullBulk' | 'zero';

export interface BlockState {
  db: Database;
  keys: string[];
  type: ObjType;
  /** Absolute deadline in ms, 0 for none. */
  deadline: number;
  timeoutReply: TimeoutReply;
  argv: string[];
  timer: NodeJS.Timeout | null;
  /** Microseconds the command took when it first ran (and blocked). */
  firstRunUs: number;
  /** What the command left for its retries (see BlockRetry). */
  state: unknown;
  /**
   * Retried also when the key is gone or holds another type (XREADGROUP,
   * which then fails: Redis 7.0's unblockDeletedStreamReadgroupClients).
   */
  wakeIfGone: boolean;
  /** The argv the client sent (what the slowlog shows when a retry with another argv serves it). */
  sentArgv: string[];
}

/**
 * What a blocking command may leave for its retries: the argv to run again
 * instead of its own (XREAD BLOCK with `$` retries with the IDs `$` meant
 * when it blocked), and any state of its own (read back with stateOf);
 * wakeIfGone: retry also when the key is deleted or overwritten with
 * another type (XREADGROUP).
 */
export interface BlockRetry {
  argv?: string[];
  state?: unknown;
  wakeIfGone?: boolean;
}

export class Blocking {
  private readonly waiting = new Map<Database, Map<string, Client[]>>();
  private ready: { db: Database; key: string }[] = [];
  private readySet = new Set<string>();
  /** Number of blocked clients. */
  blockedClients = 0;
  /** Number of keys with waiters (INFO blocked keys). */
  blockedKeys = 0;
  /** Set while a blocked client's command is being retried. */
  retrying: Client | null = null;
  /** The key whose readiness caused the current retry (Redis 7.0 serves from that key). */
  servingKey: string | null = null;
  private handling = false;

  constructor(private readonly server: BlockingHost) {}

  /** False inside MULTI/EXEC and scripts: blocking commands then act as their non-blocking form. */
  canBlock(c: Client): boolean {
    return this.server.callDepth <= 1 && !c.has(ClientFlag.Fake) && !c.has(ClientFlag.Multi);
  }

  /**
   * Blocks the client, or, where it cannot block (MULTI, scripts), gives
   * the timeout reply at once: the non-blocking form of the command.
   */
  blockOrReply(c: Client, keys: string[], type: ObjType, timeoutMs: number, timeoutReply: TimeoutReply, retry?: BlockRetry): void {
    if (this.canBlock(c)) this.block(c, keys, type, timeoutMs, timeoutReply, retry);
    else writeTimeoutReply(c, timeoutReply);
  }

  /**
   * Blocks the client on keys. `timeoutMs` is relative; 0 waits forever.
   * During a retry the client is already blocked and keeps its place (and
   * its retry argv and state). `retry` gives the argv to retry with
   * instead of the command's own, and state the command reads back on a
   * retry with stateOf().
   */
  block(c: Client, keys: string[], type: ObjType, timeoutMs: number, timeoutReply: TimeoutReply, retry?: BlockRetry): void {
    if (this.retrying === c) {
      this.retryBlockedAgain = true;
      return;
    }
    const db = c.db;
    const st: BlockState = {
      db,
      keys: [...new Set(keys)],
      type,
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
      timeoutReply,
      argv: retry?.argv ?? c.argv,
      timer: null,
      firstRunUs: 0,
      state: retry?.state ?? null,
      wakeIfGone: retry?.wakeIfGone ?? false,
      sentArgv: c.argv,
    };
    let byKey = this.waiting.get(db);
    if (byKey === undefined) {
      byKey = new Map();
      this.waiting.set(db, byKey);
    }
    for (const k of st.keys) {
      let q = byKey.get(k);
      if (q === undefined) {
        q = [];
        byKey.set(k, q);
        this.blockedKeys++;
      }
      q.push(c);
    }
    // setTimeout fires at once beyond 2^31-1 ms: longer waits are left to the cron check.
    if (timeoutMs > 0 && timeoutMs <= 0x7fffffff) {
      st.timer = setTimeout(() => this.timeout(c), timeoutMs);
    }
    c.blockState = st;
    c.flags |= ClientFlag.Blocked;
    this.blockedClients++;
    this.server.stats.totalBlockingKeys = this.blockedKeys;
    this.server.keyspace.readyHook = (d, key) => this.signal(d, key);
  }

  private retryBlockedAgain = false;

  /** The argv a blocked client sent (its retries may run another, see BlockRetry); null when not blocked. */
  sentArgv(c: Client): string[] | null {
    const st = c.blockState as BlockState | null;
    return st === null ? null : st.sentArgv;
  }

  /** The state a blocked client's command left with block() (null if none, or not blocked). */
  stateOf(c: Client): unknown {
    const st = c.blockState as BlockState | null;
    return st === null ? null : st.state;
  }

  /** During a retry: the command found nothing again and stays blocked. */
  get stillBlocked(): boolean {
    return this.retryBlockedAgain;
  }

  /** Time of a blocked command's first run (see the command path's statistics). */
  setFirstRunUs(c: Client, us: number): void {
    const st = c.blockState as BlockState | null;
    if (st !== null) st.firstRunUs = us;
  }

  firstRunUs(c: Client): number {
    const st = c.blockState as BlockState | null;
    return st === null ? 0 : st.firstRunUs;
  }

  /** A key may now serve waiters (created, pushed to, ...). */
  signal(db: Database, key: string): void {
    const byKey = this.waiting.get(db);
    if (byKey === undefined || !byKey.has(key)) return;
    const id = db.id + '\0' + key;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.ready.push({ db, key });
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Serves clients blocked on keys that became ready. Runs after each top-level command. */
  handleReady(): void {
    if (this.handling) return;
    this.handling = true;
    try {
      while (this.ready.length > 0) {
        const list = this.ready;
        this.ready = [];
        this.readySet.clear();
        for (const { db, key } of list) this.serveKey(db, key);
      }
    } finally {
      this.handling = false;
    }
  }

  private serveKey(db: Database, key: string): void {
    const byKey = this.waiting.get(db);
    const q = byKey?.get(key);
    if (q === undefined) return;
    // Serve in FIFO order while the key holds a value of the waited type.
    let i = 0;
    while (i < q.length) {
      const v = db.lookupWrite(key);
      const c = q[i];
      const st = c.blockState as BlockState;
      const vtype = v === undefined ? null : typeof v === 'string' ? 'string' : v.type;
      if (vtype !== st.type && !st.wakeIfGone) {
        if (v === undefined && !q.some((w) => (w.blockState as BlockState).wakeIfGone)) return;
        i++;
        continue;
      }
      const before = q.length;
      this.servingKey = key;
      try {
        this.retry(c);
      } finally {
        this.servingKey = null;
      }
      // If the client was served it left the queue; otherwise move on.
      if (q.length === before && q[i] === c) i++;
      if (byKey!.get(key) !== q) return;
    }
  }

  private retry(c: Client): void {
    const st = c.blockState as BlockState;
    this.retrying = c;
    this.retryBlockedAgain = false;
    const savedDb = c.db;
    c.db = st.db;
    try {
      this.server.retryBlocked(c, st.argv);
    } finally {
      this.retrying = null;
      if (c.db === st.db) c.db = savedDb;
    }
    if (!this.retryBlockedAgain) {
      this.unblock(c);
      c.resume();
    }
  }

  private timeout(c: Client): void {
    const st = c.blockState as BlockState | null;
    if (st === null) return;
    st.timer = null;
    writeTimeoutReply(c, st.timeoutReply);
    this.unblock(c);
    c.resume();
  }

  /** CLIENT UNBLOCK: reply as on timeout, or with an error. */
  unblockWith(c: Client, error: boolean): boolean {
    const st = c.blockState as BlockState | null;
    if (st === null || !c.has(ClientFlag.Blocked)) return false;
    if (error) c.w.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    else writeTimeoutReply(c, st.timeoutReply);
    this.unblock(c);
    c.resume();
    return true;
  }

  /** Removes the client from every wait queue. */
  unblock(c: Client): void {
    const st = c.blockState as BlockState | null;
    if (st === null) return;
    if (st.timer !== null) clearTimeout(st.timer);
    const byKey = this.waiting.get(st.db);
    if (byKey !== undefined) {
      for (const k of st.keys) {
        const q = byKey.get(k);
        if (q === undefined) continue;
        const idx = q.indexOf(c);
        if (idx >= 0) q.splice(idx, 1);
        if (q.length === 0) {
          byKey.delete(k);
          this.blockedKeys--;
        }
      }
      if (byKey.size === 0) this.waiting.delete(st.db);
    }
    c.blockState = null;
    c.flags &= ~ClientFlag.Blocked;
    this.blockedClients--;
    if (this.blockedClients === 0) this.server.keyspace.readyHook = null;
    c.schedule();
  }

  onClientClose(c: Client): void {
    if (c.blockState !== null) this.unblock(c);
  }

  /** Timeouts run on timers; the cron only catches clocks that jumped. */
  checkTimeouts(now: number): void {
    if (this.blockedClients === 0) return;
    for (const byKey of this.waiting.values()) {
      for (const q of byKey.values()) {
        for (const c of [...q]) {
          const st = c.blockState as BlockState | null;
          if (st !== null && st.deadline !== 0 && st.deadline + 1000 < now) this.timeout(c);
        }
      }
    }
  }

  /** Every waiter of a database (SWAPDB, FLUSHDB) gets a chance to be served. */
  signalDb(db: Database): void {
    const byKey = this.waiting.get(db);
    if (byKey === undefined) return;
    for (const [key, q] of byKey) if (db.dict.has(key) || q.some((w) => (w.blockState as BlockState).wakeIfGone)) this.signal(db, key);
  }

  isBlockedOn(db: Database, key: string): boolean {
    return this.waiting.get(db)?.has(key) ?? false;
  }

  shutdown(): void {
    for (const byKey of this.waiting.values()) {
      for (const q of byKey.values()) for (const c of q) {
        const st = c.blockState as BlockState | null;
        if (st?.timer) clearTimeout(st.timer);
      }
    }
  }
}

function writeTimeoutReply(c: Client, r: TimeoutReply): void {
  if (r === 'nullArray') c.w.nullArray();
  else if (r === 'nullBulk') c.w.nullBulk();
  else c.w.int(0);
}
