/**
 * The single command path. Every command, from a socket, from MULTI/EXEC,
 * from a script or from AOF replay, goes through `dispatch` (checks) and
 * `call` (execution and everything that follows it), so handlers hold only
 * their own logic.
 *
 * dispatch: lookup -> arity -> auth -> ACL -> MULTI queueing -> OOM ->
 *           subscribed-mode (RESP2) -> call
 * call:     clock snapshot -> handler -> stats, slowlog, latency ->
 *           signal for the keys it changed (WATCH, blocked clients, tracking) ->
 *           propagation -> MONITOR feed -> serve blocked clients
 *
 * A command that must wait for something outside the server (MIGRATE
 * talks to another server) suspends its client with `suspend()` and ends
 * later with `Suspended.finish()`, which runs the rest of the command
 * through the same bookkeeping (see the end of this file).
 */
import { Err, argsPreview, cString } from '../protocol/errors.js';
import type { Server, Session, Handler } from '../server/server.js';
import { ClientFlag, NO_PROPAGATION } from '../server/client.js';
import { F, type Command } from '../command/table.js';
import { systemClock } from '../keyspace/keyspace.js';
import { debugAllowed } from './access.js';

const TIME_ORIGIN = performance.timeOrigin;
import { checkPermission, denialMessage } from '../command/permissions.js';
import { clientInfoLine } from '../server/client-info.js';

/** Leaves MULTI: queue dropped, flags cleared, every WATCH removed. */
export function discardTransaction(c: Session): void {
  c.mstate = null;
  c.flags &= ~(ClientFlag.Multi | ClientFlag.DirtyCAS | ClientFlag.DirtyExec);
  c.server.watches.unwatchAll(c);
}

/**
 * EXEC refused before it ran (arity, auth, ACL, OOM, subscribed context):
 * Redis discards the transaction and replies EXECABORT with the reason.
 */
function execAbort(c: Session, msg: string): void {
  discardTransaction(c);
  c.w.error('EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg));
}

/** Commands a RESP2 client may run while subscribed. */
const PUBSUB_ALLOWED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);
/** Commands that run at once inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** Rejects a command before it runs (counts as rejected, flags a MULTI as failed). */
function reject(server: Server, c: Session, msg: string, cmd: Command<Handler> | null): void {
  if (cmd !== null) cmd.rejectedCalls++;
  if ((c.flags & ClientFlag.Multi) !== 0) c.flags |= ClientFlag.DirtyExec;
  if (cmd !== null && cmd.parent === null && cmd.name === 'exec') execAbort(c, msg);
  else replyWriter(server, c).error(msg);
}

/**
 * The writer for a reply given outside call() (QUEUED, rejections): CLIENT
 * REPLY OFF|SKIP silence it too (errors are still counted), and a SKIP
 * lasts this one command.
 */
function replyWriter(server: Server, c: Session) {
  const mode = c.replyMode;
  if (mode === 'on' || c.realWriter !== null) return c.w;
  if (mode === 'skip') c.replyMode = 'on';
  return server.discardWriter(c.resp);
}

/** A write command, an EXEC of queued writes, or PING: what -MISCONF refuses. */
function deniedByDiskError(c: Session, cmd: Command<Handler>, base: string): boolean {
  if ((cmd.flags & F.write) !== 0 || base === 'ping') return true;
  if (base === 'exec' && c.mstate !== null) return c.mstate.some((q) => (q.cmd.flags & F.write) !== 0);
  return false;
}

