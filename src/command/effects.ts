/**
 * The effect stream: what the dataset's changes look like as commands, in
 * the deterministic form a replica or the append-only file replays.
 *
 * Handlers state their effects (by rewriting the command's own form, or by
 * adding more ops); the command path collects them for the outermost call
 * and emits them when it ends (Redis 7.0's alsoPropagate and
 * propagatePendingCommands): several ops are wrapped in MULTI/EXEC (EXEC,
 * scripts, a write that also deleted an expired key), one goes alone.
 * Each consumer sees SELECT inserted whenever the database changes.
 */

/** Where an effect goes: the append-only file, replicas, or both. */
export const Target = {
  AOF: 1,
  REPL: 2,
  ALL: 3,
} as const;

interface Op {
  dbid: number;
  argv: string[];
  target: number;
}

/** Receives the stream: whole commands, SELECT included, in order. */
export type EffectConsumer = (argv: string[]) => void;

interface Subscription {
  consume: EffectConsumer;
  target: number;
  /** The database the consumer's stream has selected (-1: none yet). */
  db: number;
}

const MULTI = ['MULTI'];
const EXEC = ['EXEC'];

export class Effects {
  private ops: Op[] = [];
  private subs: Subscription[] = [];

  /** True when anything consumes effects: the command path collects them only then. */
  get active(): boolean {
    return this.subs.length > 0;
  }

  /** Ops collected for the command under way. */
  get pending(): number {
    return this.ops.length;
  }

  /** Adds an op to what the current command propagates. */
  also(dbid: number, argv: string[], target: number = Target.ALL): void {
    if (this.subs.length === 0) return;
    this.ops.push({ dbid, argv, target });
  }

  /**
   * Emits what was collected. Several ops are one MULTI/EXEC block unless
   * `noMulti` (active expiry and eviction emit their deletions one by one).
   */
  flush(noMulti = false): void {
    const ops = this.ops;
    if (ops.length === 0) return;
    this.ops = [];
    const transaction = ops.length > 1 && !noMulti;
    // MULTI takes the first op's database (so that SELECT comes before it), EXEC the last one's.
    if (transaction) this.emit(ops[0].dbid, MULTI, Target.ALL);
    for (const op of ops) this.emit(op.dbid, op.argv, op.target);
    if (transaction) this.emit(ops[ops.length - 1].dbid, EXEC, Target.ALL);
  }

  /** Drops what was collected (nothing consumes it any more). */
  discard(): void {
    this.ops = [];
  }

  /**
   * Adds a consumer of the ops for `target` (AOF, REPL or both); it first
   * sees a SELECT of the database of the first op it receives. Returns the
   * function that removes it.
   */
  subscribe(consume: EffectConsumer, target: number = Target.ALL): () => void {
    const sub: Subscription = { consume, target, db: -1 };
    this.subs.push(sub);
    return () => {
      const i = this.subs.indexOf(sub);
      if (i >= 0) this.subs.splice(i, 1);
      if (this.subs.length === 0) this.ops = [];
    };
  }

  /** The consumer's next op is preceded by SELECT again (a new file begins). */
  forgetDb(consume: EffectConsumer): void {
    for (const sub of this.subs) if (sub.consume === consume) sub.db = -1;
  }

  private emit(dbid: number, argv: string[], target: number): void {
    for (const sub of this.subs) {
      if ((sub.target & target) === 0) continue;
      if (sub.db !== dbid) {
        sub.consume(['SELECT', String(dbid)]);
        sub.db = dbid;
      }
      sub.consume(argv);
    }
  }
}
