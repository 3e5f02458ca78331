/**
 * Client-side caching (tracking.c): the server remembers which clients read
 * which keys and tells them when those keys change.
 *
 * Default mode: a table maps each key name (in any database, as Redis does)
 * to the ids of the clients that read it while tracking; the first change
 * of the key sends one invalidation to each of them and forgets the entry.
 * BCAST mode: clients subscribe to key prefixes; every key changed under a
 * prefix is collected and broadcast once per event-loop turn.
 *
 * Invalidations are RESP3 push frames (`invalidate`, [keys]) or, for a
 * RESP2 connection that another client redirects to and that is subscribed,
 * messages on `__redis__:invalidate`. A flush invalidates everything with a
 * null. Messages for the client running the command go out after its reply.
 */
import { ClientFlag, type Client } from './client.js';
import type { Config } from '../config/config.js';
import { F, type Command } from '../command/table.js';

export interface TrackingState {
  /** Client id invalidations go to; 0 for this connection. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (optin) / NO (optout) given for the next command. */
  caching: boolean;
  brokenRedirect: boolean;
  /** BCAST prefixes of this client. */
  prefixes: Set<string>;
  /** The previous command was CLIENT ... (CACHING survives it). */
  prevWasClient: boolean;
}

interface BcastState {
  /** Keys changed since the last broadcast, with the client that changed each last. */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const CHANNEL = '__redis__:invalidate';

export class Tracking {
  /** key -> ids of clients that may have it cached. */
  private readonly table = new Map<string, Set<number>>();
  private totalItems = 0;
  /** BCAST prefix -> state; `prefixOrder` keeps the prefixes sorted as Redis's radix tree does. */
  private readonly prefixTable = new Map<string, BcastState>();
  private prefixOrder: string[] = [];
  private prefixOrderStale = false;
  private broadcastScheduled = false;
  /** Clients with tracking on. */
  trackingClients = 0;
  /** The client whose command is running (null outside commands: cron, expiry cycle). */
  current: Client | null = null;
  /** Invalidations for the running client, sent after its reply (null = flush). */
  private pending: (string | null)[] = [];
  private lastFlushArgv: string[] | null = null;
  private limitRounds = 0;

  /** The server's clients (redirection targets, flush and limit notices) and its settings. */
  constructor(private readonly server: { readonly clients: ReadonlyMap<number, Client>; readonly config: Config }) {}

  /** True when a key change may have to be reported to someone. */
  get active(): boolean {
    return this.table.size > 0 || this.prefixTable.size > 0;
  }

  static state(c: Client): TrackingState | null {
    return c.trackingState as TrackingState | null;
  }

  // ---- enabling ----