export function dispatch(server: Server, c: Session, argv: string[]): void {
  if (c.trackingState !== null) server.tracking.beforeCommand(c, argv);
  let cmd = server.commands.lookup(argv[0]);
  if (cmd === undefined) {
    const name0 = cString(argv[0]);
    const name = name0.length > 128 ? name0.slice(0, 128) : name0;
    reject(server, c, Err.unknownCommand(name.replace(/[\r\n]/g, ' '), argsPreview(argv)), null);
    return;
  }
  if (cmd.subcommands !== null && argv.length >= 2) {
    const sub = cmd.subcommands.get(argv[1].toLowerCase());
    if (sub === undefined) {
      const name = argv[1].length > 128 ? argv[1].slice(0, 128) : argv[1];
      reject(server, c, Err.unknownSubcommand(name.replace(/[\r\n]/g, ' '), argv[0]), null);
      return;
    }
    cmd = sub;
  }
  // CLIENT LIST's cmd= (and the ACL log's client info) shows the command looked up, even when refused, as Redis's lastcmd
  c.lastCmd = cmd;
  const arity = cmd.arity;
  if ((arity > 0 && arity !== argv.length) || argv.length < -arity) {
    reject(server, c, Err.wrongArity(cmd.fullname), cmd);
    return;
  }
  const flags = cmd.flags;
  if (!c.authenticated && (flags & F.no_auth) === 0 && server.authRequired()) {
    reject(server, c, Err.noAuth, cmd);
    return;
  }
  const base = cmd.parent ?? cmd;
  if (base.name === 'debug' && !debugAllowed(c)) {
    reject(server, c, 'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.', cmd);
    return;
  }
  const rules = c.rules;
  if (!rules.unrestricted) {
    const denied = checkPermission(rules, cmd, argv, (c.flags & ClientFlag.Multi) !== 0 ? 'multi' : 'toplevel');
    if (denied !== null) {
      server.acl.addLog(denied.reason, denied.context, denied.object, denied.username, clientInfoLine(c));
      reject(server, c, denialMessage(denied), cmd);
      return;
    }
  }
  const cflags = c.flags;
  if ((cflags & ClientFlag.Multi) !== 0 && !MULTI_IMMEDIATE.has(cmd.parent?.name ?? cmd.name)) {
    if ((flags & F.no_multi) !== 0) {
      reject(server, c, 'ERR Command not allowed inside a transaction', cmd);
      return;
    }
  }
  // maxmemory: keys are evicted before any command (processCommand's performEvictions); only
  // commands that may grow memory are refused when that is not enough, and anything queued in MULTI
  // (a command that cannot be refused evicts only when memory was over the limit when last measured)
  if (server.config.maxmemory !== 0 && server.callDepth === 0) {
    const name = cmd.parent?.name ?? cmd.name;
    let refuse = (flags & F.denyoom) !== 0;
    if (name === 'exec' && c.mstate !== null) refuse = c.mstate.some((q) => (q.cmd.flags & F.denyoom) !== 0);
    else if ((cflags & ClientFlag.Multi) !== 0 && name !== 'exec' && name !== 'discard' && name !== 'quit' && name !== 'reset') refuse = true;
    if ((refuse || server.evictor.overLimit) && !server.evict() && refuse) {
      reject(server, c, Err.oom, cmd);
      return;
    }
  }
  const rdb = server.rdb;
  // stop-writes-on-bgsave-error: writes (and PING, as Redis) are refused while the last BGSAVE failed
  if (!rdb.lastBgsaveOk && server.callDepth === 0 && rdb.writesDenied && deniedByDiskError(c, cmd, base.name)) {
    reject(server, c, Err.bgsaveError, cmd);
    return;
  }
  // a failed append-only file write or fsync refuses writes until it succeeds again
  if (server.aof.state !== 'off' && server.callDepth === 0) {
    const aofErr = server.aof.writeError;
    if (aofErr !== null && deniedByDiskError(c, cmd, base.name)) {
      reject(server, c, `MISCONF Errors writing to the AOF file: ${aofErr}`, cmd);
      return;
    }
  }
  if ((cflags & ClientFlag.PubSub) !== 0 && c.resp === 2 && !PUBSUB_ALLOWED.has(cmd.parent?.name ?? cmd.name)) {
    reject(server, c, Err.pubsubContext(cmd.fullname), cmd);
    return;
  }
  if (rdb.loading && (flags & F.loading) === 0) {
    reject(server, c, Err.loading, cmd);
    return;
  }
  // CLIENT PAUSE: decided from what the command is, after every other check
  // (as Redis's processCommand); the client waits with its command.
  const pause = server.clientPause;
  if (pause.until !== 0 && pause.holds(c, cmd, argv)) {
    pause.hold(c, argv);
    return;
  }
  if ((cflags & ClientFlag.Multi) !== 0 && !MULTI_IMMEDIATE.has(cmd.parent?.name ?? cmd.name)) {
    c.mstate!.push({ cmd, argv });
    c.lastCmd = cmd; // CLIENT LIST shows the last command queued, as Redis
    replyWriter(server, c).simple('QUEUED');
    return;
  }
  call(server, c, cmd, argv);
  c.commandsProcessed++;
}

/**
 * Runs a command that passed every check. Nested calls (EXEC, scripts)
 * share the outer command's clock and defer the blocked-client wake-up to
 * the outermost call.
 */
