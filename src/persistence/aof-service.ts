/**
 * The append-only file as the server runs it (Redis 7.0's multi-part AOF):
 * a directory (`appenddirname`) holding a base file (an RDB image with
 * aof-use-rdb-preamble), incremental files of commands, and the manifest
 * naming them.
 *
 * Writes reach it through the effect stream (Target.AOF): each command in
 * the file's form, with SELECT when the database changes. What one turn of
 * the event loop collected is written before any reply of that turn leaves
 * (the server calls beforeReplies() first), and with `appendfsync always`
 * fsynced too, so an acknowledged write is on disk. With `everysec` the
 * fsync runs in the libuv pool once a second; when one takes long, writes
 * wait up to two seconds and then go ahead (aof_delayed_fsync).
 *
 * BGREWRITEAOF writes a new base from a point-in-time snapshot (the RDB
 * service's background snapshot job) while new writes go to a new
 * incremental file; the manifest switches once the base is complete, and
 * the files it replaced are deleted.
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeSync, close, fsyncSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { Target, type Effects } from '../command/effects.js';
import { AofManifest, ManifestError } from './aof-manifest.js';
import { AofCommandReader, encodeCommand, timestampAnnotation } from './aof-format.js';
import { commandImage } from './aof-rewrite.js';
import type { ImageFormat } from './snapshot.js';
import { RdbLoader } from './rdb-file.js';
import { RdbError } from './rdb-io.js';
import { fsyncDir, unlinkQuietly, writeAll } from './files.js';
import { errnoText } from '../util/errno.js';
import { debugDelay } from './debug-delay.js';
import { errText, type FileSnapshot, type RdbLog, type RdbService } from './rdb-service.js';

/** What the AOF service needs from the server. */
export interface AofHost {
  readonly keyspace: Keyspace;
  readonly config: Config;
  readonly log: RdbLog;
  readonly effects: Effects;
  readonly rdb: RdbService;
  /** Runs a command read from the file (no checks; MULTI queued; replies dropped). False: unknown command. */
  replay(argv: string[]): boolean;
  /** A new client for replaying a file (each file starts with database 0, as Redis's fake client). */
  resetReplay(): void;
  /** True while EXEC runs (a rewrite asked for then is scheduled). */
  readonly inExec: boolean;
  /** The process cannot go on (a write or fsync error under appendfsync always). */
  fatal(message: string): never;
}

/** The server must not start; `logged`: the reason is in the log already (as Redis logs it). */
export class AofError extends Error {
  constructor(
    message: string,
    readonly logged = true,
  ) {
    super(message);
  }
}

type State = 'off' | 'on' | 'wait-rewrite';

/** Outcome of loading one file (loadSingleAppendOnlyFile). */
type LoadResult = 'ok' | 'truncated' | 'empty' | 'not-exist' | 'open-err' | 'failed';

/** Commands replayed between yields to the event loop while loading. */
const LOAD_STEP = 1024;
/** Seconds a write may wait for a slow background fsync (everysec). */
const MAX_POSTPONE_S = 2;
const AOF_REWRITE_LIMIT_THRESHOLD = 3;
const AOF_WRITE_LOG_ERROR_RATE = 30;
const AOF_REWRITE_LIMIT_MAX_MINUTES = 60;

export class AofService {
  state: State = 'off';
  private manifest: AofManifest;
  private fd = -1;
  /** Pending bytes of commands (latin1 strings), written by flush(). */
  private buf: string[] = [];
  private bufLen = 0;
  private unsubscribe: (() => void) | null = null;
  private readonly consume = (argv: string[]): void => this.feed(argv);
  private flushScheduled = false;
  /** DEBUG LOADAOF is replaying the files: what it runs is not appended again. */
  private replaying = false;
  /** Unix seconds of the last timestamp annotation written. */
  private curTimestamp = 0;

  // INFO persistence / stats
  currentSize = 0;
  rewriteBaseSize = 0;
  lastIncrSize = 0;
  lastIncrFsyncOffset = 0;
  lastFsync = 0;
  delayedFsync = 0;
  private fsyncInProgress = 0;
  private postponedStart = 0;
  private lastWriteErrorLog = 0;
  lastWriteOk = true;
  lastWriteErr = '';
  private bgFsyncErr: string | null = null;
  rewriteScheduled = false;
  rewrites = 0;
  consecutiveFailures = 0;
  lastRewriteTimeSec = -1;
  lastBgrewriteOk = true;
  lastCowSize = 0;
  /** The rewrite under way; `rdb`: its base is an RDB image (aof-use-rdb-preamble when it started). */
  private rewriteJob: { job: FileSnapshot; tmp: string; rdb: boolean } | null = null;
  private nextRewriteTime = 0;
  private nextDelayMinutes = 0;

  constructor(private readonly host: AofHost) {
    this.manifest = new AofManifest(host.config.get('appendfilename'));
  }

  // ---- paths -----------------------------------------------------------------

  private dir(): string {
    const d = this.host.config.get('dir');
    return d === '' ? process.cwd() : d;
  }