  /** Returns an error message when the BCAST prefixes overlap each other or the client's. */
  checkPrefixCollisions(c: Client, prefixes: string[]): string | null {
    const existing = Tracking.state(c)?.prefixes;
    // Fast path: with every prefix sorted, any overlap shows up between neighbours.
    const all = existing === undefined ? prefixes.slice() : [...existing, ...prefixes];
    all.sort(byteCompare);
    let any = false;
    for (let i = 1; i < all.length && !any; i++) any = overlaps(all[i - 1], all[i]);
    if (!any) return null;
    // Redis's scan, for its exact message: the input order (and the sorted
    // existing prefixes) decide which pair is named.
    const sortedExisting = existing === undefined ? [] : [...existing].sort(byteCompare);
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i];
      for (const e of sortedExisting) {
        if (overlaps(e, p)) {
          return `ERR Prefix '${cstr(p)}' overlaps with an existing prefix '${cstr(e)}'. Prefixes for a single client must not overlap.`;
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(p, prefixes[j])) {
          return `ERR Prefix '${cstr(p)}' overlaps with another provided prefix '${cstr(prefixes[j])}'. Prefixes for a single client must not overlap.`;
        }
      }
    }
    return null;
  }

  enable(c: Client, redirect: number, opts: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void {
    let st = Tracking.state(c);
    if (st === null || (c.flags & ClientFlag.Tracking) === 0) {
      this.trackingClients++;
      st = {
        redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: st?.caching ?? false,
        brokenRedirect: false, prefixes: st?.prefixes ?? new Set(), prevWasClient: true,
      };
      c.trackingState = st;
    }
    c.flags |= ClientFlag.Tracking;
    st.brokenRedirect = false;
    st.bcast = false;
    st.redirect = redirect;
    if (opts.bcast) {
      st.bcast = true;
      if (prefixes.length === 0) this.addPrefix(c, st, '');
      for (const p of prefixes) this.addPrefix(c, st, p);
    }
    st.optin = opts.optin;
    st.optout = opts.optout;
    st.noloop = opts.noloop;
  }

  private addPrefix(c: Client, st: TrackingState, prefix: string): void {
    let bs = this.prefixTable.get(prefix);
    if (bs === undefined) {
      bs = { keys: new Map(), clients: new Set() };
      this.prefixTable.set(prefix, bs);
      this.prefixOrderStale = true;
    }
    if (!bs.clients.has(c)) {
      bs.clients.add(c);
      st.prefixes.add(prefix);
    }
  }

  disable(c: Client): void {
    const st = Tracking.state(c);
    if (st === null) return;
    for (const p of st.prefixes) {
      const bs = this.prefixTable.get(p);
      if (bs === undefined) continue;
      bs.clients.delete(c);
      if (bs.clients.size === 0) {
        this.prefixTable.delete(p);
        this.prefixOrderStale = true;
      }
    }
    if ((c.flags & ClientFlag.Tracking) !== 0) this.trackingClients--;
    c.flags &= ~ClientFlag.Tracking;
    c.trackingState = null;
  }

  // ---- the command path ----

  /** Before each command of a tracking client: CLIENT CACHING lasts one command (or one transaction). */
  beforeCommand(c: Client, argv: string[]): void {
    const st = Tracking.state(c);
    if (st === null) return;
    if (st.caching && !st.prevWasClient && (c.flags & ClientFlag.Multi) === 0) st.caching = false;
    st.prevWasClient = argv[0].length === 6 && argv[0].toLowerCase() === 'client';
  }

  /**
   * After a read-only command. A read-only command run by a script makes
   * its caller track the script's own key arguments (Redis 7.0 looks at the
   * caller's command); read-only script commands themselves track nothing.
   */
  rememberRead(c: Client, cmd: Command, argv: string[]): void {
    const caller = this.current;
    if ((c.flags & ClientFlag.Fake) !== 0 && caller !== null && caller !== c) {
      if ((caller.flags & ClientFlag.Tracking) !== 0 && caller.cmd !== null) this.remember(caller, caller.cmd, caller.argv);
      return;
    }
    if ((c.flags & ClientFlag.Tracking) === 0) return;
    if (cmd.parent === null && (cmd.name === 'eval_ro' || cmd.name === 'evalsha_ro' || cmd.name === 'fcall_ro')) return;
    this.remember(c, cmd, argv);
  }

  /** Remembers the keys of a command for this client. */
  remember(c: Client, cmd: Command, argv: string[]): void {
    const st = Tracking.state(c);
    if (st === null || st.bcast) return;
    if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
    if ((cmd.flags & F.pubsub) !== 0) return;
    const id = c.id;
    for (const i of cmd.keyPositions(argv)) {
      const key = argv[i];
      let ids = this.table.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(key, ids);
      }
      if (!ids.has(id)) {
        ids.add(id);
        this.totalItems++;
      }
    }
  }

  /** A key changed (write, expiry, eviction). */
  invalidateKey(key: string, bcast = true): void {
    if (bcast && this.prefixTable.size > 0) this.rememberForBroadcast(key);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const clients = this.server.clients;
    const current = this.current;
    for (const id of ids) {
      const target = clients.get(id);
      if (target === undefined) continue;
      const st = Tracking.state(target);
      if (st === null || st.bcast || (target.flags & ClientFlag.Tracking) === 0) continue;
      if (target === current) {
        if (st.noloop) continue;
        this.pending.push(key);
      } else {
        this.send(target, [key]);
      }
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHDB / FLUSHALL: every tracking client gets a null invalidation, once per command. */
  invalidateAllOnFlush(): void {
    const cur = this.current;
    if (cur !== null && cur.argv === this.lastFlushArgv) return;
    this.lastFlushArgv = cur !== null ? cur.argv : null;
    if (this.trackingClients > 0) {
      for (const c of this.server.clients.values()) {
        if ((c.flags & ClientFlag.Tracking) === 0) continue;
        if (c === cur) this.pending.push(null);
        else this.send(c, null);
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /** What INFO stats reports: tracked keys, their tracking entries, broadcast prefixes. */
  info(): { keys: number; items: number; prefixes: number } {
    return { keys: this.table.size, items: this.totalItems, prefixes: this.prefixTable.size };
  }

  /** End of a top-level command: its own invalidations, then the table limit. */
  afterCommand(): void {
    const c = this.current;
    this.current = null;
    this.lastFlushArgv = null;
    if (this.pending.length > 0) {
      const list = this.pending;
      this.pending = [];
      if (c !== null && (c.flags & ClientFlag.Closed) === 0 && (c.flags & ClientFlag.Tracking) !== 0) {
        for (const k of list) this.send(c, k === null ? null : [k], c.resp);
      }
    }
    if (this.table.size > 0) this.limit();
  }

  // ---- messages ----

  /**
   * Sends one invalidation for a tracking client: to itself (RESP3) or to
   * its redirect target. `keys` null is a flush (a null written as the
   * tracking client's protocol writes it).
   */
  private send(c: Client, keys: string[] | null, nullResp: 2 | 3 = c.resp): void {
    const st = Tracking.state(c)!;
    let target = c;
    let redirected = false;
    if (st.redirect !== 0) {
      const r = this.server.clients.get(st.redirect);
      if (r === undefined || (r.flags & ClientFlag.Closed) !== 0) {
        st.brokenRedirect = true;
        if (c.resp === 3) {
          const w = c.realWriter ?? c.w;
          w.push(2);
          w.bulk('tracking-redir-broken');
          w.int(st.redirect);
          c.schedule();
        }
        return;
      }
      target = r;
      redirected = true;
    }
    const w = target.realWriter ?? target.w;
    if (target.resp === 3) {
      w.push(2);
      w.bulk('invalidate');
    } else if (redirected && (target.flags & ClientFlag.PubSub) !== 0) {
      w.array(3);
      w.bulk('message');
      w.bulk(CHANNEL);
    } else {
      return;
    }
    if (keys === null) w.raw(nullResp === 3 ? '_\r\n' : '$-1\r\n');
    else w.bulkArray(keys);
    target.schedule();
  }

  private rememberForBroadcast(key: string): void {
    const who = this.current;
    let any = false;
    for (const [prefix, bs] of this.prefixTable) {
      if (prefix.length > key.length || (prefix.length > 0 && !key.startsWith(prefix))) continue;
      bs.keys.set(key, who);
      any = true;
    }
    if (any && !this.broadcastScheduled) {
      this.broadcastScheduled = true;
      queueMicrotask(() => this.broadcast());
    }
  }

  /** Sends what BCAST clients are owed (once per event-loop turn, like Redis's beforeSleep). */
  broadcast(): void {
    this.broadcastScheduled = false;
    if (this.prefixOrderStale) {
      this.prefixOrder = [...this.prefixTable.keys()].sort(byteCompare);
      this.prefixOrderStale = false;
    }
    for (const prefix of this.prefixOrder) {
      const bs = this.prefixTable.get(prefix);
      if (bs === undefined || bs.keys.size === 0) continue;
      const entries = [...bs.keys.entries()].sort((a, b) => byteCompare(a[0], b[0]));
      bs.keys = new Map();
      const all = entries.map((e) => e[0]);
      for (const c of bs.clients) {
        const st = Tracking.state(c);
        if (st === null || (c.flags & ClientFlag.Closed) !== 0) continue;
        if (st.noloop) {
          const mine = entries.filter((e) => e[1] !== c).map((e) => e[0]);
          if (mine.length > 0) this.send(c, mine);
        } else {
          this.send(c, all);
        }
      }
    }
  }

  /**
   * tracking-table-max-keys: forgets (invalidating) keys while over the
   * limit, with an effort that grows each time it is still over (after
   * every command, and from the cron so that an idle server gets there too).
   */
  limit(): void {
    const max = this.server.config.getInt('tracking-table-max-keys');
    if (max === 0 || this.table.size <= max) {
      this.limitRounds = 0;
      return;
    }
    let effort = 100 * (this.limitRounds + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key, false);
      if (this.table.size <= max) {
        this.limitRounds = 0;
        return;
      }
    }
    this.limitRounds++;
  }
}

function overlaps(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

/** Redis prints prefixes with %s: they stop at the first NUL byte. */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
