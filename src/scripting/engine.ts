/**
 * What the rest of the server knows of the script engine (Lua, lua.ts):
 * its cache of scripts and how to run one. The server holds an engine by
 * this interface; the composition root supplies the implementation.
 */
import type { Client } from '../server/client.js';

/** A cached script's flags, as its shebang line states them. */
export interface ScriptFlags {
  /** Has a "#!lua" line (flags apply). */
  readonly shebang: boolean;
  readonly noWrites: boolean;
  readonly allowOom: boolean;
}

export interface ScriptEngine {
  /** sha -> cached script. */
  readonly scripts: ReadonlyMap<string, ScriptFlags>;
  /** Bytes of the cached script bodies (INFO memory). */
  readonly bodyBytes: number;
  /** Compiles and caches a script body: its sha, or the error to reply with. */
  load(body: string): { sha: string } | { error: string };
  /** Runs a cached script for a client, replying to it. */
  run(c: Client, sha: string, keys: string[], args: string[], readOnly: boolean): void;
  /** Empties the cache. */
  flush(): void;
}

/**
 * EVAL/EVALSHA of a script whose shebang declares no-writes (its command
 * then neither writes nor may propagate: CLIENT PAUSE WRITE lets it run).
 * EVAL reads the flags from the body, EVALSHA from the cached script.
 */
export function scriptDeclaresNoWrites(engine: ScriptEngine | null, name: string, argv: string[]): boolean {
  if (argv.length < 2) return false;
  if (name === 'evalsha') {
    const script = engine?.scripts.get(argv[1].toLowerCase());
    return script !== undefined && script.shebang && script.noWrites;
  }
  if (name !== 'eval') return false;
  const body = argv[1];
  if (!body.startsWith('#!')) return false;
  const nl = body.indexOf('\n');
  const parts = (nl < 0 ? body : body.slice(0, nl)).split(' ');
  return parts.some((p) => p.startsWith('flags=') && p.slice(6).split(',').includes('no-writes'));
}