  private aofDir(): string {
    return join(this.dir(), this.host.config.get('appenddirname'));
  }

  private file(name: string): string {
    return join(this.aofDir(), name);
  }

  get enabled(): boolean {
    return this.state !== 'off';
  }

  get rewriteInProgress(): boolean {
    return this.rewriteJob !== null;
  }

  get currentRewriteSec(): number {
    return this.rewriteJob === null ? -1 : Math.floor((Date.now() - this.rewriteJob.job.start) / 1000);
  }

  get bufferLength(): number {
    return this.bufLen;
  }

  get pendingBioFsync(): number {
    return this.fsyncInProgress;
  }

  /** -MISCONF for writes: the last write or background fsync failed (writeCommandsDeniedByDiskError). */
  get writeError(): string | null {
    if (this.state === 'off') return null;
    if (!this.lastWriteOk) return this.lastWriteErr;
    if (this.bgFsyncErr !== null) return this.bgFsyncErr;
    return null;
  }

  get lastWriteStatusOk(): boolean {
    return this.lastWriteOk && this.bgFsyncErr === null;
  }

  // ---- the write path --------------------------------------------------------

  private subscribe(): void {
    if (this.unsubscribe !== null) return;
    this.unsubscribe = this.host.effects.subscribe(this.consume, Target.AOF);
  }

  /** The next command written is preceded by SELECT (a new file, a rewrite). */
  private forgetSelectedDb(): void {
    this.host.effects.forgetDb(this.consume);
  }