export function call(server: Server, c: Session, cmd: Command<Handler>, argv: string[]): void {
  const ks = server.keyspace;
  // One clock read serves both the command's time snapshot and its duration.
  const t0 = performance.now();
  if (server.timing.cmd !== null) finishTiming(server, t0);
  if (server.callDepth === 0) {
    ks.now = ks.clock === systemClock ? Math.floor(TIME_ORIGIN + t0) : ks.clock.now();
    ks.noTouch = (c.flags & ClientFlag.NoTouch) !== 0 && cmd.name !== 'touch';
    server.tracking.current = c;
  }
  server.callDepth++;
  const dirty0 = server.dirty;
  const err0 = server.stats.errorReplies;
  const prevCmd = c.cmd;
  const prevArgv = c.argv;
  c.cmd = cmd;
  c.argv = argv;
  c.propagateArgv = null;
  // The keys this command changes are noted by Server.modified after this mark.
  const changedMark = server.keysToSignal;
  const mode = c.replyMode;
  // Nested calls (EXEC) run inside the outer command's muting.
  const mute = (mode === 'off' || mode === 'skip') && c.realWriter === null;
  if (mute) {
    c.realWriter = c.w;
    c.w = server.discardWriter(c.resp);
  }
  const mark = c.w.length;
  let failed = false;
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    // A fault in a handler costs this command an error reply, never the
    // process: what it had begun to reply is dropped.
    failed = true;
    c.w.truncate(mark);
    c.w.error(server.internalError(cmd.fullname, e));
  } finally {
    if (mute) {
      c.w = c.realWriter!;
      c.realWriter = null;
    }
    server.callDepth--;
    if (mute || server.callDepth === 0) {
      const after = c.replyMode;
      if (after === 'skipnext') c.replyMode = 'skip';
      else if (mode === 'skip' && after === 'skip') c.replyMode = 'on';
    }
  }
  // A blocked command is one call: counted when it first runs; when it is
  // served, its time is added and the slowlog sees both parts together.
  const served = server.blocking.retrying === c;
  if (!served) {
    cmd.calls++;
    server.stats.commandsProcessed++;
  }
  if (server.stats.errorReplies !== err0) cmd.failedCalls++;
  // (A served client still carries the blocked flag until the path unblocks it.)
  const blockedNow = served ? server.blocking.stillBlocked : (c.flags & ClientFlag.Blocked) !== 0;
  if (!blockedNow) {
    const timing = server.timing;
    const prior = served ? server.blocking.firstRunUs(c) : 0;
    const sent = served ? (server.blocking.sentArgv(c) ?? argv) : argv;
    if (server.callDepth === 0) {
      // The duration is closed by the next clock read: the next command's
      // start, or the end of this batch of input (see finishTiming).
      timing.cmd = cmd;
      timing.client = c;
      timing.argv = sent; // the slowlog shows what the client sent, as Redis
      timing.t0 = t0;
      timing.priorUs = prior;
    } else {
      recordDuration(server, cmd, c, sent, (performance.now() - t0) * 1000, prior);
    }
  } else if (!served) {
    // Just blocked: its time so far counts now; the rest when it is served.
    const us = (performance.now() - t0) * 1000;
    cmd.usec += us;
    const pending = suspendedCommands.get(c);
    if (pending === undefined) server.blocking.setFirstRunUs(c, us);
    else if (failed) pending.cancel(); // the handler faulted after suspending: its error reply ends the command
    else pending.firstRunUs = us;
  }
  // WATCH, blocked clients and tracking hear of exactly the keys the command changed (a failed one too).
  if (server.keysToSignal > changedMark) server.signalModifiedKeys(changedMark);
  // The command's own effect, in the form its handler gave (EXEC and
  // scripts propagate what they ran instead; a command that failed midway
  // has no known effect to replay).
  if (server.dirty > dirty0 && (cmd.flags & F.write) !== 0 && server.effects.active && !failed && c.propagateArgv !== NO_PROPAGATION) {
    server.effects.also(c.db.id, c.propagateArgv ?? argv);
  }
  if ((cmd.flags & F.readonly) !== 0 && server.tracking.trackingClients > 0) server.tracking.rememberRead(c, cmd, argv);
  // (A blocked command reached MONITOR when it first ran; serving it later shows nothing, as Redis.)
  if (server.monitors.size > 0 && !served && (cmd.flags & (F.admin | F.skip_monitor)) === 0) {
    server.monitors.feed(c, argv);
  }
  c.lastCmd = cmd;
  c.cmd = prevCmd;
  c.argv = prevArgv;
  // The outermost call emits what it and its nested calls collected (before invalidations, as Redis).
  if (server.callDepth === 0 && server.effects.pending > 0) server.effects.flush();
  if (server.callDepth === 0) server.tracking.afterCommand();
  if (server.callDepth === 0 && server.blocking.hasReady) server.blocking.handleReady();
}


