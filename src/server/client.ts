/**
 * One client connection: its state (id, name, db, protocol, auth, MULTI
 * queue, watched keys, subscriptions, blocking, tracking), the request
 * parser it feeds, and the reply writer whose bytes go out once per
 * event-loop turn. The transport is any Duplex stream (a TCP or TLS socket,
 * a Unix socket, or an in-memory pair in tests).
 */
import type { Duplex } from 'node:stream';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { RespParser, ProtocolError } from '../protocol/parser.js';
import { ReplyWriter } from '../protocol/writer.js';
import type { Database } from '../keyspace/database.js';
import type { Command } from '../command/table.js';
import { Target, type Effects } from '../command/effects.js';
import type { Config } from '../config/config.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { Logger } from './log.js';
import type { Stats } from './stats.js';
import { UNRESTRICTED, type AccessRules } from '../command/permissions.js';

/** Client eviction as a connection sees it: told of its memory as it changes (see client-eviction.ts). */
export interface MemoryWatch {
  readonly active: boolean;
  update(c: Client): void;
  /** Updates, then evicts while over the limit: true when this client was closed. */
  updateAndCheck(c: Client): boolean;
  updateAfterWrite(c: Client): void;
}

/**
 * What a connection needs of the server that runs it: its settings, the
 * command path for what it reads, and a place to report. The server
 * implements it; command handlers see the whole server (server.ts `Session`).
 */
export interface ClientHost {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly log: Logger;
  readonly stats: Stats;
  readonly effects: Effects;
  readonly clientEviction: MemoryWatch;
  /** Runs one command the client sent. */
  dispatch(c: Client, argv: string[]): void;
  /** Closes the timing of the last command of a batch. */
  finishTiming(): void;
  /** Logs a fault and returns the error line to reply with. */
  internalError(where: string, e: unknown): string;
  /** Writes the client's replies at the end of this event-loop turn. */
  scheduleFlush(c: Client): void;
  /** Forgets a client that went away. */
  unlinkClient(c: Client): void;
}

export const enum ClientFlag {
  Multi = 1 << 0,
  DirtyCAS = 1 << 1,
  DirtyExec = 1 << 2,
  CloseAfterReply = 1 << 3,
  Blocked = 1 << 4,
  PubSub = 1 << 5,
  Monitor = 1 << 6,
  NoEvict = 1 << 7,
  NoTouch = 1 << 8,
  Tracking = 1 << 9,
  Closed = 1 << 10,
  /** Internal clients (AOF loading, scripting) never touch sockets. */
  Fake = 1 << 11,
  ReadOnly = 1 << 12,
}

export interface QueuedCommand {
  cmd: Command;
  argv: string[];
}

/** Output-buffer soft limit tracking. */
interface SoftLimitState {
  since: number;
}

/**
 * What a client's memory figure (CLIENT LIST tot-mem, the figure client
 * eviction compares with maxmemory-clients) adds for its fixed parts and per
 * entry of its structures: estimates of what the JS objects take.
 */
const CLIENT_BASE_BYTES = 1024;
const POINTER_BYTES = 8;
/** One queued MULTI command (its QueuedCommand object), on top of its arguments. */
const QUEUED_COMMAND_BYTES = 24;
/** One WATCHed key (the key string is the keyspace's, not counted). */
const WATCHED_KEY_BYTES = 40;
/** One channel, pattern or shard channel in the client's sets. */
const SUBSCRIPTION_BYTES = 32;
/** One BCAST tracking prefix. */
const TRACKING_PREFIX_BYTES = 32;