  /** feedAppendOnlyFile: one command of the effect stream (SELECT included). */
  private feed(argv: string[]): void {
    // Written only while on, or while the first rewrite runs (its incremental file takes them).
    if (this.state === 'off' || (this.state === 'wait-rewrite' && this.rewriteJob === null) || this.replaying) return;
    if (this.host.config.getBool('aof-timestamp-enabled')) {
      const now = Math.floor(Date.now() / 1000);
      if (this.curTimestamp < now) {
        this.curTimestamp = now;
        this.push(timestampAnnotation(now));
      }
    }
    this.push(encodeCommand(argv));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.beforeReplies());
    }
  }

  private push(s: string): void {
    this.buf.push(s);
    this.bufLen += s.length;
  }

  /**
   * Called before any reply of this turn is written (the server's
   * beforeSleep): writes what the turn collected, and fsyncs it under
   * appendfsync always.
   */
  beforeReplies(): void {
    this.flushScheduled = false;
    if (this.state !== 'off') this.flush(false);
  }

  /** flushAppendOnlyFile. */
  flush(force: boolean): void {
    if (this.fd < 0) return;
    const policy = this.host.config.get('appendfsync');
    const nowS = Math.floor(Date.now() / 1000);
    if (this.bufLen === 0) {
      // Nothing new, but data written earlier may still need its fsync.
      if (policy === 'everysec' && this.lastIncrFsyncOffset !== this.lastIncrSize && nowS > this.lastFsync && this.fsyncInProgress === 0) {
        this.tryFsync(policy, nowS);
      } else if (policy === 'always' && this.lastIncrFsyncOffset !== this.lastIncrSize) {
        this.tryFsync(policy, nowS);
      }
      return;
    }
    if (policy === 'everysec' && !force && this.fsyncInProgress > 0) {
      if (this.postponedStart === 0) {
        this.postponedStart = nowS;
        return;
      }
      if (nowS - this.postponedStart < MAX_POSTPONE_S) return;
      this.delayedFsync++;
      this.host.log.notice('Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.');
    }
    const data = Buffer.from(this.buf.length === 1 ? this.buf[0] : this.buf.join(''), 'latin1');
    let written = 0;
    let error: NodeJS.ErrnoException | null = null;
    try {
      while (written < data.length) written += writeSync(this.fd, data, written, data.length - written);
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    this.postponedStart = 0;
    if (written !== data.length) {
      const log = this.host.log;
      // one line every AOF_WRITE_LOG_ERROR_RATE seconds at most (the cron retries ten times a second)
      const canLog = nowS - this.lastWriteErrorLog > AOF_WRITE_LOG_ERROR_RATE;
      if (canLog) this.lastWriteErrorLog = nowS;
      if (written > 0) {
        if (canLog) log.warning(`Short write while writing to the AOF file: (nwritten=${written}, expected=${data.length})`);
        try {
          ftruncateSync(this.fd, this.lastIncrSize);
          written = 0;
        } catch (e) {
          if (canLog) log.warning(`Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: ${errText(e)}`);
        }
      } else if (error !== null && canLog) {
        log.warning(`Error writing to the AOF file: ${errnoText(error)}`);
      }
      const why = error !== null && written === 0 && error.code !== 'ENOSPC' ? errnoText(error) : 'No space left on device';
      if (policy === 'always') {
        log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        this.host.fatal(`AOF write error: ${why}`);
      }
      this.lastWriteOk = false;
      this.lastWriteErr = why;
      if (written > 0) {
        this.currentSize += written;
        this.lastIncrSize += written;
        const rest = data.toString('latin1', written);
        this.buf = [rest];
        this.bufLen = rest.length;
      }
      return; // retried from the cron
    }
    if (!this.lastWriteOk) {
      this.host.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteOk = true;
    }
    this.currentSize += written;
    this.lastIncrSize += written;
    this.buf = [];
    this.bufLen = 0;
    this.tryFsync(policy, nowS);
  }

  private tryFsync(policy: string, nowS: number): void {
    if (this.host.config.getBool('no-appendfsync-on-rewrite') && (this.rewriteJob !== null || this.host.rdb.bgsaveInProgress)) return;
    if (policy === 'always') {
      try {
        fdatasyncSync(this.fd);
      } catch (e) {
        this.host.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${errnoText(e)}. Exiting...`);
        this.host.fatal(`AOF fsync error: ${errnoText(e)}`);
      }
      this.lastIncrFsyncOffset = this.lastIncrSize;
      this.lastFsync = nowS;
    } else if (policy === 'everysec' && nowS > this.lastFsync) {
      if (this.fsyncInProgress === 0) this.backgroundFsync(this.fd, false);
      this.lastIncrFsyncOffset = this.lastIncrSize;
      this.lastFsync = nowS;
    }
  }

  /** fsync in the libuv pool (Redis's bio thread); `closeAfter` closes the descriptor once synced. */
  private backgroundFsync(fd: number, closeAfter: boolean): void {
    this.fsyncInProgress++;
    fdatasync(fd, (err) => {
      this.fsyncInProgress--;
      if (err !== null) {
        this.host.log.warning(`Fail to fsync the AOF file: ${errnoText(err)}`);
        this.bgFsyncErr = errnoText(err);
      } else if (this.bgFsyncErr !== null && !closeAfter) {
        this.host.log.warning('AOF fsync error looks solved, Redis can write again.');
        this.bgFsyncErr = null;
      }
      if (closeAfter) close(fd, () => {});
      // a write postponed behind this fsync may go now
      if (this.postponedStart !== 0 && this.state !== 'off') this.flush(false);
    });
  }

  // ---- the cron ----------------------------------------------------------------

  /** serverCron's AOF part: scheduled and automatic rewrites, postponed flushes, write errors, the everysec fsync. */
  cron(): void {
    if (this.host.rdb.loading) return;
    const childActive = this.rewriteJob !== null || this.host.rdb.bgsaveInProgress;
    if (!childActive && this.rewriteScheduled && !this.rewriteLimited()) this.rewriteBackground();
    if (this.state === 'on' && this.rewriteJob === null && !this.host.rdb.bgsaveInProgress) {
      const perc = this.host.config.getInt('auto-aof-rewrite-percentage');
      const min = this.host.config.getInt('auto-aof-rewrite-min-size');
      if (perc > 0 && this.currentSize > min) {
        const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
        const growth = Math.floor((this.currentSize * 100) / base) - 100;
        if (growth >= perc && !this.rewriteLimited()) {
          this.host.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
          this.rewriteBackground();
        }
      }
    }
    // postponed writes, writes that failed, and the everysec fsync of data written since the last one
    if (this.state !== 'off') this.flush(false);
  }

  /** aofRewriteLimited: after repeated failures, automatic rewrites wait 1, 2, 4... up to 60 minutes. */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < AOF_REWRITE_LIMIT_THRESHOLD) {
      this.nextDelayMinutes = 0;
      this.nextRewriteTime = 0;
      return false;
    }
    const now = Math.floor(Date.now() / 1000);
    if (this.nextRewriteTime !== 0) {
      if (now < this.nextRewriteTime) return true;
      this.nextRewriteTime = 0;
      return false;
    }
    this.nextDelayMinutes = this.nextDelayMinutes === 0 ? 1 : Math.min(AOF_REWRITE_LIMIT_MAX_MINUTES, this.nextDelayMinutes * 2);
    this.nextRewriteTime = now + this.nextDelayMinutes * 60;
    this.host.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextDelayMinutes} minutes`);
    return true;
  }

  // ---- manifest ------------------------------------------------------------------

  /** writeAofManifestFile: temp file, fsync, rename, fsync of the directory. */
  private persistManifest(m: AofManifest): boolean {
    if (!m.dirty) return true;
    const fn = this.host.config.get('appendfilename');
    const tmpName = AofManifest.tempName(fn);
    const tmp = this.file(tmpName);
    const log = this.host.log;
    let fd = -1;
    try {
      fd = openSync(tmp, 'w', 0o644);
    } catch (e) {
      log.warning(`Can't open the AOF manifest file ${tmpName}: ${errnoText(e)}`);
      return false;
    }
    try {
      writeAll(fd, Buffer.from(m.format(), 'latin1'));
      fsyncSync(fd);
    } catch (e) {
      log.warning(`Error trying to write the temporary AOF manifest file ${tmpName}: ${errnoText(e)}`);
      closeSync(fd);
      return false;
    }
    closeSync(fd);
    try {
      renameSync(tmp, this.file(AofManifest.manifestName(fn)));
    } catch (e) {
      log.warning(`Error trying to rename the temporary AOF manifest file ${tmpName} into ${AofManifest.manifestName(fn)}: ${errnoText(e)}`);
      return false;
    }
    fsyncDir(this.aofDir());
    m.dirty = false;
    return true;
  }

  /** aofLoadManifestFromDisk: the manifest, or an empty one when the directory or file is missing. */
  private loadManifest(): void {
    const fn = this.host.config.get('appendfilename');
    this.manifest = new AofManifest(fn);
    const path = this.file(AofManifest.manifestName(fn));
    if (!existsSync(this.aofDir()) || !existsSync(path)) return;
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (e) {
      throw new AofError(`Fatal error: can't open the AOF manifest file ${path} for reading: ${errnoText(e)}`, false);
    }
    try {
      this.manifest = AofManifest.parse(fn, text);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      const log = this.host.log;
      log.warning('\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
      if (e.line > 0) {
        log.warning(`Reading the manifest file, at line ${e.line}\n`);
        log.warning(`>>> '${e.text}'\n`);
      }
      throw new AofError(`${e.message}\n`, false);
    }
  }

  /** aofDelHistoryFiles. */
  private deleteHistory(): void {
    const m = this.manifest;
    if (this.host.config.getBool('aof-disable-auto-gc') || m.history.length === 0) return;
    for (const h of m.history) {
      this.host.log.notice(`Removing the history file ${h.name} in the background`);
      const path = this.file(h.name);
      fsp.unlink(path).catch(() => {});
    }
    m.history = [];
    m.dirty = true;
    this.persistManifest(m);
  }

  // ---- start-up ------------------------------------------------------------------

  /**
   * At start-up with appendonly yes: the manifest, then the files it names
   * (base, then incremental files), in steps (clients get -LOADING); then
   * opens the last incremental file for appending (aofOpenIfNeededOnServerStart).
   * Throws AofError when the server must not start (the message is logged already).
   */
  async start(): Promise<void> {
    this.state = 'on';
    this.loadManifest();
    await this.loadFiles();
    this.openOnStart();
    this.deleteHistory();
    this.subscribe();
  }

  private openOnStart(): void {
    const log = this.host.log;
    mkdirOrFail(this.aofDir(), log);
    const m = this.manifest;
    const hadIncr = m.incr.length > 0;
    if (m.base === null && !hadIncr) {
      const rdb = this.host.config.getBool('aof-use-rdb-preamble');
      const baseName = m.newBase(rdb);
      this.writeBaseSync(this.file(baseName), rdb);
      log.notice(`Creating AOF base file ${baseName} on server start`);
    }
    const name = m.lastIncr();
    try {
      this.fd = openSync(this.file(name), 'a', 0o644);
    } catch (e) {
      log.warning(`Can't open the append-only file ${name}: ${errnoText(e)}`);
      throw new AofError(`Can't open the append-only file ${name}`);
    }
    if (!this.persistManifest(m)) throw new AofError("Can't persist the AOF manifest");
    this.lastIncrSize = fileSize(this.file(name));
    this.lastIncrFsyncOffset = this.lastIncrSize;
    log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${name} on server start`);
  }

  /**
   * The format of a new base: the RDB image (undefined), or commands
   * (aof-use-rdb-preamble no), after a `#TS:` annotation when
   * aof-timestamp-enabled.
   */
  private baseFormat(rdb: boolean): ImageFormat | undefined {
    if (rdb) return undefined;
    return commandImage(this.host.config.getBool('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : null);
  }

  /** rewriteAppendOnlyFile (synchronous): a base file from the dataset now. */
  private writeBaseSync(path: string, rdb: boolean): void {
    const tmp = join(this.dir(), `temp-rewriteaof-${process.pid}.aof`);
    let fd = -1;
    try {
      fd = openSync(tmp, 'w');
    } catch (e) {
      this.host.log.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${errnoText(e)}`);
      throw new AofError('Opening the temp file for AOF rewrite failed');
    }
    try {
      this.host.rdb.writeSync(fd, this.host.rdb.aux(true), this.baseFormat(rdb));
      closeSync(fd);
      fd = -1;
      renameSync(tmp, path);
    } catch (e) {
      this.host.log.warning(`Write error writing append only file on disk: ${errnoText(e)}`);
      if (fd >= 0) closeSync(fd);
      unlinkQuietly(tmp);
      throw new AofError('Write error writing append only file on disk');
    }
  }

  /** loadAppendOnlyFiles: the old single file is moved into the directory first (upgrade from 6.x). */
  private async loadFiles(): Promise<void> {
    const log = this.host.log;
    const fn = this.host.config.get('appendfilename');
    const oldStyle = join(this.dir(), fn);
    if (existsSync(oldStyle)) {
      const m0 = this.manifest;
      const dirMissing = !existsSync(this.aofDir());
      if (dirMissing || m0.empty || (m0.base !== null && m0.incr.length === 0 && m0.base.name === fn && !existsSync(this.file(fn)))) {
        this.upgradeOldFile(oldStyle);
      }
    }
    const m = this.manifest;
    if (m.empty) return;
    const files = [...(m.base !== null ? [m.base] : []), ...m.incr];
    let total = 0;
    for (const f of files) {
      try {
        total += statSync(this.file(f.name)).size;
      } catch (e) {
        log.warning(`Unable to obtain the AOF file ${f.name} length. stat: ${errnoText(e)}`);
        throw new AofError(`AOF file ${f.name} is missing`);
      }
    }
    if (total === 0) return;
    const rdb = this.host.rdb;
    const t0 = performance.now();
    rdb.loading = true;
    rdb.loadingStart = Math.floor(Date.now() / 1000);
    rdb.loadingTotalBytes = total;
    rdb.loadingLoadedBytes = 0;
    this.host.keyspace.loading = true;
    let baseSize = 0;
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const last = i === files.length - 1;
        const isBase = f === m.base;
        if (isBase) baseSize = fileSize(this.file(f.name));
        const start = performance.now();
        let ret = await this.loadOne(f.name, isBase && f.name === fn);
        if (ret === 'ok' || (ret === 'truncated' && last)) {
          log.notice(`DB loaded from ${isBase ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
        }
        if (ret === 'empty' && !isBase) ret = 'ok';
        if (ret === 'truncated' && !last) {
          log.warning('Fatal error: the truncated file is not the last file');
          ret = 'failed';
        }
        if (ret === 'open-err' || ret === 'failed' || ret === 'not-exist') throw new AofError('AOF loading failed');
      }
      // (a truncation may have shortened the last file)
      this.currentSize = files.reduce((n, f) => n + fileSize(this.file(f.name)), 0);
      this.rewriteBaseSize = baseSize;
      log.notice(`DB loaded from append only file: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
    } catch (e) {
      for (const db of this.host.keyspace.dbs) db.clear();
      throw e instanceof AofError ? e : new AofError(`Internal error loading the append only file: ${errText(e)}`, false);
    } finally {
      rdb.loading = false;
      this.host.keyspace.loading = false;
    }
  }

  /** aofUpgradePrepare: the 6.x single file becomes the base of a new manifest in the directory. */
  private upgradeOldFile(oldPath: string): void {
    const log = this.host.log;
    const fn = this.host.config.get('appendfilename');
    mkdirOrFail(this.aofDir(), log);
    const m = new AofManifest(fn);
    m.base = { name: fn, seq: 1, type: 'b' };
    m.curBaseSeq = 1;
    m.dirty = true;
    if (!this.persistManifest(m)) throw new AofError("Can't persist the AOF manifest");
    try {
      renameSync(oldPath, this.file(fn));
    } catch (e) {
      log.warning(`Error trying to move the old AOF file ${fn} into dir ${this.host.config.get('appenddirname')}: ${errnoText(e)}`);
      throw new AofError("Can't move the old AOF file");
    }
    this.manifest = m;
    log.notice(`Successfully migrated an old-style AOF file (${fn}) into the AOF directory (${this.host.config.get('appenddirname')}).`);
  }

  /** loadSingleAppendOnlyFile. */
  private async loadOne(name: string, oldStyle: boolean): Promise<LoadResult> {
    const log = this.host.log;
    const path = this.file(name);
    let buf: Buffer;
    try {
      buf = await fsp.readFile(path);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') {
        log.warning(`The append log file ${name} doesn't exist: ${errnoText(err)}`);
        return 'not-exist';
      }
      log.warning(`Fatal error: can't open the append log file ${name} for reading: ${errnoText(err)}`);
      return 'open-err';
    }
    if (buf.length === 0) return 'empty';
    const rdb = this.host.rdb;
    const loadedBefore = rdb.loadingLoadedBytes;
    this.host.resetReplay();
    let start = 0;
    if (buf.length >= 5 && buf.toString('latin1', 0, 5) === 'REDIS') {
      log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        start = await this.loadPreamble(buf, loadedBefore);
      } catch (e) {
        if (e instanceof RdbError) log.warning(e.message);
        log.warning(oldStyle ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted` : `Error reading the RDB base file ${name}, AOF loading aborted`);
        // a file cut inside its RDB part is a read error at EOF: truncated, as Redis treats it
        return 'failed';
      }
      if (oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    const reader = new AofCommandReader(buf, start);
    const truncatedOk = this.host.config.getBool('aof-load-truncated');
    let validUpTo = start;
    let validBeforeMulti = start;
    let inMulti = false;
    let loops = 0;
    const delayUs = this.host.config.getInt('key-load-delay');
    let lastLog = performance.now();
    for (;;) {
      if (++loops % LOAD_STEP === 0) {
        rdb.loadingLoadedBytes = loadedBefore + reader.pos;
        const now = performance.now();
        if (now - lastLog >= 5000) {
          lastLog = now;
          const total = rdb.loadingTotalBytes;
          log.notice(`Loading AOF: ${((rdb.loadingLoadedBytes / total) * 100).toFixed(2)}% (${rdb.loadingLoadedBytes} of ${total} bytes), file ${name}`);
        }
        await new Promise((r) => setImmediate(r));
      }
      const at = reader.pos;
      const r = reader.next();
      if (r.kind === 'eof') break;
      if (r.kind === 'format') {
        log.warning(`Unexpected bytes in the append only file ${name} at offset ${at} (the command there does not start with '*' or an argument with '$')`);
        log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
        return 'failed';
      }
      if (r.kind === 'truncated') {
        // Cut inside a transaction: Redis would keep the file up to the last
        // whole command, leaving an open MULTI that swallows (and, at the
        // next start, reverts) whatever is appended after it, acknowledged
        // writes included. The cut goes back to before the MULTI instead.
        if (inMulti && truncatedOk) {
          log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
          this.host.resetReplay();
          return this.truncatedTail(name, path, truncatedOk, validBeforeMulti);
        }
        return this.truncatedTail(name, path, truncatedOk, validUpTo);
      }
      const cmdName = r.argv[0].toLowerCase();
      if (cmdName === 'multi') {
        validBeforeMulti = validUpTo;
        inMulti = true;
      } else if (cmdName === 'exec') inMulti = false;
      if (!this.host.replay(r.argv)) {
        log.warning(`Unknown command '${r.argv[0]}' reading the append only file ${name}`);
        return 'failed';
      }
      if (truncatedOk) validUpTo = r.end;
      if (delayUs !== 0) debugDelay(delayUs);
    }
    rdb.loadingLoadedBytes = loadedBefore + buf.length;
    if (inMulti) {
      log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      this.host.resetReplay();
      return this.truncatedTail(name, path, truncatedOk, validBeforeMulti);
    }
    return 'ok';
  }

  /** The file ended inside a command (uxeof): truncated to the last whole command, or refused. */
  private truncatedTail(name: string, path: string, truncatedOk: boolean, validUpTo: number): LoadResult {
    const log = this.host.log;
    if (truncatedOk) {
      log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
      try {
        truncateSync(path, validUpTo);
        log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return 'truncated';
      } catch (e) {
        log.warning(`Error truncating the AOF file ${name}: ${errnoText(e)}`);
      }
    }
    log.warning(
      `Unexpected end of file reading the append only file ${name}. You can: ` +
        '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ' +
        "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
    );
    return 'failed';
  }

  /** Loads the RDB part of a file (a base, or an old preamble) in steps; returns where it ends. */
  private async loadPreamble(buf: Buffer, loadedBefore: number): Promise<number> {
    const cfg = this.host.config;
    const log = this.host.log;
    const loader = new RdbLoader(buf, this.host.keyspace.dbs, {
      limits: cfg.typeLimits,
      checksum: cfg.getBool('rdbchecksum'),
      // keys of an AOF base are kept even when expired (RDBFLAGS_AOF_PREAMBLE)
      dropExpired: false,
      now: Date.now(),
      keyDelayUs: cfg.getInt('key-load-delay'),
      log: (level, line) => (level === 'warning' ? log.warning(line) : log.notice(line)),
    });
    const delayed = cfg.getInt('key-load-delay') !== 0;
    for (;;) {
      const done = loader.step(delayed ? 50 : 2000);
      this.host.rdb.loadingLoadedBytes = loadedBefore + loader.position;
      if (done) break;
      await new Promise((r) => setImmediate(r));
    }
    const st = loader.stats;
    log.notice(`Done loading RDB, keys loaded: ${st.keysLoaded}, keys expired: ${st.keysExpired}.`);
    return loader.position;
  }

  /**
   * DEBUG LOADAOF: what is buffered is written, then the files the manifest
   * names on disk are loaded again into the (emptied) databases. Throws
   * AofError when they cannot be loaded (Redis exits then).
   */
  async debugLoad(): Promise<void> {
    if (this.state !== 'off') this.flush(true);
    this.loadManifest();
    this.deleteHistory();
    this.replaying = true;
    try {
      await this.loadFiles();
    } finally {
      this.replaying = false;
      this.host.resetReplay();
    }
  }

  // ---- rewrite ---------------------------------------------------------------------

  /** BGREWRITEAOF's reply. */
  bgrewriteCommand(): { ok: string } | { err: string } {
    if (this.rewriteJob !== null) return { err: 'ERR Background append only file rewriting already in progress' };
    if (this.host.rdb.bgsaveInProgress || this.host.inExec) {
      this.rewriteScheduled = true;
      this.consecutiveFailures = 0;
      return { ok: 'Background append only file rewriting scheduled' };
    }
    if (this.rewriteBackground()) return { ok: 'Background append only file rewriting started' };
    return { err: "ERR Can't execute an AOF background rewriting. Please check the server logs for more information." };
  }

  /** rewriteAppendOnlyFileBackground: a new incremental file now, a new base from a snapshot in the background. */
  rewriteBackground(): boolean {
    if (this.rewriteJob !== null || this.host.rdb.bgsaveInProgress) return false;
    const log = this.host.log;
    try {
      mkdirSync(this.aofDir(), { recursive: true });
    } catch (e) {
      log.warning(`Can't open or create append-only dir ${this.host.config.get('appenddirname')}: ${errnoText(e)}`);
      this.lastBgrewriteOk = false;
      return false;
    }
    this.forgetSelectedDb();
    this.flush(true);
    if (!this.openNewIncr()) {
      this.lastBgrewriteOk = false;
      return false;
    }
    this.rewrites++;
    const tmp = join(this.dir(), `temp-rewriteaof-bg-${process.pid}.aof`);
    let job: FileSnapshot;
    const rdb = this.host.config.getBool('aof-use-rdb-preamble');
    try {
      job = this.host.rdb.snapshotToFile(tmp, this.host.rdb.aux(true), (err) => this.rewriteDone(err), this.host.config.getBool('aof-rewrite-incremental-fsync'), this.baseFormat(rdb));
    } catch (e) {
      log.warning(`Can't rewrite append only file in background: ${errnoText(e)}`);
      this.lastBgrewriteOk = false;
      return false;
    }
    this.rewriteJob = { job, tmp, rdb };
    log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    this.rewriteScheduled = false;
    return true;
  }

  /** openNewIncrAofForAppend. */
  private openNewIncr(): boolean {
    if (this.state === 'off') return true;
    const fn = this.host.config.get('appendfilename');
    let temp: AofManifest | null = null;
    let name: string;
    if (this.state === 'wait-rewrite') name = AofManifest.tempIncrName(fn);
    else {
      temp = this.manifest.dup();
      name = temp.newIncr();
    }
    let fd: number;
    try {
      fd = openSync(this.file(name), 'w', 0o644);
    } catch (e) {
      this.host.log.warning(`Can't open the append-only file ${name}: ${errnoText(e)}`);
      return false;
    }
    if (temp !== null && !this.persistManifest(temp)) {
      closeSync(fd);
      return false;
    }
    this.host.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    if (this.fd >= 0) {
      this.backgroundFsync(this.fd, true);
      this.lastFsync = Math.floor(Date.now() / 1000);
    }
    this.fd = fd;
    this.lastIncrSize = 0;
    this.lastIncrFsyncOffset = 0;
    if (temp !== null) this.manifest = temp;
    return true;
  }

  /** backgroundRewriteDoneHandler. */
  private rewriteDone(err: Error | null): void {
    const rw = this.rewriteJob;
    if (rw === null) return;
    this.rewriteJob = null;
    const log = this.host.log;
    this.lastCowSize = rw.job.extraBytes();
    const fn = this.host.config.get('appendfilename');
    let ok = false;
    if (err === null) {
      log.notice(`Successfully created the temporary AOF base file ${tmpBaseName(rw.tmp)}`);
      log.notice('Background AOF rewrite terminated with success');
      ok = this.installRewrite(rw.tmp, fn, rw.rdb);
    } else {
      log.warning(`Write error writing append only file on disk: ${errnoText(err)}`);
      log.warning('Background AOF rewrite terminated with error');
      this.lastBgrewriteOk = false;
      this.consecutiveFailures++;
    }
    unlinkQuietly(rw.tmp); // (renamed already when it succeeded)
    if (!ok && this.state === 'wait-rewrite') {
      this.buf = [];
      this.bufLen = 0;
      log.notice(`Removing the temp incr aof file ${AofManifest.tempIncrName(fn)} in the background`);
      fsp.unlink(this.file(AofManifest.tempIncrName(fn))).catch(() => {});
    }
    this.lastRewriteTimeSec = Math.round((Date.now() - rw.job.start) / 1000);
    if (this.state === 'wait-rewrite') this.rewriteScheduled = true;
  }

  private installRewrite(tmp: string, fn: string, rdb: boolean): boolean {
    const log = this.host.log;
    const temp = this.manifest.dup();
    const baseName = temp.newBase(rdb);
    const basePath = this.file(baseName);
    const fail = (): false => {
      this.lastBgrewriteOk = false;
      this.consecutiveFailures++;
      return false;
    };
    try {
      renameSync(tmp, basePath);
    } catch (e) {
      log.warning(`Error trying to rename the temporary AOF base file ${tmpBaseName(tmp)} into ${basePath}: ${errnoText(e)}`);
      return fail();
    }
    log.notice(`Successfully renamed the temporary AOF base file ${tmpBaseName(tmp)} into ${baseName}`);
    let newIncrPath: string | null = null;
    if (this.state === 'wait-rewrite') {
      const tempIncr = AofManifest.tempIncrName(fn);
      const incrName = temp.newIncr();
      newIncrPath = this.file(incrName);
      try {
        renameSync(this.file(tempIncr), newIncrPath);
      } catch (e) {
        log.warning(`Error trying to rename the temporary AOF incr file ${this.file(tempIncr)} into ${newIncrPath}: ${errnoText(e)}`);
        fsp.unlink(basePath).catch(() => {});
        return fail();
      }
      log.notice(`Successfully renamed the temporary AOF incr file ${tempIncr} into ${incrName}`);
    }
    temp.markRewrittenIncrAsHistory(this.fd >= 0);
    if (!this.persistManifest(temp)) {
      fsp.unlink(basePath).catch(() => {});
      if (newIncrPath !== null) fsp.unlink(newIncrPath).catch(() => {});
      return fail();
    }
    this.manifest = temp;
    if (this.state !== 'off') {
      this.currentSize = fileSize(basePath) + this.lastIncrSize;
      this.rewriteBaseSize = this.currentSize;
    }
    this.deleteHistory();
    this.lastBgrewriteOk = true;
    this.consecutiveFailures = 0;
    log.notice('Background AOF rewrite finished successfully');
    if (this.state === 'wait-rewrite') this.state = 'on';
    return true;
  }

  /** killAppendOnlyChild. */
  killRewrite(): void {
    const rw = this.rewriteJob;
    if (rw === null) return;
    this.host.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
    this.rewriteJob = null;
    rw.job.abort();
    this.lastRewriteTimeSec = Math.round((Date.now() - rw.job.start) / 1000);
  }

  // ---- turning it on and off at run time -----------------------------------------

  /** startAppendOnly (CONFIG SET appendonly yes): false when it cannot start. */
  startAppendOnly(): boolean {
    const log = this.host.log;
    this.state = 'wait-rewrite';
    this.manifest = this.loadManifestQuietly();
    this.subscribe();
    if (this.host.rdb.bgsaveInProgress) {
      this.rewriteScheduled = true;
      log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else if (this.host.inExec) {
      this.rewriteScheduled = true;
      log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    } else {
      if (this.rewriteJob !== null) {
        log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
        this.killRewrite();
      }
      if (!this.rewriteBackground()) {
        this.state = 'off';
        this.unsubscribeAll();
        log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
        return false;
      }
    }
    this.lastFsync = Math.floor(Date.now() / 1000);
    if (this.bgFsyncErr !== null) {
      log.warning('AOF reopen, just ignore the AOF fsync error in bio job');
      this.bgFsyncErr = null;
    }
    if (!this.lastWriteOk) {
      log.warning('AOF reopen, just ignore the last error.');
      this.lastWriteOk = true;
    }
    return true;
  }

  /** The manifest on disk when there is one (a later start-up reads the same), else an empty one. */
  private loadManifestQuietly(): AofManifest {
    try {
      this.loadManifest();
    } catch {
      this.manifest = new AofManifest(this.host.config.get('appendfilename'));
    }
    return this.manifest;
  }

  /** stopAppendOnly (CONFIG SET appendonly no). */
  stopAppendOnly(): void {
    if (this.state === 'off') return;
    this.flush(true);
    if (this.fd >= 0) {
      try {
        fdatasyncSync(this.fd);
        this.lastFsync = Math.floor(Date.now() / 1000);
      } catch (e) {
        this.host.log.warning(`Fail to fsync the AOF file: ${errnoText(e)}`);
      }
      closeSync(this.fd);
    }
    this.fd = -1;
    this.state = 'off';
    this.rewriteScheduled = false;
    this.lastIncrSize = 0;
    this.lastIncrFsyncOffset = 0;
    this.killRewrite();
    this.buf = [];
    this.bufLen = 0;
    this.unsubscribeAll();
  }

  private unsubscribeAll(): void {
    if (this.unsubscribe !== null) this.unsubscribe();
    this.unsubscribe = null;
  }

  /**
   * SHUTDOWN's part (prepareForShutdown): a rewrite is stopped, unless it is
   * writing the first base of an AOF just turned on (then the shutdown is
   * refused, unless forced); everything written so far is written and
   * fsynced. Returns false when the shutdown must not go on.
   */
  shutdown(force = false): boolean {
    const log = this.host.log;
    if (this.rewriteJob !== null) {
      if (this.state === 'wait-rewrite') {
        if (!force) {
          log.warning("Writing initial AOF, can't exit.");
          return false;
        }
        log.warning('Writing initial AOF. Exit anyway.');
      }
      log.warning('There is a child rewriting the AOF. Killing it!');
      this.killRewrite();
    }
    if (this.state !== 'off' && this.fd >= 0) {
      log.notice('Calling fsync() on the AOF file.');
      this.syncNow();
    }
    return true;
  }

  private syncNow(): void {
    this.flush(true);
    try {
      fdatasyncSync(this.fd);
    } catch (e) {
      this.host.log.warning(`Fail to fsync the AOF file: ${errnoText(e)}.`);
    }
  }

  /** The server is closing (embedded close(), after SHUTDOWN): the file is complete and closed. */
  close(): void {
    this.killRewrite();
    if (this.fd >= 0) {
      this.syncNow();
      try {
        closeSync(this.fd);
      } catch {
        // closed already
      }
      this.fd = -1;
    }
    this.unsubscribeAll();
  }
}

function tmpBaseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function mkdirOrFail(dir: string, log: RdbLog): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    log.warning(`Can't open or create append-only dir ${dir}: ${errnoText(e)}`);
    throw new AofError(`Can't open or create append-only dir ${dir}`);
  }
}
