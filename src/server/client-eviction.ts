/**
 * Client eviction (maxmemory-clients, Redis 7.0): when the memory of all
 * connections together reaches the limit, connections are closed, largest
 * first, until it is below again.
 *
 * Each connection's figure is Client.memoryUsage() (CLIENT LIST tot-mem).
 * The total is kept incrementally: a client's figure is re-read when it has
 * read input, after each of its commands, when replies are queued for it or
 * written out, and for every client in the cron; closed clients leave it.
 * The limit is enforced after a read (before its commands run), between
 * pipelined commands, after each round of writes and in the cron; as in
 * Redis, the reply to a client's last command is written before that client
 * is evicted, a pipelined command after it is not run. The decision re-reads
 * every figure first, so stale ones (output that has drained since) never
 * cost a connection.
 *
 * Every connection counts towards the total; a connection with CLIENT
 * NO-EVICT on counts but is never closed. Sinew has no master or replica
 * links, which Redis leaves out of both.
 */
import type { Client } from './client.js';
import { ClientFlag } from './client.js';
import { clientInfoLine } from './client-info.js';

/** Redis never enforces a limit below this, so that a bad setting cannot lock everyone out. */
const MIN_LIMIT = 128 * 1024;
/** DEBUG CLIENT-EVICTION's buckets, as Redis's: up to 32 KB, then one per power of two, then above 4 GB. */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;
const BUCKETS = 1 + BUCKET_MAX_LOG - BUCKET_MIN_LOG;
/** The warning that nothing is left to evict is logged at most this often. */
const OVER_WARNING_INTERVAL_MS = 1000;

export interface ClientEvictionOptions {
  /** The connected clients. */
  readonly clients: ReadonlyMap<number, Client>;
  /** maxmemory-clients (bytes, or a percentage as a negative number; 0 off) and maxmemory. */
  readonly config: { readonly maxmemoryClients: number; readonly maxmemory: number };
  /** Where the eviction lines go. */
  readonly log: { notice(msg: string): void; warning(msg: string): void };
  /** Closes a client at once. */
  close(c: Client): void;
  /** Counts one evicted client (INFO stats evicted_clients). */
  countEviction(): void;
}

export class ClientEviction {
  /** Sum of the figures counted (every connection's while tracking). */
  private total = 0;
  /** True while figures are kept (maxmemory-clients was not 0 when last looked at). */
  private tracking = false;
  private lastOverWarning = 0;
  /** An eviction check is queued for the end of the current round of writes. */
  private evictQueued = false;
  /** Set while evicting: what closing a client sets off does not start another round. */
  private evicting = false;

  constructor(private readonly opts: ClientEvictionOptions) {
    this.configure();
  }

  /** maxmemory-clients is set (Redis keeps no figures otherwise). */
  get active(): boolean {
    return this.opts.config.maxmemoryClients !== 0;
  }

  /**
   * The limit in bytes (Redis's getClientEvictionLimit): maxmemory-clients,
   * or its percentage of maxmemory (none while maxmemory is 0), never below
   * 128 KB; 0 when there is none.
   */
  get limit(): number {
    const { maxmemoryClients, maxmemory } = this.opts.config;
    let limit: number;
    if (maxmemoryClients < 0 && maxmemory > 0) limit = Math.floor((maxmemory * -maxmemoryClients) / 100);
    else if (maxmemoryClients > 0) limit = maxmemoryClients;
    else return 0;
    return Math.max(limit, MIN_LIMIT);
  }

  /** The memory of all connections as last counted (0 while off). */
  get totalMemory(): number {
    return this.total;
  }

  /**
   * maxmemory-clients changed (Redis's applyClientMaxMemoryUsage): every
   * figure is read afresh when it is set, and dropped when it is 0. The
   * next check enforces a lowered limit.
   */
  configure(): void {
    this.tracking = this.active;
    if (this.tracking) {
      this.refreshAll();
    } else {
      for (const c of this.opts.clients.values()) c.evictionFigure = 0;
      this.total = 0;
    }
  }

  /** Re-reads one client's figure. */
  update(c: Client): void {
    if (this.tracking !== this.active) this.configure();
    if (!this.tracking) return;
    if ((c.flags & (ClientFlag.Closed | ClientFlag.Fake)) !== 0) return;
    const mem = c.memoryUsage();
    this.total += mem - c.evictionFigure;
    c.evictionFigure = mem;
  }