/** Closes the pending command timing (end of a batch, or before the next command). */
export function finishTiming(server: Server, now = performance.now()): void {
  const t = server.timing;
  const cmd = t.cmd;
  if (cmd === null) return;
  t.cmd = null;
  const c = t.client!;
  const argv = t.argv!;
  t.client = null;
  t.argv = null;
  recordDuration(server, cmd, c, argv, (now - t.t0) * 1000, t.priorUs);
}

/**
 * Command statistics, slowlog and latency monitor for one finished call.
 * `priorUs`: for a blocked command being served, the time of its first run
 * (already in the statistics); the slowlog and latency see the sum.
 */
function recordDuration(server: Server, cmd: Command<Handler>, c: Session, argv: string[], runUs: number, priorUs = 0): void {
  cmd.usec += runUs;
  const us = runUs + priorUs;
  server.latency.commands.record(cmd.fullname, us);
  const cfg = server.config;
  if ((cmd.flags & F.skip_slowlog) === 0 && cfg.slowlogSlowerThan >= 0 && us >= cfg.slowlogSlowerThan) {
    server.slowlog.add(argv, us, c.addr, c.name, cfg.slowlogMaxLen);
  }
  if (cfg.latencyThreshold > 0 && us / 1000 >= cfg.latencyThreshold) {
    server.latency.add((cmd.flags & F.fast) !== 0 ? 'fast-command' : 'command', Math.floor(us / 1000));
  }
}

// ---- Commands that finish asynchronously ----------------------------------
//
// Redis runs MIGRATE with blocking socket calls: the whole server waits.
// Sinew must not block its event loop, so such a command suspends only its
// own client:
//
//   handler(c, argv):  if (!canSuspend(c)) return c.w.error(...);
//                      const p = suspend(c);           // client waits
//                      somethingAsync().then(() => p.finish((c) => { ...reply, write keys... }));
//
// While suspended the client carries ClientFlag.Blocked without keys (CLIENT
// LIST shows "b"; it is not among INFO's blocked_clients, which count
// clients waiting on keys or a pause): its further input stays in the query
// buffer and other clients are served. `finish` runs the completion as the
// rest of the same command: at the top level, with the command's name and
// arguments, its reply written through the client's writer (or dropped,
// under CLIENT REPLY OFF|SKIP, or when the client went away), the keys it
// changed signalled (WATCH, tracking, blocked clients), its effect
// propagated as the completion states it (propagateAs / alsoPropagate, or
// its own argv when it wrote without saying), its time added to the
// command's statistics and the slowlog (the time it ran, not the time it
// waited, as for commands blocked on keys), and then the client's pending
// input is processed. A completion runs even when the client is gone, so
// that the effects of work already done elsewhere are not lost.

/** A suspended command (see suspend()). */
export interface Suspended {
  /** True once the client went away (the completion still runs; its reply is dropped). */
  readonly gone: boolean;
  /** Ends the command: runs `complete` as its rest (once; later calls are ignored). */
  finish(complete: (c: Session) => void): void;
}

class SuspendedCommand implements Suspended {
  /** Microseconds the command took when it first ran. */
  firstRunUs = 0;
  private done = false;

  constructor(
    private readonly server: Server,
    private readonly c: Session,
    private readonly cmd: Command<Handler>,
    private readonly argv: string[],
    /** The first part ran under CLIENT REPLY OFF|SKIP: the reply is discarded. */
    private readonly mute: boolean,
  ) {}

  get gone(): boolean {
    return (this.c.flags & ClientFlag.Closed) !== 0;
  }

  /** The handler failed after suspending: the client goes on, nothing more is done. */
  cancel(): void {
    this.done = true;
    suspendedCommands.delete(this.c);
    this.c.flags &= ~ClientFlag.Blocked;
  }