/** Bytes of the arguments themselves (Redis's argv_len_sum). */
export function argvBytes(argv: readonly string[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

/** The command states its effects itself (see Client.alsoPropagate). */
export const NO_PROPAGATION: string[] = [];

export class Client {
  readonly id: number;
  readonly server: ClientHost;
  readonly stream: Duplex | null;
  readonly parser = new RespParser();
  w = new ReplyWriter();
  flags = 0;
  db: Database;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  /** The permissions of `user`, resolved when the client logs in (the permission check reads them per command). */
  rules: AccessRules = UNRESTRICTED;
  authenticated = true;
  /** "ip:port" of the peer, "laddr" of the local side. */
  addr = '';
  laddr = '';
  fd = -1;
  readonly ctime: number;
  lastInteraction: number;
  /** The command being executed and its arguments. */
  cmd: Command | null = null;
  /** Input bytes consumed by the parser up to the last command, and that command's frame size. */
  private consumedMark = 0;
  frameBytes = 0;
  /** The most reply bytes held at once since the cron last reset it (CLIENT LIST rbp). */
  replyPeak = 0;
  lastCmd: Command | null = null;
  argv: string[] = [];
  /**
   * Set by a handler whose effect must be propagated in another form
   * (EXPIRE as PEXPIREAT, ...); NO_PROPAGATION when the handler stated its
   * effects itself with alsoPropagate (SPOP with a count: one SREM each).
   */
  propagateArgv: string[] | null = null;

  /** The running command's effect, in this form instead of as it was sent (EXPIRE as PEXPIREAT, ...). */
  propagateAs(argv: string[]): void {
    this.propagateArgv = argv;
  }

  /** The running command changed nothing that replays (SPOP's count when nothing consumes effects, ...). */
  propagateNothing(): void {
    this.propagateArgv = NO_PROPAGATION;
  }

  /**
   * Adds an effect of the running command (Redis's alsoPropagate), for the
   * AOF and replicas or only one of them; the command's own form is then
   * not propagated.
   */
  alsoPropagate(argv: string[], target: number = Target.ALL): void {
    this.propagateArgv = NO_PROPAGATION;
    this.server.effects.also(this.db.id, argv, target);
  }
  /** MULTI queue. */
  mstate: QueuedCommand[] | null = null;
  /** Keys watched by WATCH: "<db>\0<key>" entries. */
  watched: { db: Database; key: string }[] | null = null;
  /** Pub/Sub: channel and pattern subscriptions. */
  channels: Set<string> | null = null;
  patterns: Set<string> | null = null;
  shardChannels: Set<string> | null = null;
  /** CLIENT REPLY: 'on' | 'off' | 'skip'. */
  replyMode: 'on' | 'off' | 'skip' | 'skipnext' = 'on';
  /** The real writer while replies are being discarded. */
  realWriter: ReplyWriter | null = null;
  /** Commands processed (for CLIENT LIST's cmd and stats). */
  commandsProcessed = 0;
  /** Blocking state, owned by the blocking module. */
  blockState: unknown = null;
  /** The command a CLIENT PAUSE holds back, run when the pause ends. */
  postponed: string[] | null = null;
  /** Client-side caching state, owned by the tracking module. */
  trackingState: unknown = null;
  softLimit: SoftLimitState | null = null;
  private paused = false;
  private flushPending = false;
  /** Total bytes received (for INFO stats / CLIENT LIST tot-net-in). */
  netIn = 0;
  netOut = 0;

  /** This client's memory as client eviction last counted it in its total (see ClientEviction). */
  evictionFigure = 0;
  /** The MULTI queue's bytes, counted as commands are queued (see multiMemory). */
  private multiCounted: QueuedCommand[] | null = null;
  private multiCountedLen = 0;
  private multiCountedBytes = 0;

  /**
   * True for a TCP or unix socket, whose writes copy into the kernel (see
   * flush). Not for TLS: its writes complete asynchronously, so a view would
   * cost a fresh reply buffer per flush; the bytes are copied out instead.
   */
  private readonly socketWrite: boolean;

  constructor(server: ClientHost, stream: Duplex | null, id: number) {
    this.server = server;
    this.stream = stream;
    this.socketWrite = stream instanceof Socket && !(stream instanceof TLSSocket);
    this.id = id;
    this.db = server.keyspace.dbs[0];
    this.ctime = Date.now();
    this.lastInteraction = this.ctime;
    this.parser.maxBulkLen = server.config.protoMaxBulkLen;
    if (stream === null) this.flags |= ClientFlag.Fake;
  }

  get resp(): 2 | 3 {
    return this.w.resp;
  }

  set resp(v: 2 | 3) {
    this.w.resp = v;
  }

  get dbIndex(): number {
    return this.db.id;
  }

  has(flag: ClientFlag): boolean {
    return (this.flags & flag) !== 0;
  }

  /** Bytes arrived from the transport. */
  onData(chunk: Buffer): void {
    if ((this.flags & ClientFlag.Closed) !== 0) return;
    this.netIn += chunk.length;
    this.server.stats.netInputBytes += chunk.length;
    this.lastInteraction = Date.now();
    this.parser.feed(chunk);
    if (this.parser.pending > this.server.config.clientQueryBufferLimit) {
      this.server.log.warning(`Closing client that reached max query buffer length: ${this.describe()} (qbuf initial bytes: ...)`);
      this.server.stats.clientQbufLimitDisconnections++;
      this.close();
      return;
    }
    // Client eviction looks at the grown query buffer before any command of it runs.
    if (this.server.clientEviction.active && this.server.clientEviction.updateAndCheck(this)) return;
    this.processInput();
    this.schedule();
  }

  /** Runs every complete command in the query buffer, unless blocked or paused. */
  processInput(): void {
    const server = this.server;
    // A command ran since client eviction last looked at this client.
    let ran = false;
    while ((this.flags & (ClientFlag.Blocked | ClientFlag.CloseAfterReply | ClientFlag.Closed)) === 0) {
      let argv: string[] | null;
      try {
        argv = this.parser.next();
      } catch (e) {
        if (e instanceof ProtocolError) {
          this.protocolError(e.message);
          break;
        }
        throw e;
      }
      if (argv === null) break;
      // With maxmemory-clients set, between pipelined commands (once the
      // parser let go of the previous frame), as Redis checks before each
      // command: the client may be evicted, this command unrun.
      if (ran) {
        ran = false;
        if (server.clientEviction.active && this.afterCommandEviction()) break;
      }
      // The bytes this command took in the query buffer (CLIENT LIST qbuf while it runs).
      const consumed = this.netIn - this.parser.pending;
      this.frameBytes = consumed - this.consumedMark;
      this.consumedMark = consumed;
      try {
        server.dispatch(this, argv);
      } catch (e) {
        // Last resort for faults outside a handler (checks before the call):
        // this command gets an error reply, the server goes on.
        this.w.error(server.internalError(argv[0].length > 64 ? argv[0].slice(0, 64) : argv[0], e));
      }
      ran = true;
    }
    // After the last command the figure is updated, and the limit enforced
    // once its replies are written (see flush), as Redis does before it sleeps.
    if (ran && server.clientEviction.active) this.afterCommandEviction(false);
    server.finishTiming();
  }

  /**
   * Client eviction after a command: a client whose replies went past its
   * output-buffer limit is closed for that first (Redis enforces the limit
   * as replies are added, so it takes precedence), then the client's figure,
   * new replies included, is re-read and, with `enforce`, the limit
   * enforced. Returns true when this client was closed.
   */
  private afterCommandEviction(enforce = true): boolean {
    if ((this.flags & ClientFlag.Closed) !== 0) return true;
    if (this.w.length > 0 && this.checkOutputLimits()) return true;
    if (!enforce) {
      this.server.clientEviction.update(this);
      return false;
    }
    return this.server.clientEviction.updateAndCheck(this);
  }

  /** Closes once the replies already made are written, running nothing more (a client whose user was deleted). */
  closeAfterCommand(): void {
    this.flags |= ClientFlag.CloseAfterReply;
    this.schedule();
  }

  private protocolError(msg: string): void {
    this.server.log.verbose(`Protocol error (${msg}) from client: ${this.describe()}`);
    this.w.error('ERR ' + msg);
    this.flags |= ClientFlag.CloseAfterReply;
    this.parser.clear();
  }

  /**
   * Marks this client as having replies to send; they go out at the end of
   * the current turn (for replies caused by other clients: pub/sub messages,
   * unblocking, invalidations).
   */
  schedule(): void {
    // Replies caused by others (messages, invalidations) count at once; the
    // next check (after the command that caused them, or the flush) decides.
    if (this.server.clientEviction.active) this.server.clientEviction.update(this);
    if (this.flushPending || this.stream === null) return;
    this.flushPending = true;
    this.server.scheduleFlush(this);
  }

  /** Writes everything pending to the transport, in one go. */
  flush(): void {
    this.flushPending = false;
    const n = this.w.length;
    if (n > this.replyPeak) this.replyPeak = n;
    const stream = this.stream;
    if (stream === null || (this.flags & ClientFlag.Closed) !== 0) return;
    // A TCP socket writes what it can at once (into the kernel): when the
    // whole reply went out synchronously, the reply buffer is reused without
    // a copy; otherwise the socket keeps the view and a new buffer starts.
    const view = this.socketWrite ? this.w.view() : null;
    if (view !== null) {
      this.netOut += view.length;
      stream.write(view);
      this.w.settle(stream.writableLength === 0);
      if (this.checkOutputLimits()) return;
    }
    const bufs = view === null ? this.w.take() : null;
    if (bufs !== null) {
      if (bufs.length === 1) {
        this.netOut += bufs[0].length;
        stream.write(bufs[0]);
      } else {
        stream.cork();
        for (const b of bufs) {
          this.netOut += b.length;
          stream.write(b);
        }
        stream.uncork();
      }
      if (this.checkOutputLimits()) return;
    }
    if ((this.flags & ClientFlag.CloseAfterReply) !== 0) {
      this.flags |= ClientFlag.Closed;
      stream.end();
      this.server.unlinkClient(this);
      return;
    }
    // What the socket did not take yet still counts; the limit is enforced
    // once this round of writes is done (a client's replies go out first).
    if (this.server.clientEviction.active) this.server.clientEviction.updateAfterWrite(this);
    // A client that does not read its replies stops being read from.
    if (!this.paused && stream.writableLength > 4 * 1024 * 1024 && !this.has(ClientFlag.PubSub)) {
      this.paused = true;
      stream.pause();
      stream.once('drain', () => {
        this.paused = false;
        if ((this.flags & ClientFlag.Closed) === 0) stream.resume();
      });
    }
  }

  // ---- memory accounting (CLIENT LIST / INFO fields, client eviction) ----

  /** CLIENT LIST qbuf: bytes not yet parsed, plus the running command's own frame (Redis trims after the command). */
  get queryBufferLength(): number {
    return this.parser.pending + (this.cmd !== null ? this.frameBytes : 0);
  }

  /** CLIENT LIST qbuf-free: room the query buffer holds beyond its unparsed bytes. */
  get queryBufferFree(): number {
    return Math.max(0, this.parser.capacity - this.parser.pending);
  }

  /** The arguments the client holds: those of the command it runs, is blocked in or is held back with. */
  get heldArgv(): string[] | null {
    return this.cmd !== null ? this.argv : this.postponed ?? (this.blockState as { argv?: string[] } | null)?.argv ?? null;
  }

  /** CLIENT LIST argv-mem: the held arguments' bytes, and those of a command still arriving. */
  get argvMemory(): number {
    const held = this.heldArgv;
    return (held === null ? 0 : argvBytes(held)) + this.parser.partialArgBytes;
  }

  /** CLIENT LIST multi-mem: queued arguments and their pointers, as Redis counts them; O(1) per queued command. */
  get multiMemory(): number {
    const q = this.mstate;
    if (q === null) return 0;
    if (q !== this.multiCounted || q.length < this.multiCountedLen) {
      this.multiCounted = q;
      this.multiCountedLen = 0;
      this.multiCountedBytes = 0;
    }
    for (let i = this.multiCountedLen; i < q.length; i++) {
      const argv = q[i].argv;
      this.multiCountedBytes += argvBytes(argv) + POINTER_BYTES * argv.length;
    }
    this.multiCountedLen = q.length;
    return this.multiCountedBytes;
  }

  /**
   * CLIENT LIST omem: reply bytes held beyond the reply buffer (big bulks
   * not yet written) and those the socket has not sent yet.
   */
  get outputMemory(): number {
    return this.w.heldOutside + (this.stream?.writableLength ?? 0);
  }

  /**
   * CLIENT LIST tot-mem, the figure client eviction compares with
   * maxmemory-clients (as Redis's getClientMemoryUsage): query buffer,
   * arguments, MULTI queue, reply buffer and pending output, the
   * WATCH, pub/sub and tracking-prefix entries, and a fixed part.
   */
  memoryUsage(): number {
    const held = this.heldArgv;
    let mem = CLIENT_BASE_BYTES + this.queryBufferLength + this.queryBufferFree + this.argvMemory + this.w.capacity + this.outputMemory;
    if (held !== null) mem += POINTER_BYTES * held.length;
    if (this.mstate !== null) mem += this.multiMemory + QUEUED_COMMAND_BYTES * this.mstate.length;
    if (this.watched !== null) mem += WATCHED_KEY_BYTES * this.watched.length;
    const subs = (this.channels?.size ?? 0) + (this.patterns?.size ?? 0) + (this.shardChannels?.size ?? 0);
    mem += SUBSCRIPTION_BYTES * subs;
    const prefixes = (this.trackingState as { prefixes?: Set<string> } | null)?.prefixes;
    if (prefixes !== undefined) mem += TRACKING_PREFIX_BYTES * prefixes.size;
    return mem;
  }

  /** Bytes queued for the client and not yet written to the socket. */
  get outputLength(): number {
    return this.w.length + (this.stream?.writableLength ?? 0);
  }

  /** Applies client-output-buffer-limit; returns true when the client was closed. */
  checkOutputLimits(): boolean {
    const cls = this.has(ClientFlag.PubSub) ? 'pubsub' : 'normal';
    const lim = this.server.config.outputLimits[cls];
    if (lim.hard === 0 && lim.soft === 0) return false;
    const used = this.outputLength;
    let over = false;
    if (lim.hard !== 0 && used >= lim.hard) over = true;
    if (lim.soft !== 0 && used >= lim.soft) {
      const now = Date.now();
      if (this.softLimit === null) this.softLimit = { since: now };
      else if (now - this.softLimit.since > lim.softSeconds * 1000) over = true;
    } else {
      this.softLimit = null;
    }
    if (over) {
      this.server.log.warning(`Client ${this.describe()} scheduled to be closed ASAP for overcoming of output buffer limits.`);
      this.server.stats.clientOutbufLimitDisconnections++;
      this.close();
      return true;
    }
    return false;
  }

  /** Closes the connection at once (no more replies). */
  close(): void {
    if ((this.flags & ClientFlag.Closed) !== 0) return;
    this.flags |= ClientFlag.Closed;
    if (this.stream !== null) this.stream.destroy();
    this.server.unlinkClient(this);
  }

  /** Transport closed by the peer or failed. */
  onClose(): void {
    if ((this.flags & ClientFlag.Closed) === 0) {
      this.flags |= ClientFlag.Closed;
      this.server.unlinkClient(this);
    }
  }

  /** Resumes command processing after being unblocked or unpaused. */
  resume(): void {
    if ((this.flags & ClientFlag.Closed) !== 0) return;
    this.processInput();
    this.schedule();
  }

  /** A short description for logs. */
  describe(): string {
    return `id=${this.id} addr=${this.addr} laddr=${this.laddr} name=${this.name}`;
  }
}
