/**
 * The periodic work (Redis's serverCron), at `hz` rounds a second: active
 * expiry, instantaneous ops/sec, idle-client timeouts, blocked-client
 * timeouts that a jumped clock missed, the tracking table's limit, peak
 * memory, reply-buffer peaks, soft output-buffer limits and client
 * eviction. A fault in a round is logged and the next round runs.
 */
import { ClientFlag, type Client } from './client.js';
import type { Config } from '../config/config.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { Logger } from './log.js';
import type { Stats } from './stats.js';
import type { Blocking } from '../command/blocking.js';
import type { Tracking } from './tracking.js';
import type { ClientEviction } from './client-eviction.js';

/** What the periodic work tends: the keyspace, the clients and the pieces with deadlines or limits. */
export interface CronHost {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly log: Logger;
  readonly stats: Stats;
  readonly clients: ReadonlyMap<number, Client>;
  readonly blocking: Blocking;
  readonly tracking: Tracking;
  readonly clientEviction: ClientEviction;
  internalError(where: string, e: unknown): string;
  samplePeakMemory(): number;
  /** RDB save points and a scheduled BGSAVE. */
  readonly rdb: { cron(): void };
  /** Scheduled and automatic AOF rewrites, postponed writes, the everysec fsync. */
  readonly aof: { cron(): void };
}

export class Cron {
  /** Rounds run. */
  loops = 0;
  /** DEBUG PAUSE-CRON: rounds are skipped until it is resumed. */
  paused = false;
  /** Commands per second, averaged over the last 16 samples of 100 ms. */
  instantaneousOps = 0;
  private timer: NodeJS.Timeout | null = null;
  private opsSamples: number[] = [];
  private lastOpsSample = { time: Date.now(), ops: 0 };
  private lastReplyPeakReset = 0;

  constructor(private readonly server: CronHost) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => {
      try {
        this.run();
      } catch (e) {
        this.server.internalError('cron', e);
      }
    }, Math.max(1, Math.floor(1000 / this.server.config.hz)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  run(): void {
    if (this.paused) return;
    this.loops++;
    const server = this.server;
    server.keyspace.activeExpireCycle(server.config.hz, server.config.getInt('active-expire-effort'));
    // Keys the cycle deleted may wake blocked clients (XREADGROUP fails when its stream expires), as Redis's beforeSleep.
    if (server.blocking.hasReady) server.blocking.handleReady();
    const now = Date.now();
    // instantaneous ops/sec, sampled every 100ms like Redis
    if (now - this.lastOpsSample.time >= 100) {
      const ops = server.stats.commandsProcessed - this.lastOpsSample.ops;
      const rate = (ops * 1000) / (now - this.lastOpsSample.time);
      this.opsSamples.push(rate);
      if (this.opsSamples.length > 16) this.opsSamples.shift();
      this.instantaneousOps = Math.round(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length);
      this.lastOpsSample = { time: now, ops: server.stats.commandsProcessed };
    }
    const timeout = server.config.getInt('timeout');
    if (timeout > 0 && (this.loops % Math.max(1, server.config.hz)) === 0) {
      for (const c of [...server.clients.values()]) {
        if (c.has(ClientFlag.PubSub) || c.has(ClientFlag.Blocked) || c.has(ClientFlag.Monitor)) continue;
        if (now - c.lastInteraction > timeout * 1000) {
          server.log.verbose('Closing idle client');
          c.close();
        }
      }
    }
    server.blocking.checkTimeouts(now);
    server.rdb.cron();
    server.aof.cron();
    if (server.tracking.trackingClients > 0) server.tracking.limit();
    if ((this.loops & 7) === 0) server.samplePeakMemory();
    // reply buffer peaks are reset every 5 seconds, as Redis does
    if (now - this.lastReplyPeakReset >= 5000) {
      this.lastReplyPeakReset = now;
      for (const c of server.clients.values()) c.replyPeak = 0;
    }
    // soft output limits need time to pass even without new output
    for (const c of server.clients.values()) if (c.softLimit !== null) c.checkOutputLimits();
    // client eviction: every connection's figure re-read, the limit enforced
    if (server.clientEviction.active) server.clientEviction.cron();
  }
}
