/**
 * The server: configuration, keyspace, command table, connected clients,
 * statistics; it wires the pieces that live in their own files: listeners
 * (listeners.ts), the periodic work (cron.ts), CLIENT PAUSE
 * (commands/pause.ts), MONITOR (monitoring.ts).
 */
import { collectGarbage } from '../util/gc.js';
import { Listeners, refusedByProtectedMode } from './listeners.js';
import { Cron } from './cron.js';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { Config } from '../config/config.js';
import { Keyspace, type Clock, systemClock } from '../keyspace/keyspace.js';
import { ScanCursors } from '../keyspace/scan.js';
import { CommandTable, loadCommandMeta, type Command } from '../command/table.js';
import { Effects } from '../command/effects.js';
import { ClientPause } from '../command/pause.js';
import type { ScriptEngine } from '../scripting/engine.js';
import { Acl } from '../acl/acl.js';
import { type User, channelInList } from '../acl/user.js';
import { ReplyWriter } from '../protocol/writer.js';
import { Client, ClientFlag } from './client.js';
import { Logger } from './log.js';
import type { Database } from '../keyspace/database.js';
import { SlowLog, LatencyMonitor, Monitors } from './monitoring.js';
import { Notifier, type KeyEvent } from '../pubsub/notify.js';
import { PubSub } from '../pubsub/pubsub.js';
import { Blocking } from '../command/blocking.js';
import { Watches } from '../command/watch.js';
import { Tracking } from './tracking.js';
import { Evictor } from '../keyspace/eviction.js';
import { newStats, type Stats } from './stats.js';
import { ClientEviction } from './client-eviction.js';

export { SINEW_VERSION } from './version.js';
import { SINEW_PACKAGE_VERSION, SINEW_VERSION } from './version.js';
import { RdbService } from '../persistence/rdb-service.js';
import { AofService } from '../persistence/aof-service.js';
export type { Stats } from './stats.js';

/** A client as the command path and the handlers see it: its server is the whole server. */
export interface Session extends Client {
  readonly server: Server;
}

/** A command's implementation (one per name in a command group's file). */
export type Handler = (c: Session, argv: string[]) => void;
export type HandlerMap = Record<string, Handler>;

/** The command path's entry points (commands/dispatch.ts). */
export interface CommandPath {
  /** Runs one command a client sent: lookup, checks, then call(). */
  dispatch(server: Server, c: Session, argv: string[]): void;
  /** Runs a command that passed every check. */
  call(server: Server, c: Session, cmd: Command<Handler>, argv: string[]): void;
  /** Closes the timing of the last command run. */
  finishTiming(server: Server): void;
  /** Runs a command read from an append-only file (false: unknown command). */
  replay(server: Server, c: Session, argv: string[]): boolean;
}

/**
 * The parts of a server that stand above it (the command groups, the
 * command path, the script engine), given by the composition root
 * (src/compose.ts) so that nothing here imports them.
 */
export interface ServerParts {
  handlers: HandlerMap;
  path: CommandPath;
  /** Starts the script engine (on first use). */
  scripting: (server: Server) => ScriptEngine;
}

/** Timing of the last top-level command, closed at the next clock read. */
export interface PendingTiming {
  cmd: Command<Handler> | null;
  client: Session | null;
  argv: string[] | null;
  t0: number;
  /** A served blocked command: the time of its first run (already counted), for the slowlog. */
  priorUs: number;
}

export interface ServerOptions {
  /** Any configuration directive, by its redis.conf name (e.g. port, bind, databases). */
  [directive: string]: string | number | boolean | string[] | undefined | Clock | Logger;
}

/** Query buffers this large are reclaimed at once when their client goes. */
const RECLAIM_AFTER_BYTES = 16 * 1024 * 1024;

