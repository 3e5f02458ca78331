/**
 * RDB persistence as the server runs it: SAVE, BGSAVE (a Snapshot written
 * in time slices while clients keep going), save points checked by the
 * cron, loading at start-up in steps (clients meanwhile get -LOADING), and
 * the state INFO persistence reports.
 *
 * Files are written to a temporary file in `dir`, fsynced, renamed over
 * `dbfilename`, and the directory fsynced, so a crash mid-save never leaves
 * a partial dump.rdb.
 */
import { close, closeSync, readFileSync, fdatasync, fsync, fsyncSync, openSync, rename, renameSync, write, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { Database } from '../keyspace/database.js';
import { RdbError } from './rdb-io.js';
import { fsyncDir, unlinkQuietly, writeAll } from './files.js';
import { type AuxFields, RdbLoader, type LoadStats } from './rdb-file.js';
import { type ImageFormat, Snapshot } from './snapshot.js';

export interface RdbLog {
  verbose(msg: string): void;
  notice(msg: string): void;
  warning(msg: string): void;
}

/** What the RDB service needs from the server. */
export interface RdbHost {
  readonly keyspace: Keyspace;
  readonly config: Config;
  readonly log: RdbLog;
  /** Changes since the last save (the server's dirty counter). */
  dirty: number;
  /** Unix time (s) of the last successful save. */
  lastSave: number;
  usedMemory(): number;
  /** Commands run so far (a slice of snapshot work is short while clients are served). */
  readonly stats: { readonly commandsProcessed: number };
  /** The append-only file's rewrite, the other background job (one runs at a time, as Redis's one child). */
  readonly aof: { readonly rewriteInProgress: boolean };
  /** The version written in the redis-ver AUX field. */
  readonly version: string;
}

/** CONFIG_BGSAVE_RETRY_DELAY: seconds before a failed BGSAVE is retried by a save point. */
const BGSAVE_RETRY_DELAY = 5;
/**
 * Paces a snapshot's slices of work on the event loop. While clients are
 * being served, the snapshot earns credit as a share of the time the loop
 * spends on everything else: a fifth at first (a busy server keeps most of
 * its time for its clients, so their latency stays close to normal),
 * rising to half after 20 s (a save under a constant load still ends). A
 * slice spends the credit (at most 1 ms, so a waiting client is not held
 * long; at least a few keys); running over is paid back from the next.
 * When no command has run for IDLE_MS the server is idle and the snapshot
 * takes 4 ms slices.
 */
export class SliceBudget {
  private lastEnd: number;
  private lastOps: number;
  private lastActive: number;
  private credit = 0;
  private sliceStart = 0;
  private readonly began: number;

  constructor(private readonly ops: () => number) {
    this.began = this.lastEnd = this.lastActive = performance.now();
    this.lastOps = ops();
  }

  /** The deadline (performance.now() ms) of the slice starting now. */
  start(): number {
    const now = performance.now();
    this.sliceStart = now;
    const ops = this.ops();
    if (ops !== this.lastOps) {
      this.lastOps = ops;
      this.lastActive = now;
    }
    if (now - this.lastActive >= IDLE_MS) {
      this.credit = 0;
      return now + MAX_SLICE_MS;
    }
    const share = Math.min(0.5, 0.2 + (now - this.began) / 66000);
    this.credit = Math.min(BUSY_SLICE_MS, this.credit + (now - this.lastEnd) * share);
    return now + Math.max(MIN_SLICE_MS, this.credit);
  }

  /** The slice started by start() has ended. */
  end(): void {
    const now = performance.now();
    this.credit = Math.max(-MAX_SLICE_MS, this.credit - (now - this.sliceStart));
    this.lastEnd = now;
  }
}
const IDLE_MS = 5;
const MAX_SLICE_MS = 4;
const BUSY_SLICE_MS = 1;
const MIN_SLICE_MS = 0.02;

/** REDIS_AUTOSYNC_BYTES: the step of incremental fsyncs while a file is written. */
const INCREMENTAL_FSYNC_BYTES = 4 * 1024 * 1024;

/** Pause producing while this many bytes wait for the disk. */
const MAX_QUEUED = 32 * 1024 * 1024;

/**
 * A snapshot being written to a file in the background (BGSAVE, the AOF
 * rewrite's base): produced in paced slices, queued for the disk, written
 * by the libuv pool, then fsynced and closed.
 */
export interface FileSnapshot {
  readonly snap: Snapshot;
  /** Date.now() at the start. */
  readonly start: number;
  readonly tmp: string;
  /** Stops it and removes the file. */
  abort(): void;
  /** Peak bytes held aside plus bytes queued for the disk (INFO *_last_cow_size). */
  extraBytes(): number;
}

interface FileJob extends FileSnapshot {
  snap: Snapshot;
  fd: number;
  queue: Buffer[];
  queued: number;
  peakQueued: number;
  writing: boolean;
  error: Error | null;
  aborted: boolean;
  /** A produce() turn is scheduled. */
  producing: boolean;
  pace: SliceBudget;
  closing: boolean;
  ended: boolean;
  /** Bytes between fdatasync calls while writing (0: one fsync at the end). */
  syncEvery: number;
  unsynced: number;
  onDone: (err: Error | null) => void;
}

interface Bgsave {
  job: FileSnapshot;
  dirtyBefore: number;
  /** Called when the file is complete (or failed). */
  done: ((ok: boolean) => void)[];
}

export class RdbService {
  /** Loading a file (start-up, DEBUG RELOAD): commands without the loading flag get -LOADING. */
  loading = false;
  loadingStart = 0;
  loadingTotalBytes = 0;
  loadingLoadedBytes = 0;
  loadingRdbUsedMem = 0;
  lastBgsaveOk = true;
  lastBgsaveTimeSec = -1;
  lastBgsaveTry = 0;
  rdbSaves = 0;
  lastLoadKeysExpired = 0;
  lastLoadKeysLoaded = 0;
  /** BGSAVE SCHEDULE / BGSAVE inside MULTI: start at the next cron run. */
  scheduled = false;
  /** Peak bytes a snapshot held aside for databases not yet walked (extra memory under writes). */
  lastAsideBytes = 0;
  private bg: Bgsave | null = null;
  /** Snapshots being written (BGSAVE, replica syncs): each takes old values through the keyspace's snapshot hook. */
  private readonly active = new Set<Snapshot>();

  constructor(private readonly host: RdbHost) {}

  private attach(snap: Snapshot): void {
    this.active.add(snap);
    const active = this.active;
    this.host.keyspace.snapshotHook =
      active.size === 1
        ? (db: Database, key: string) => snap.beforeWrite(db, key)
        : (db: Database, key: string) => {
            for (const s of active) s.beforeWrite(db, key);
          };
  }

  private detach(snap: Snapshot): void {
    if (!this.active.delete(snap)) return;
    const rest = [...this.active];
    this.host.keyspace.snapshotHook = null;
    this.active.clear();
    for (const s of rest) this.attach(s);
  }

  /**
   * A point-in-time RDB image in memory, produced in time slices like a
   * BGSAVE (a replica's full sync, redis-cli --rdb).
   */
  private pacer(): SliceBudget {
    const stats = this.host.stats;
    return new SliceBudget(() => stats.commandsProcessed);
  }

  image(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const snap = new Snapshot(this.host.keyspace.dbs, this.snapshotOptions((c) => chunks.push(c)));
    this.attach(snap);
    const pace = this.pacer();
    return new Promise((resolve, reject) => {
      const step = (): void => {
        try {
          const more = !snap.step(pace.start());
          pace.end();
          if (more) {
            setImmediate(step);
            return;
          }
        } catch (e) {
          this.detach(snap);
          reject(e);
          return;
        }
        this.detach(snap);
        resolve(Buffer.concat(chunks));
      };
      setImmediate(step);
    });
  }

  get bgsaveInProgress(): boolean {
    return this.bg !== null;
  }

  /** Seconds the running BGSAVE has taken (-1 when none). */
  get currentBgsaveSec(): number {
    return this.bg === null ? -1 : Math.floor((Date.now() - this.bg.job.start) / 1000);
  }

  get keysProcessed(): number {
    return this.bg === null ? 0 : this.bg.job.snap.keysWritten;
  }

  get keysTotal(): number {
    return this.bg === null ? 0 : this.bg.job.snap.keysTotal;
  }

  /** dir/dbfilename. */
  path(): string {
    return join(this.dir(), this.host.config.get('dbfilename'));
  }

  private dir(): string {
    const d = this.host.config.get('dir');
    return d === '' ? process.cwd() : d;
  }

  /** The parsed save points ([seconds, changes] pairs). */
  savePoints(): [number, number][] {
    const parts = this.host.config.get('save').split(/\s+/).filter(Boolean);
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) out.push([Number(parts[i]), Number(parts[i + 1])]);
    return out;
  }

  /** stop-writes-on-bgsave-error: true while writes must be refused with -MISCONF. */
  get writesDenied(): boolean {
    return !this.lastBgsaveOk && this.host.config.getBool('stop-writes-on-bgsave-error') && this.savePoints().length > 0;
  }

  /** The AUX fields of a file written now (aofBase: the base of an append-only file). */
  aux(aofBase = false): AuxFields {
    return { redisVer: this.host.version, ctime: Math.floor(Date.now() / 1000), usedMem: this.host.usedMemory(), aofBase };
  }

  private snapshotOptions(sink: (chunk: Buffer) => void) {
    const cfg = this.host.config;
    return {
      aux: this.aux(),
      save: { listFill: cfg.getInt('list-max-listpack-size') },
      compress: cfg.getBool('rdbcompression'),
      checksum: cfg.getBool('rdbchecksum'),
      sink,
      now: () => Date.now(),
      keyDelayUs: cfg.getInt('rdb-key-save-delay'),
    };
  }

  // ---- saving --------------------------------------------------------------

  /**
   * SAVE (rdbSave): writes the whole dataset now, blocking. Returns null, or
   * the reason it failed (logged as Redis does).
   */
  saveSync(): string | null {
    const file = this.path();
    const tmp = join(this.dir(), `temp-${process.pid}.rdb`);
    let fd = -1;
    try {
      fd = openSync(tmp, 'w');
    } catch (e) {
      const msg = `Failed opening the temp RDB file ${tmp} (in server root dir ${process.cwd()}) for saving: ${errText(e)}`;
      this.host.log.warning(msg);
      return msg;
    }
    try {
      this.writeSync(fd, this.aux());
      closeSync(fd);
      fd = -1;
      renameSync(tmp, file);
      fsyncDir(this.dir());
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      unlinkQuietly(tmp);
      const msg = `Write error saving DB on disk: ${errText(e)}`;
      this.host.log.warning(msg);
      return msg;
    }
    this.host.log.notice('DB saved on disk');
    this.host.dirty = 0;
    this.host.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveOk = true;
    return null;
  }

  /** Writes the whole dataset to an open file now, blocking, and fsyncs it (throws on failure); an RDB image unless `format` says otherwise. */
  writeSync(fd: number, aux: AuxFields, format?: ImageFormat): void {
    const snap = new Snapshot(this.host.keyspace.dbs, { ...this.snapshotOptions((chunk) => writeAll(fd, chunk)), aux, format });
    snap.step(Infinity);
    fsyncSync(fd);
  }

  /**
   * Starts writing a point-in-time snapshot of the dataset to `tmp` in the
   * background; `onDone` gets null once the file is complete, fsynced and
   * closed, or the error. Throws when the file cannot be opened.
   */
  snapshotToFile(tmp: string, aux: AuxFields, onDone: (err: Error | null) => void, incrementalFsync = false, format?: ImageFormat): FileSnapshot {
    const fd = openSync(tmp, 'w');
    const job: FileJob = {
      snap: null as unknown as Snapshot,
      start: Date.now(),
      tmp,
      fd,
      queue: [],
      queued: 0,
      peakQueued: 0,
      writing: false,
      error: null,
      aborted: false,
      producing: true,
      pace: this.pacer(),
      closing: false,
      ended: false,
      syncEvery: incrementalFsync ? INCREMENTAL_FSYNC_BYTES : 0,
      unsynced: 0,
      onDone,
      abort: () => this.abortJob(job),
      extraBytes: () => job.snap.peakExtraBytes + job.peakQueued,
    };
    job.snap = new Snapshot(this.host.keyspace.dbs, { ...this.snapshotOptions((chunk) => this.enqueue(job, chunk)), aux, format });
    this.attach(job.snap);
    setImmediate(() => this.produce(job));
    return job;
  }

  private produce(job: FileJob): void {
    job.producing = false;
    if (job.aborted || job.ended) return;
    if (job.error !== null) return this.endJob(job, job.error);
    if (job.queued > MAX_QUEUED) return; // resumed by the writer once drained
    let finished: boolean;
    try {
      finished = job.snap.step(job.pace.start());
    } catch (e) {
      job.pace.end();
      return this.endJob(job, e instanceof Error ? e : new Error(String(e)));
    }
    job.pace.end();
    if (!finished) {
      job.producing = true;
      setImmediate(() => this.produce(job));
      return;
    }
    // the whole image is queued: stop taking old values, let the writer finish
    this.detach(job.snap);
    this.drainAndClose(job);
  }

  private enqueue(job: FileJob, chunk: Buffer): void {
    job.queue.push(chunk);
    job.queued += chunk.length;
    if (job.queued > job.peakQueued) job.peakQueued = job.queued;
    if (!job.writing) this.writeNext(job);
  }

  private writeNext(job: FileJob): void {
    const chunk = job.queue.shift();
    if (chunk === undefined || job.aborted || job.ended) {
      job.writing = false;
      return;
    }
    job.writing = true;
    writeChunk(job.fd, chunk, 0, (err) => {
      if (job.aborted || job.ended) return;
      if (err !== null) {
        job.writing = false;
        return this.endJob(job, err);
      }
      job.queued -= chunk.length;
      // rdb-save-incremental-fsync / aof-rewrite-incremental-fsync: the data
      // reaches the disk every 4 MB, not in one burst at the end
      job.unsynced += chunk.length;
      if (job.syncEvery > 0 && job.unsynced >= job.syncEvery) {
        job.unsynced = 0;
        fdatasync(job.fd, (err2) => {
          if (job.aborted || job.ended) return;
          if (err2 !== null) {
            job.writing = false;
            return this.endJob(job, err2);
          }
          this.afterWrite(job);
        });
        return;
      }
      this.afterWrite(job);
    });
  }

  /** A chunk is on its way to the disk: the next one, the end of the file, or more slices of the snapshot. */
  private afterWrite(job: FileJob): void {
    if (job.queue.length > 0) this.writeNext(job);
    else job.writing = false;
    if (job.snap.done) {
      if (!job.writing) this.drainAndClose(job);
    } else if (job.queued <= MAX_QUEUED / 2 && !job.producing) {
      job.producing = true;
      setImmediate(() => this.produce(job));
    }
  }

  private drainAndClose(job: FileJob): void {
    if (job.writing || job.queue.length > 0 || job.aborted || job.closing || job.ended) return;
    job.closing = true;
    fsync(job.fd, (err) => {
      if (job.aborted) return;
      if (err !== null) return this.endJob(job, err);
      close(job.fd, (err2) => {
        job.fd = -1;
        if (job.aborted) return;
        this.endJob(job, err2);
      });
    });
  }

  /** Ends a job once: a failed one closes and removes its file. */
  private endJob(job: FileJob, err: Error | null): void {
    if (job.ended || job.aborted) return;
    job.ended = true;
    this.detach(job.snap);
    if (err !== null) {
      closeQuietly(job);
      unlinkQuietly(job.tmp);
    }
    job.onDone(err);
  }

  private abortJob(job: FileJob): void {
    if (job.ended || job.aborted) return;
    job.aborted = true;
    this.detach(job.snap);
    closeQuietly(job);
    unlinkQuietly(job.tmp);
  }

  /**
   * BGSAVE: starts a point-in-time snapshot written in the background.
   * Returns null when started, else the error to reply.
   */
  bgsave(onDone?: (ok: boolean) => void): string | null {
    if (this.bg !== null) return 'ERR Background save already in progress';
    this.lastBgsaveTry = Math.floor(Date.now() / 1000);
    const tmp = join(this.dir(), `temp-${process.pid}.rdb`);
    const bg: Bgsave = { job: null as unknown as FileSnapshot, dirtyBefore: this.host.dirty, done: onDone ? [onDone] : [] };
    try {
      bg.job = this.snapshotToFile(tmp, this.aux(), (err) => {
        if (err !== null) return this.finishBg(bg, err);
        rename(tmp, this.path(), (err3) => {
          if (this.bg !== bg) return;
          if (err3 !== null) {
            unlinkQuietly(tmp);
            return this.finishBg(bg, err3);
          }
          fsyncDir(this.dir());
          this.finishBg(bg, null);
        });
      }, this.host.config.getBool('rdb-save-incremental-fsync'));
    } catch (e) {
      this.host.log.warning(`Failed opening the temp RDB file ${tmp} (in server root dir ${process.cwd()}) for saving: ${errText(e)}`);
      this.lastBgsaveOk = false;
      return 'ERR';
    }
    this.bg = bg;
    this.rdbSaves++;
    this.host.log.notice(`Background saving started by pid ${process.pid}`);
    return null;
  }

  /** Waits for the running BGSAVE (if any) to end; resolves with its outcome. */
  whenSaved(): Promise<boolean> {
    const bg = this.bg;
    if (bg === null) return Promise.resolve(this.lastBgsaveOk);
    return new Promise((resolve) => bg.done.push(resolve));
  }

  private finishBg(bg: Bgsave, err: Error | null): void {
    if (this.bg !== bg) return;
    this.bg = null;
    const log = this.host.log;
    this.lastAsideBytes = bg.job.extraBytes();
    if (err === null) {
      log.notice('Background saving terminated with success');
      this.host.dirty -= bg.dirtyBefore;
      this.host.lastSave = Math.floor(Date.now() / 1000);
      this.lastBgsaveOk = true;
    } else {
      log.warning(`Write error saving DB on disk: ${errText(err)}`);
      log.warning('Background saving error');
      this.lastBgsaveOk = false;
    }
    this.lastBgsaveTimeSec = Math.round((Date.now() - bg.job.start) / 1000);
    for (const f of bg.done) f(err === null);
  }

  /** Stops a running BGSAVE and removes its temporary file (SHUTDOWN, FLUSHALL, DEBUG RELOAD). */
  killBgsave(reason: string): void {
    const bg = this.bg;
    if (bg === null) return;
    this.host.log.warning(reason);
    this.bg = null;
    bg.job.abort();
    for (const f of bg.done) f(false);
  }

  /** serverCron's part: save points, and a scheduled BGSAVE. */
  cron(): void {
    if (this.bg !== null || this.loading || this.host.aof.rewriteInProgress) return;
    const now = Math.floor(Date.now() / 1000);
    const dirty = this.host.dirty;
    for (const [secs, changes] of this.savePoints()) {
      if (dirty >= changes && now - this.host.lastSave > secs && (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveOk)) {
        this.host.log.notice(`${changes} changes in ${secs} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
    if (this.scheduled && (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveOk)) {
      this.scheduled = false;
      this.bgsave();
    }
  }

  // ---- loading -------------------------------------------------------------

  /**
   * Loads dir/dbfilename into the (empty) databases, in steps that leave the
   * event loop free in between (clients get -LOADING). Resolves with the
   * stats, or null when there is no file; rejects with RdbError for a file
   * that cannot be loaded (the databases are emptied again).
   */
  async loadFile(): Promise<LoadStats | null> {
    const file = this.path();
    let buf: Buffer;
    try {
      await fsp.access(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new RdbError(`Fatal error loading the DB: ${errText(e)}. Exiting.`);
    }
    // loading from here on (clients get -LOADING while the file is read, as Redis's startLoadingFile)
    this.loading = true;
    this.loadingStart = Math.floor(Date.now() / 1000);
    try {
      buf = await fsp.readFile(file);
    } catch (e) {
      this.loading = false;
      throw new RdbError(`Fatal error loading the DB: ${errText(e)}. Exiting.`);
    }
    return this.loadBuffer(buf);
  }

  /** Loads an RDB image (a file's bytes) in steps; see loadFile. */
  async loadBuffer(buf: Buffer): Promise<LoadStats> {
    const ks = this.host.keyspace;
    const log = this.host.log;
    const cfg = this.host.config;
    const t0 = performance.now();
    this.loading = true;
    this.loadingStart = Math.floor(Date.now() / 1000);
    this.loadingTotalBytes = buf.length;
    this.loadingLoadedBytes = 0;
    try {
      const loader = new RdbLoader(buf, ks.dbs, {
        limits: cfg.typeLimits,
        checksum: cfg.getBool('rdbchecksum'),
        dropExpired: true,
        now: Date.now(),
        keyDelayUs: cfg.getInt('key-load-delay'),
        log: (level, line) => (level === 'warning' ? log.warning(line) : log.notice(line)),
      });
      let lastLog = performance.now();
      const delayed = cfg.getInt('key-load-delay') !== 0;
      for (;;) {
        const done = loader.step(delayed ? 50 : 2000);
        this.loadingLoadedBytes = loader.position;
        const used = loader.stats.aux.get('used-mem');
        if (used !== undefined) this.loadingRdbUsedMem = Number(used);
        if (done) break;
        const now = performance.now();
        if (now - lastLog >= 5000) {
          lastLog = now;
          const perc = ((loader.position / buf.length) * 100).toFixed(2);
          log.notice(`Loading RDB: ${perc}% (${loader.position} of ${buf.length} bytes), keys loaded: ${loader.stats.keysLoaded}`);
        }
        await new Promise((r) => setImmediate(r));
      }
      const st = loader.stats;
      this.lastLoadKeysLoaded = st.keysLoaded;
      this.lastLoadKeysExpired = st.keysExpired;
      log.notice(`Done loading RDB, keys loaded: ${st.keysLoaded}, keys expired: ${st.keysExpired}.`);
      log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
      return st;
    } catch (e) {
      for (const db of ks.dbs) db.clear();
      if (e instanceof RdbError) throw e;
      throw new RdbError(`Internal error in RDB reading: ${errText(e)}`);
    } finally {
      this.loading = false;
    }
  }

  /**
   * Loads dir/dbfilename at once, blocking (DEBUG RELOAD): into the current
   * databases (merge: keys of the file replace those present). Returns null,
   * or the reason it failed (logged).
   */
  loadSync(merge: boolean): string | null {
    const cfg = this.host.config;
    const log = this.host.log;
    const t0 = performance.now();
    try {
      const buf = readFileSync(this.path());
      const loader = new RdbLoader(buf, this.host.keyspace.dbs, {
        limits: cfg.typeLimits,
        checksum: cfg.getBool('rdbchecksum'),
        dropExpired: true,
        now: Date.now(),
        replace: merge,
        log: (level, line) => (level === 'warning' ? log.warning(line) : log.notice(line)),
      });
      loader.step(Infinity);
      this.lastLoadKeysLoaded = loader.stats.keysLoaded;
      this.lastLoadKeysExpired = loader.stats.keysExpired;
      log.notice(`Done loading RDB, keys loaded: ${loader.stats.keysLoaded}, keys expired: ${loader.stats.keysExpired}.`);
      log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
      return null;
    } catch (e) {
      const msg = e instanceof RdbError ? e.message : `Fatal error loading the DB: ${errText(e)}`;
      log.warning(msg);
      return msg;
    }
  }
}

/** Writes all of chunk[off..] at the file position, then calls back. */
function writeChunk(fd: number, chunk: Buffer, off: number, cb: (err: Error | null) => void): void {
  write(fd, chunk, off, chunk.length - off, null, (err, n) => {
    if (err !== null) return cb(err);
    if (off + n < chunk.length) return writeChunk(fd, chunk, off + n, cb);
    cb(null);
  });
}

function closeQuietly(job: { fd: number }): void {
  try {
    if (job.fd >= 0) closeSync(job.fd);
  } catch {
    // closed already
  }
  job.fd = -1;
}

export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code !== undefined ? `${err.message}` : String(err.message ?? e);
}

