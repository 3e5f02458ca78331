/**
 * CLIENT PAUSE, decided in the command path after lookup from what the
 * command is (Redis 7.0's processCommand): under ALL every command of a
 * normal client is held; under WRITE, those that write or may propagate
 * (EXEC of a transaction holding one; a script unless it declares
 * no-writes). A held client keeps its command and counts among INFO's
 * blocked clients; CLIENT UNPAUSE, or the end of the pause, runs the held
 * commands in the order they were held. Expired keys are kept while paused.
 */
import { ClientFlag, type Client } from '../server/client.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { F, type Command } from './table.js';
import { scriptDeclaresNoWrites, type ScriptEngine } from '../scripting/engine.js';

/** What a pause needs of the server: the keyspace (expiry stops), the script cache, and the command path to run held commands. */
export interface PauseHost {
  readonly keyspace: Keyspace;
  readonly scriptingIfStarted: ScriptEngine | null;
  dispatch(c: Client, argv: string[]): void;
  finishTiming(): void;
  internalError(where: string, e: unknown): string;
}

export class ClientPause {
  /** When the pause ends (ms since the epoch); 0 when not paused. */
  until = 0;
  writesOnly = false;
  private held = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly server: PauseHost) {}

  /** Whether this command of this client waits (ends a pause whose time is up). */
  holds(c: Client, cmd: Command, argv: string[]): boolean {
    if (this.until === 0) return false;
    if (Date.now() >= this.until) {
      this.unpause();
      return false;
    }
    if ((c.flags & ClientFlag.Fake) !== 0) return false;
    if (!this.writesOnly) return true;
    if ((cmd.flags & (F.write | F.may_replicate)) !== 0) return !scriptDeclaresNoWrites(this.server.scriptingIfStarted, cmd.name, argv);
    if (cmd.name === 'exec' && cmd.parent === null && c.mstate !== null) {
      for (const q of c.mstate) if ((q.cmd.flags & (F.write | F.may_replicate)) !== 0) return true;
    }
    return false;
  }

  /** Holds a client's command until the pause ends (Redis's postponed clients). */
  hold(c: Client, argv: string[]): void {
    c.postponed = argv;
    c.flags |= ClientFlag.Blocked;
    this.held.add(c);
  }

  /** Clients held (counted among INFO's blocked clients, as Redis counts them). */
  get heldClients(): number {
    return this.held.size;
  }

  pause(until: number, writesOnly: boolean): void {
    if (until > this.until || this.until === 0) this.until = until;
    this.writesOnly = writesOnly;
    this.server.keyspace.expiryPaused = true; // Redis keeps expired keys while clients are paused
    this.arm();
  }

  /**
   * Unpauses when the pause ends. Node's timers hold at most 2^31-1 ms (a
   * longer delay fires at once), so a longer pause re-arms until it is due.
   */
  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const left = this.until - Date.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.until - Date.now() > 0) this.arm();
      else this.unpause();
    }, Math.min(0x7fffffff, Math.max(0, left)));
  }

  unpause(): void {
    const server = this.server;
    this.until = 0;
    this.writesOnly = false;
    server.keyspace.expiryPaused = false;
    this.stop();
    // Released in the order they were held: each runs its command, then what it sent since.
    const list = [...this.held];
    this.held.clear();
    for (const c of list) {
      const argv = c.postponed;
      c.postponed = null;
      c.flags &= ~ClientFlag.Blocked;
      if ((c.flags & ClientFlag.Closed) !== 0 || argv === null) continue;
      try {
        server.dispatch(c, argv);
      } catch (e) {
        c.w.error(server.internalError(argv[0], e));
      }
      server.finishTiming();
      c.resume();
    }
  }

  /** A client that goes is no longer held. */
  forget(c: Client): void {
    this.held.delete(c);
  }

  /** Stops the timer (the server closes, or the pause ended). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