  finish(complete: (c: Session) => void): void {
    if (this.done) return;
    const server = this.server;
    // Called from within a command (the handler itself): end once it returned.
    if (server.callDepth !== 0) {
      queueMicrotask(() => this.finish(complete));
      return;
    }
    this.done = true;
    const c = this.c;
    const cmd = this.cmd;
    const argv = this.argv;
    suspendedCommands.delete(c);
    const ks = server.keyspace;
    const t0 = performance.now();
    if (server.timing.cmd !== null) finishTiming(server, t0);
    ks.now = ks.clock === systemClock ? Math.floor(TIME_ORIGIN + t0) : ks.clock.now();
    ks.noTouch = (c.flags & ClientFlag.NoTouch) !== 0;
    server.tracking.current = c;
    server.callDepth++;
    const dirty0 = server.dirty;
    const err0 = server.stats.errorReplies;
    const prevCmd = c.cmd;
    const prevArgv = c.argv;
    c.cmd = cmd;
    c.argv = argv;
    c.propagateArgv = null;
    const changedMark = server.keysToSignal;
    const gone = this.gone;
    const mute = (this.mute || gone) && c.realWriter === null;
    if (mute) {
      c.realWriter = c.w;
      c.w = server.discardWriter(c.resp);
    }
    const mark = c.w.length;
    let failed = false;
    try {
      complete(c);
    } catch (e) {
      failed = true;
      c.w.truncate(mark);
      c.w.error(server.internalError(cmd.fullname, e));
    } finally {
      if (mute) {
        c.w = c.realWriter!;
        c.realWriter = null;
      }
      server.callDepth--;
    }
    if (server.stats.errorReplies !== err0) cmd.failedCalls++;
    recordDuration(server, cmd, c, argv, (performance.now() - t0) * 1000, this.firstRunUs);
    if (server.keysToSignal > changedMark) server.signalModifiedKeys(changedMark);
    if (server.dirty > dirty0 && (cmd.flags & F.write) !== 0 && server.effects.active && !failed && c.propagateArgv !== NO_PROPAGATION) {
      server.effects.also(c.db.id, c.propagateArgv ?? argv);
    }
    c.cmd = prevCmd;
    c.argv = prevArgv;
    if (server.effects.pending > 0) server.effects.flush();
    server.tracking.afterCommand();
    if (server.blocking.hasReady) server.blocking.handleReady();
    c.flags &= ~ClientFlag.Blocked;
    // Its reply goes out, then what it sent meanwhile runs.
    if (!gone) c.resume();
  }
}

/** The suspended command of each waiting client. */
const suspendedCommands = new WeakMap<Session, SuspendedCommand>();

/**
 * Whether the running command may suspend its client: only a command a
 * client sent, run at the top level (not inside MULTI/EXEC, a script, or
 * AOF loading, where nothing can wait).
 */
export function canSuspend(c: Session): boolean {
  return c.server.callDepth === 1 && c.cmd !== null && (c.flags & (ClientFlag.Fake | ClientFlag.Multi)) === 0 && c.server.blocking.retrying !== c && !suspendedCommands.has(c);
}

/**
 * Suspends the running command's client until the returned handle's
 * `finish` is called: nothing else the client sent runs meanwhile, other
 * clients are served. Only where canSuspend() (throws otherwise). The
 * handler returns without replying; the reply is the completion's.
 */
export function suspend(c: Session): Suspended {
  if (!canSuspend(c)) throw new Error('a command can suspend only at the top level of a client');
  const p = new SuspendedCommand(c.server, c, c.cmd as Command<Handler>, c.argv, c.realWriter !== null);
  suspendedCommands.set(c, p);
  c.flags |= ClientFlag.Blocked;
  return p;
}

/**
 * Runs a command read from an append-only file, as Redis's fake AOF client
 * (loadSingleAppendOnlyFile): no checks but the command's existence and
 * arity, commands after MULTI queued until EXEC, replies dropped. False for
 * a command this server does not know (loading stops there).
 */
export function replay(server: Server, c: Session, argv: string[]): boolean {
  let cmd = server.commands.lookup(argv[0]);
  if (cmd === undefined) return false;
  if (cmd.subcommands !== null && argv.length >= 2) {
    const sub = cmd.subcommands.get(argv[1].toLowerCase());
    if (sub === undefined) return false;
    cmd = sub;
  }
  const arity = cmd.arity;
  if ((arity > 0 && arity !== argv.length) || argv.length < -arity) return false;
  if ((c.flags & ClientFlag.Multi) !== 0 && cmd.name !== 'exec' && cmd.name !== 'multi') {
    c.mstate!.push({ cmd, argv });
  } else {
    call(server, c, cmd, argv);
  }
  c.w.truncate(0);
  return true;
}