export class Server {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly commands: CommandTable<Handler>;
  /** ACL users, the ACL log, authentication. */
  readonly acl: Acl;
  private readonly path: CommandPath;
  private readonly startScripting: (server: Server) => ScriptEngine;
  readonly log = new Logger();
  readonly clients = new Map<number, Session>();
  readonly scans = new ScanCursors();
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  readonly notifier: Notifier;
  readonly pubsub: PubSub;
  readonly blocking: Blocking;
  readonly watches: Watches;
  /** Client-side caching (CLIENT TRACKING). */
  readonly tracking: Tracking;
  /** MONITOR clients, and the feed of what others run. */
  readonly monitors = new Monitors();
  readonly evictor: Evictor;
  /** Client eviction (maxmemory-clients, CLIENT NO-EVICT). */
  readonly clientEviction: ClientEviction;
  stats: Stats = newStats();
  readonly runId = randomBytes(20).toString('hex');
  replId = randomBytes(20).toString('hex');
  readonly startTime = Date.now();
  /** Changes since the last save. */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  /** Nesting of call() (EXEC and scripts run commands inside a command). */
  callDepth = 0;
  /** MIGRATE's cached connections to other servers (INFO migrate_cached_sockets; kept by commands/migrate.ts). */
  migrateCachedSockets = 0;
  /** CLIENT PAUSE state. */
  /** CLIENT PAUSE: what it holds back and until when. */
  readonly clientPause = new ClientPause(this);
  nextClientId = 1;
  /** The listeners and the connections' shared read buffer. */
  readonly net = new Listeners(this);
  /** The plain TCP port listened on (0: none). */
  port = 0;
  host = '127.0.0.1';
  /** The TLS port listened on (0: none). */
  get tlsPort(): number {
    return this.net.tlsPort;
  }
  /** The periodic work (Redis's serverCron). */
  readonly periodic = new Cron(this);
  private pendingFlush: Client[] = [];
  private flushScheduled = false;
  shuttingDown = false;
  /** Called once the server has stopped (SHUTDOWN or close()). */
  onShutdown: (() => void) | null = null;
  /** Config file path, when started from one (CONFIG REWRITE). */
  configFile = '';
  /** The supervisor told of readiness (INFO process_supervised). */
  supervisedBy: 'no' | 'upstart' | 'systemd' = 'no';
  /** A fake client for internal command execution. */
  private internalClient: Session | null = null;
  executable = '';
  readonly packageVersion = SINEW_PACKAGE_VERSION;
  /** Memory in use right after start-up (INFO used_memory_startup). */
  startupMemory = 0;
  /** Offset applied to TIME (DEBUG can move it in tests). */
  clockOffsetUs = BigInt(Date.now()) * 1000n - process.hrtime.bigint() / 1000n;
  /** RDB files: SAVE, BGSAVE, save points, loading. */
  readonly rdb: RdbService;
  /** The append-only file. */
  readonly aof: AofService;
  /** The client replaying an append-only file. */
  private aofClient: Session | null = null;
  /** What happens when the append-only file cannot keep its promise (a write error under appendfsync always). */
  onFatal: (message: string) => never = () => process.exit(1);
  /** Load dir/dbfilename when starting (sinew-server; embedded servers when given a dir or dbfilename). */
  loadOnStart = false;
  /** The Redis version this server answers as (INFO redis_version, the RDB redis-ver field). */
  readonly version = SINEW_VERSION;

  constructor(parts: ServerParts, options: ServerOptions = {}) {
    this.path = parts.path;
    this.startScripting = parts.scripting;
    this.config = new Config();
    const clock = (options.clock as Clock | undefined) ?? systemClock;
    for (const [k, v] of Object.entries(options)) {
      if (k === 'clock' || k === 'logger' || v === undefined) continue;
      if (k === 'quiet') continue;
      const value = Array.isArray(v) ? v.join(' ') : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
      const err = this.config.set(k, value);
      if (err !== null) throw new Error(`Bad directive or wrong number of arguments: ${k} ${value}: ${err}`);
    }
    this.log.setLevel(this.config.get('loglevel'));
    this.log.file = this.config.get('logfile');
    if (options.quiet === true) this.log.enabled = false;
    this.keyspace = new Keyspace(this.config.getInt('databases'), clock);
    this.commands = new CommandTable(loadCommandMeta(), parts.handlers);
    this.acl = new Acl(this.commands.catalog, {
      allChannelsDefault: () => this.config.get('acl-pubsub-default') === 'allchannels',
      acllogMaxLen: () => this.config.getInt('acllog-max-len'),
      userChanged: (u, before) => this.dropPubsubClientsOf(u, before),
      userDeleted: (u) => this.dropClientsOf(u),
      warning: (line) => this.log.warning(line),
      notice: (line) => this.log.notice(line),
    });
    this.acl.setDefaultPassword(this.config.get('requirepass'));
    this.notifier = new Notifier(this);
    this.pubsub = new PubSub();
    this.blocking = new Blocking(this);
    this.watches = new Watches(this);
    this.tracking = new Tracking(this);
    this.keyspace.onExpired = (db, key) => this.onKeyExpired(db, key);
    this.evictor = new Evictor(this);
    this.clientEviction = new ClientEviction({
      clients: this.clients,
      config: this.config,
      log: this.log,
      close: (c) => c.close(),
      countEviction: () => {
        this.stats.evictedClients++;
      },
    });
    this.rdb = new RdbService(this);
    this.aof = new AofService(this);
    this.config.onChange = (name, value) => this.onConfigChange(name, value);
  }