  /**
   * Re-reads a client's figure, then evicts while over the limit (Redis
   * checks after reading input, before each command and after writing).
   * Returns true when that client was closed (by this or before).
   */
  updateAndCheck(c: Client): boolean {
    this.update(c);
    this.evict();
    return (c.flags & ClientFlag.Closed) !== 0;
  }

  /**
   * After a client's replies were handed to its socket: its figure is
   * re-read now, the limit enforced once every client of this round has
   * been written to (a microtask), as Redis evicts after its writes.
   */
  updateAfterWrite(c: Client): void {
    this.update(c);
    if (this.evictQueued || !this.tracking) return;
    this.evictQueued = true;
    queueMicrotask(() => {
      this.evictQueued = false;
      this.evict();
    });
  }

  /** A client went away: its figure leaves the total. */
  forget(c: Client): void {
    this.total -= c.evictionFigure;
    c.evictionFigure = 0;
  }

  /** The cron's round: every figure re-read, then the limit enforced. */
  cron(): void {
    if (this.tracking !== this.active) this.configure();
    if (!this.tracking) return;
    this.refreshAll();
    this.evict();
  }

  /**
   * Closes connections, largest first, while the total is at or over the
   * limit (Redis's evictClients). Connections with CLIENT NO-EVICT on are
   * kept; when only they are left a warning says so.
   */
  evict(): void {
    if (!this.tracking || this.evicting) return;
    const limit = this.limit;
    if (limit === 0 || this.total < limit) return;
    // Decide on current figures: some may be stale (output drained since).
    this.refreshAll();
    if (this.total < limit) return;
    const candidates: Client[] = [];
    for (const c of this.opts.clients.values()) if (evictable(c)) candidates.push(c);
    candidates.sort((a, b) => b.evictionFigure - a.evictionFigure);
    this.evicting = true;
    try {
      for (const c of candidates) {
        if (this.total < limit) return;
        if ((c.flags & ClientFlag.Closed) !== 0) continue;
        this.opts.log.notice(`Evicting client: ${clientInfoLine(c)}`);
        this.opts.close(c);
        // The close hook normally did this already (see forget).
        if (c.evictionFigure !== 0) this.forget(c);
        this.opts.countEviction();
      }
    } finally {
      this.evicting = false;
    }
    if (this.total >= limit) {
      const now = Date.now();
      if (now - this.lastOverWarning >= OVER_WARNING_INTERVAL_MS) {
        this.lastOverWarning = now;
        this.opts.log.warning('Over client maxmemory after evicting all evictable clients');
      }
    }
  }

  /**
   * DEBUG CLIENT-EVICTION: the evictable connections by size, in Redis's
   * buckets (powers of two from 32 KB to 4 GB), or null while off.
   */
  bucketReport(): string | null {
    if (!this.tracking) return null;
    const sums = new Array<number>(BUCKETS).fill(0);
    const counts = new Array<number>(BUCKETS).fill(0);
    for (const c of this.opts.clients.values()) {
      if (!evictable(c)) continue;
      const mem = c.evictionFigure;
      const bits = mem > 0 ? Math.floor(Math.log2(mem)) + 1 : 0;
      const j = Math.min(BUCKET_MAX_LOG, Math.max(BUCKET_MIN_LOG, bits)) - BUCKET_MIN_LOG;
      sums[j] += mem;
      counts[j]++;
    }
    const pad = (n: number) => String(n).padStart(10);
    let out = '';
    for (let j = 0; j < BUCKETS; j++) {
      out += j === 0 ? 'bucket          0' : `bucket ${pad(2 ** (j - 1 + BUCKET_MIN_LOG))}`;
      out += j === BUCKETS - 1 ? '+            : ' : ` - ${pad(2 ** (j + BUCKET_MIN_LOG) - 1)}: `;
      out += `tot-mem: ${pad(sums[j])}, clients: ${counts[j]}\n`;
    }
    return out;
  }

  private refreshAll(): void {
    let total = 0;
    for (const c of this.opts.clients.values()) {
      if ((c.flags & (ClientFlag.Closed | ClientFlag.Fake)) !== 0) continue;
      const mem = c.memoryUsage();
      c.evictionFigure = mem;
      total += mem;
    }
    this.total = total;
  }
}

/** Redis's clientEvictionAllowed, for Sinew's connections: all but those with CLIENT NO-EVICT on. */
function evictable(c: Client): boolean {
  return (c.flags & (ClientFlag.NoEvict | ClientFlag.Fake | ClientFlag.Closed)) === 0 && c.stream !== null;
}