  private onConfigChange(name: string, value: string): void {
    switch (name) {
      case 'loglevel':
        this.log.setLevel(value);
        break;
      case 'hz':
        if (this.periodic.running) this.periodic.start();
        break;
      case 'proto-max-bulk-len':
        for (const c of this.clients.values()) c.parser.maxBulkLen = this.config.protoMaxBulkLen;
        break;
      case 'slowlog-max-len':
        this.slowlog.trim(this.config.slowlogMaxLen);
        break;
      case 'maxmemory':
        this.evictor.configure();
        if (this.config.maxmemory !== 0) {
          const used = this.usedMemory();
          if (this.config.maxmemory < used) {
            this.log.warning(
              `WARNING: the new maxmemory value set via CONFIG SET (${this.config.maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
            );
          }
          // evicted right after the command that set it, as Redis's eviction time event
          setImmediate(() => {
            if (!this.shuttingDown && this.config.maxmemory !== 0) this.evict();
          });
        }
        break;
      case 'maxmemory-policy':
      case 'lfu-log-factor':
      case 'lfu-decay-time':
        this.evictor.configure();
        break;
      case 'maxmemory-clients':
        this.clientEviction.configure();
        break;
      case 'requirepass':
        this.acl.setDefaultPassword(value);
        break;
    }
  }

  /** Keys deleted by expiry: notification and signal (no dirty, as Redis), propagation as DEL, stats. */
  private onKeyExpired(db: Database, key: string): void {
    this.keyspace.expiredKeys++;
    this.modified(db, key, 'expired', 0);
    this.propagate(db.id, [this.config.getBool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  }

  /** Keys deleted by eviction: stats, the key-modified signal (not counted in dirty, as Redis), propagation as DEL. */
  keyEvicted(db: Database, key: string): void {
    this.stats.evictedKeys++;
    this.modified(db, key, 'evicted', 0);
    this.propagate(db.id, [this.config.getBool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]);
  }

  private scriptingEngine: ScriptEngine | null = null;

  /** The script engine, started on first use (scripts and their cache are this server's own). */
  get scripting(): ScriptEngine {
    return (this.scriptingEngine ??= this.startScripting(this));
  }

  /** The script engine if a script has run or been loaded, else null (INFO reads it without starting it). */
  get scriptingIfStarted(): ScriptEngine | null {
    return this.scriptingEngine;
  }

  /**
   * A write changed `key` in `db`: Redis's signalModifiedKey,
   * notifyKeyspaceEvent and `server.dirty += changes` as one call, made by
   * handlers (and expiry, eviction) once per key changed, in the order
   * Redis raises the events. Adds `changes` to the dirty counter (0 for an
   * event Redis does not count, such as a 'del' that follows an emptying
   * 'srem'), publishes the event when notifications are on, and notes the
   * key for the signal, which the command path gives when the command
   * ends; outside a command (the expiry cycle, eviction) it is given at once.
   */
  modified(db: Database, key: string, event: KeyEvent, changes = 1): void {
    this.dirty += changes;
    if (this.config.notifyFlags !== '') this.notifier.keyEvent(event, key, db.id);
    // Only when someone may have to hear of it.
    if (this.watches.count > 0 || this.blocking.blockedClients > 0 || this.tracking.active) {
      if (this.callDepth === 0) this.signalModifiedKey(db, key);
      else {
        this.changedDbs.push(db);
        this.changedKeys.push(key);
      }
    }
  }

  /**
   * A write Redis counts in dirty (and announces when `event` is given)
   * without the key-modified signal: XSETID, and the consumer-group writes
   * of 7.0.15 (XGROUP SETID/DESTROY/..., XACK, XCLAIM, XREADGROUP), call no
   * signalModifiedKey, so WATCH, blocked clients and tracking do not hear
   * of them. Otherwise as modified().
   */
  modifiedUnsignalled(db: Database, key: string, event: KeyEvent | null, changes = 1): void {
    this.dirty += changes;
    if (event !== null && this.config.notifyFlags !== '') this.notifier.keyEvent(event, key, db.id);
  }

  /** signalModifiedKey alone (no event, no dirty): XGROUP CREATE MKSTREAM's new key. */
  signalKey(db: Database, key: string): void {
    if (this.watches.count > 0 || this.blocking.blockedClients > 0 || this.tracking.active) {
      if (this.callDepth === 0) this.signalModifiedKey(db, key);
      else {
        this.changedDbs.push(db);
        this.changedKeys.push(key);
      }
    }
  }

  /** A write changed the dataset as a whole rather than key by key (FLUSHDB, FLUSHALL, SWAPDB): counted in dirty. */
  datasetChanged(changes: number): void {
    this.dirty += changes;
  }

  /** Keys changed by the commands under way, waiting for their signal (see modified). */
  private changedDbs: Database[] = [];
  private changedKeys: string[] = [];

  /** How many changed keys wait for their signal: call() notes it before running a command. */
  get keysToSignal(): number {
    return this.changedKeys.length;
  }

  /** Gives the signal for the keys changed since `mark` (the end of a command, see call()). */
  signalModifiedKeys(mark: number): void {
    const dbs = this.changedDbs;
    const keys = this.changedKeys;
    const end = keys.length;
    for (let i = mark; i < end; i++) this.signalModifiedKey(dbs[i], keys[i]);
    dbs.length = mark;
    keys.length = mark;
  }

  /**
   * The key-modified signal (Redis's signalModifiedKey): transactions
   * watching the key fail, clients blocked on it are retried, clients that
   * cached it are told.
   */
  private signalModifiedKey(db: Database, key: string): void {
    this.watches.touch(db, key);
    this.blocking.signal(db, key);
    if (this.tracking.active) this.tracking.invalidateKey(key);
  }

  /** What the dataset's changes look like as commands (the AOF and replicas consume it). */
  readonly effects = new Effects();

  /**
   * An effect outside a handler (a key deleted by expiry or eviction):
   * inside a command it joins the command's effects; outside one (the
   * expiry cycle, eviction before a command) it is emitted at once, alone.
   */
  propagate(dbid: number, argv: string[]): void {
    const fx = this.effects;
    if (!fx.active) return;
    fx.also(dbid, argv);
    if (this.callDepth === 0) fx.flush(true);
  }

  dispatch(c: Session, argv: string[]): void {
    this.path.dispatch(this, c, argv);
  }

  /** The last top-level command's timing, closed by finishTiming(). */
  readonly timing: PendingTiming = { cmd: null, client: null, argv: null, t0: 0, priorUs: 0 };

  /** Closes the pending command timing; called at the end of every batch of commands. */
  finishTiming(): void {
    if (this.timing.cmd !== null) this.path.finishTiming(this);
  }

  /** A client is now this user (its rules are the user object, which ACL SETUSER changes in place). */
  logIn(c: Client, user: User): void {
    c.user = user.name;
    c.rules = user;
  }

  /**
   * Whether a client that has not authenticated must (authRequired): the
   * default user has a password or is off.
   */
  authRequired(): boolean {
    const d = this.acl.defaultUser;
    return !d.nopass || !d.enabled;
  }

  /** ACLFreeUserAndKillClients: the user's clients go back to the default user, unauthenticated, and are closed. */
  private dropClientsOf(u: User): void {
    for (const c of this.clients.values()) {
      if (c.rules !== u) continue;
      this.logIn(c, this.acl.defaultUser);
      c.authenticated = false;
      c.closeAfterCommand();
    }
  }

  /** ACLKillPubsubClientsIfNeeded: the user's subscribers that lost a channel or pattern are closed. */
  private dropPubsubClientsOf(u: User, before: User): void {
    if (u.selectors.some((s) => s.allChannels)) return;
    const upcoming = u.selectors.flatMap((s) => s.channels);
    if (!before.selectors.some((s) => s.allChannels) && before.selectors.every((s) => s.channels.every((ch) => upcoming.includes(ch)))) return;
    for (const c of this.clients.values()) {
      if (c.rules !== u || (c.flags & ClientFlag.PubSub) === 0) continue;
      const lost =
        [...(c.patterns ?? [])].some((p) => !channelInList(upcoming, p, true)) ||
        [...(c.channels ?? []), ...(c.shardChannels ?? [])].some((ch) => !channelInList(upcoming, ch, false));
      if (lost) c.close();
    }
  }

  /** Evicts keys while over maxmemory; false when memory stays over it (the command gets OOM). */
  evict(): boolean {
    return this.evictor.performEvictions();
  }

  private discard2 = new ReplyWriter();
  private discard3 = new ReplyWriter();

  /** A writer whose output is thrown away (CLIENT REPLY OFF|SKIP). */
  discardWriter(resp: 2 | 3): ReplyWriter {
    const w = resp === 3 ? this.discard3 : this.discard2;
    w.resp = resp;
    w.take();
    w.onError = (msg) => this.countError(msg);
    return w;
  }

  /** Re-runs a blocked client's command (see Blocking). */
  retryBlocked(c: Session, argv: string[]): void {
    const cmd = this.commands.resolve(argv);
    if (cmd === undefined || cmd.handler === null) return;
    this.path.call(this, c, cmd, argv);
    this.finishTiming();
  }

  /** Creates a Client for a stream and starts reading from it. */
  attach(stream: Duplex, info: { addr?: string; laddr?: string } = {}, direct = false): Session {
    const c = this.newClient(stream);
    c.addr = info.addr ?? '';
    c.laddr = info.laddr ?? '';
    const d = this.acl.defaultUser;
    this.logIn(c, d);
    c.authenticated = d.nopass && d.enabled;
    c.parser.authenticated = c.authenticated;
    c.w.onError = (msg) => this.countError(msg);
    this.clients.set(c.id, c);
    this.stats.connectionsReceived++;
    if (!direct) stream.on('data', (chunk: Buffer) => c.onData(chunk));
    stream.on('close', () => c.onClose());
    stream.on('error', () => c.onClose());
    stream.on('end', () => {
      // Half-closed by the peer: finish pending replies, then close.
      if (this.aof.state !== 'off') this.aof.beforeReplies();
      c.flush();
      stream.end();
    });
    return c;
  }

  /** A client with no transport, for internal use (AOF loading, scripts). */
  fakeClient(): Session {
    const c = this.newClient(null);
    c.w.onError = (msg) => this.countError(msg);
    return c;
  }

  /**
   * A client of this server: its \`server\` is this whole server, which is
   * what makes it a Session (the one place that says so).
   */
  private newClient(stream: Duplex | null): Session {
    return new Client(this, stream, this.nextClientId++) as Session;
  }

  get internal(): Session {
    if (this.internalClient === null) this.internalClient = this.fakeClient();
    return this.internalClient;
  }

  private reclaimTimer: NodeJS.Timeout | null = null;
  private lastReclaim = 0;

  /**
   * A full collection soon (at most one a second), so that large buffers
   * just dropped are returned to the system rather than held until V8
   * decides to collect.
   */
  reclaimSoon(): void {
    if (this.reclaimTimer !== null) return;
    const wait = Math.max(0, this.lastReclaim + 1000 - Date.now());
    this.reclaimTimer = setTimeout(() => {
      this.reclaimTimer = null;
      this.lastReclaim = Date.now();
      collectGarbage();
    }, wait);
    this.reclaimTimer.unref();
  }

  /** Signatures of internal errors already logged with their stack. */
  private internalErrorsLogged = new Set<string>();

  /**
   * An exception escaped a command (or another unit of work): logs it (the
   * stack once per distinct fault, at warning level) and returns the error
   * line to reply with.
   */
  internalError(where: string, e: unknown): string {
    this.stats.internalErrors++;
    const err = e instanceof Error ? e : new Error(String(e));
    const desc = `${err.name}: ${err.message}`.replace(/[\r\n]+/g, ' ');
    const short = desc.length > 200 ? desc.slice(0, 200) + '...' : desc;
    const sig = where + '|' + short;
    if (!this.internalErrorsLogged.has(sig) && this.internalErrorsLogged.size < 1000) {
      this.internalErrorsLogged.add(sig);
      this.log.warning(`Internal error in '${where}': ${err.stack ?? desc}`);
    } else {
      this.log.verbose(`Internal error in '${where}': ${short}`);
    }
    return `ERR internal error in '${where}': ${short}`;
  }

  countError(msg: string): void {
    this.stats.errorReplies++;
    const sp = msg.indexOf(' ');
    const code = sp < 0 ? msg : msg.slice(0, sp);
    const m = this.stats.errorsByCode;
    if (m.size >= 128 && !m.has(code)) {
      // Redis stops tracking new error codes beyond 128 of them.
      return;
    }
    m.set(code, (m.get(code) ?? 0) + 1);
  }

  scheduleFlush(c: Client): void {
    this.pendingFlush.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  private flushAll(): void {
    this.finishTiming();
    this.flushScheduled = false;
    // the turn's writes reach the append-only file (and the disk, with appendfsync always) before its replies leave
    if (this.aof.state !== 'off') this.aof.beforeReplies();
    const list = this.pendingFlush;
    this.pendingFlush = [];
    for (const c of list) c.flush();
  }

  unlinkClient(c: Client): void {
    if (!this.clients.delete(c.id)) return;
    // A client that leaves with a large query buffer (a big request it never
    // finished) gives it back now, not at some later collection.
    const held = c.parser.capacity;
    c.parser.clear();
    if (held >= RECLAIM_AFTER_BYTES) this.reclaimSoon();
    this.tracking.disable(c);
    this.clientEviction.forget(c);
    this.monitors.delete(c);
    this.clientPause.forget(c);
    this.watches.unwatchAll(c);
    this.pubsub.unsubscribeAll(c);
    this.blocking.onClientClose(c);
  }

  /**
   * SHUTDOWN's save step: an error reply, or null to go on. Sinew keeps no
   * data on disk yet, so an explicit SAVE fails as a failed save fails in
   * Redis (without save points nothing is saved by default, as in Redis).
   */
  prepareShutdown(save: boolean, nosave: boolean): string | null {
    this.rdb.killBgsave('There is a child saving an .rdb. Killing it!');
    if (!this.aof.shutdown()) return 'ERR Errors trying to SHUTDOWN. Check logs.';
    if ((this.rdb.savePoints().length > 0 && !nosave) || save) {
      this.log.notice('Saving the final RDB snapshot before exiting.');
      if (this.rdb.saveSync() !== null) {
        this.log.warning("Error trying to save the DB, can't exit.");
        return 'ERR Errors trying to SHUTDOWN. Check logs.';
      }
    }
    return null;
  }

  resetStats(): void {
    this.stats = newStats();
    Object.assign(this.acl.denied, { auth: 0, command: 0, key: 0, channel: 0 });
    this.keyspace.hits = 0;
    this.keyspace.misses = 0;
    this.keyspace.expiredKeys = 0;
    this.keyspace.expiredStalePerc = 0;
    this.keyspace.expireCycleCpuMs = 0;
    for (const cmd of this.commands.all) {
      const list = cmd.subcommands === null ? [cmd] : [cmd, ...cmd.subcommands.values()];
      for (const x of list) {
        x.calls = 0;
        x.usec = 0;
        x.rejectedCalls = 0;
        x.failedCalls = 0;
      }
    }
  }

  // ---- lifecycle ----

  /** Re-reads settings that objects copied at construction (after a config file was applied). */
  reconfigure(): void {
    this.log.setLevel(this.config.get('loglevel'));
    this.log.file = this.config.get('logfile');
    const n = this.config.getInt('databases');
    if (n !== this.keyspace.dbs.length) {
      const ks = new Keyspace(n, this.keyspace.clock);
      ks.onExpired = this.keyspace.onExpired;
      (this as { keyspace: Keyspace }).keyspace = ks;
      this.notifier.install();
    }
    this.evictor.configure();
  }

  /** Starts listening. */
  async startup(): Promise<void> {
    this.loadUsers();
    await this.listen();
    if (this.loadOnStart) await this.loadData();
  }

  /**
   * ACLLoadUsersAtStartup: the users of the config file's `user` lines, or
   * of the ACL file (not both). Throws, after logging Redis's lines, when
   * they cannot be loaded (the server must not start).
   */
  loadUsers(): void {
    const file = this.config.get('aclfile');
    const fail = (line: string): never => {
      this.log.warning(line);
      throw new Error(line);
    };
    if (file !== '' && this.acl.configuredUsers > 0) {
      fail(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      );
    }
    if (!this.acl.loadConfigured()) fail('Critical error while loading ACLs. Exiting.');
    if (file !== '') {
      const errors = this.acl.loadFile(file);
      if (errors !== null) fail(`Aborting Redis startup because of ACL errors: ${errors}`);
    }
  }

  /**
   * Loads the dataset at start-up (loadDataFromDisk): the append-only file
   * when appendonly is yes (then the RDB file is not read), else dir/dbfilename.
   */
  async loadData(): Promise<void> {
    if (this.config.getBool('appendonly')) await this.aof.start();
    else await this.rdb.loadFile();
  }

  // ---- the append-only file's needs ----

  replay(argv: string[]): boolean {
    if (this.aofClient === null) this.aofClient = this.fakeClient();
    return this.path.replay(this, this.aofClient, argv);
  }

  resetReplay(): void {
    this.aofClient = null;
  }

  get inExec(): boolean {
    return this.callDepth > 1;
  }

  fatal(message: string): never {
    this.log.warning(message);
    return this.onFatal(message);
  }

  /** Opens the listeners and starts the cron. */
  async listen(): Promise<void> {
    await this.net.open();
    this.port = this.net.port;
    this.host = this.net.host;
    this.startCron();
    this.startupMemory = this.usedMemory();
  }

  /** Protected mode's decision for a peer address (see listeners.ts). */
  refusedByProtectedMode(remoteAddress: string): boolean {
    return refusedByProtectedMode(this.config, this.acl.defaultUser.nopass, remoteAddress);
  }

  /** Starts (or restarts, at the configured hz) the periodic work. */
  startCron(): void {
    this.periodic.start();
  }

  /** One round of the periodic work (tests call it with the timer out of the way). */
  cron(): void {
    this.periodic.run();
  }

  get cronLoops(): number {
    return this.periodic.loops;
  }

  /** DEBUG PAUSE-CRON. */
  get cronPaused(): boolean {
    return this.periodic.paused;
  }

  set cronPaused(on: boolean) {
    this.periodic.paused = on;
  }

  get instantaneousOps(): number {
    return this.periodic.instantaneousOps;
  }

  /** Stops listening and closes every client. */
  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.periodic.stop();
    this.clientPause.stop();
    if (this.reclaimTimer !== null) clearTimeout(this.reclaimTimer);
    this.blocking.shutdown();
    this.evictor.stop();
    this.aof.close();
    const closing = this.net.close();
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.close();
    }
    await Promise.all(closing);
    this.onShutdown?.();
  }

  /** Resolves a command by its full name ("get", "config|get"). */
  command(fullname: string): Command | undefined {
    return this.commands.lookupFull(fullname);
  }

  /** INFO used_memory: the evictor's estimate of live memory (the figure compared with maxmemory). */
  usedMemory(): number {
    return this.evictor.usedMemory(true);
  }

  /** The highest used memory seen (sampled by the cron and whenever memory is read). */
  private peakMemory = 0;

  samplePeakMemory(used = this.usedMemory()): number {
    if (used > this.peakMemory) this.peakMemory = used;
    return this.peakMemory;
  }
}
