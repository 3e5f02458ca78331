/**
 * The command table: Redis 7.0's command metadata (generated facts in
 * meta/commands.json) joined with Sinew's handlers. Only commands with a
 * handler are served; the rest are listed as unsupported in
 * docs/COMPATIBILITY.md.
 */
import commandsJson from './meta/commands.json' with { type: 'json' };
import extraJson from './meta/extra.json' with { type: 'json' };

/**
 * A command's implementation as the table holds it. The table does not know
 * the client type the command path passes (that belongs to the layer above:
 * `Handler` in server/server.ts), so a table is generic in its handlers.
 */
export type AnyHandler = (c: never, argv: string[]) => void;

export interface KeySpecMeta {
  flags: string[];
  begin_search: { type: string; spec: Record<string, number | string> };
  find_keys: { type: string; spec: Record<string, number> };
  notes?: string;
}

export interface CommandMeta {
  name: string;
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  acl: string[];
  tips: string[];
  keySpecs: KeySpecMeta[];
  subcommands: CommandMeta[];
  group?: string;
  since?: string;
  docFlags?: string[];
  deprecatedSince?: string;
  arguments?: unknown[];
}

export const F = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  admin: 1 << 3,
  pubsub: 1 << 4,
  noscript: 1 << 5,
  blocking: 1 << 6,
  loading: 1 << 7,
  stale: 1 << 8,
  skip_monitor: 1 << 9,
  skip_slowlog: 1 << 10,
  fast: 1 << 11,
  no_auth: 1 << 12,
  may_replicate: 1 << 13,
  no_mandatory_keys: 1 << 14,
  no_multi: 1 << 15,
  allow_busy: 1 << 16,
  sentinel: 1 << 17,
  only_sentinel: 1 << 18,
  module: 1 << 19,
  no_async_loading: 1 << 20,
} as const;

/** Commands that may propagate without being writes (Redis 7.0's CMD_MAY_REPLICATE). */
const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'pfcount', 'publish', 'spublish']);

export class Command<H extends AnyHandler = AnyHandler> {
  readonly name: string;
  /** "get" or "config|get" */
  readonly fullname: string;
  readonly arity: number;
  readonly flags: number;
  readonly meta: CommandMeta;
  readonly handler: H | null;
  readonly parent: Command<H> | null;
  subcommands: Map<string, Command<H>> | null = null;
  /** Id used by ACL bitmaps. */
  id = 0;
  /** Where the permission check finds this command's keys and channels (permissions.ts fills it on first use). */
  accessPlan: object | null = null;
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;

  constructor(meta: CommandMeta, handler: H | null, parent: Command<H> | null) {
    this.meta = meta;
    this.fullname = meta.name;
    this.name = parent ? meta.name.slice(parent.name.length + 1) : meta.name;
    this.arity = meta.arity;
    let f = 0;
    for (const fl of meta.flags) f |= (F as Record<string, number>)[fl] ?? 0;
    // COMMAND INFO does not show Redis's internal may-replicate flag: these are the commands that carry it.
    if (MAY_REPLICATE.has(meta.name)) f |= F.may_replicate;
    this.flags = f;
    this.handler = handler;
    this.parent = parent;
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /**
   * Key argument positions of an invocation, from the key specs; with
   * `writesOnly`, only the keys the command may modify (no RO specs).
   */
  keyPositions(argv: readonly string[], writesOnly = false): number[] {
    const { keys } = resolveKeys(this.meta, argv, writesOnly);
    const out = keys.map(([pos]) => pos);
    // specs may overlap (e.g. a key that is both read and written)
    return out.length > 1 ? [...new Set(out)] : out;
  }
}

/**
 * Key positions of an invocation: from the key specs, or, for commands whose
 * specs cannot say where a key is (SORT's STORE may stand anywhere), from
 * the command's own rule, as Redis's getkeys procedures.
 */
export function resolveKeys(meta: CommandMeta, argv: readonly string[], writesOnly: boolean): { keys: [number, number][]; malformed: boolean } {
  if (meta.name === 'sort') return { keys: sortKeys(argv, writesOnly), malformed: false };
  return resolveKeySpecs(meta.keySpecs, argv, writesOnly);
}

/**
 * SORT's keys (sortGetKeys): the sorted key (spec 0), and the key of the
 * last STORE that has an argument (spec 2), skipping LIMIT's two arguments
 * and BY's and GET's one.
 */
function sortKeys(argv: readonly string[], writesOnly: boolean): [number, number][] {
  const keys: [number, number][] = writesOnly ? [] : [[1, 0]];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'limit') i += 2;
    else if (a === 'get' || a === 'by') i += 1;
    else if (a === 'store' && i + 1 < argv.length) store = i + 1;
  }
  if (store > 0) keys.push([store, 2]);
  return keys;
}

/**
 * Interprets key specs over an invocation: each key position with the index
 * of the spec it came from. A key count that is not a count, or that names
 * keys past the end of argv, makes the result `malformed` (its spec gives
 * only the keys that exist).
 */
export function resolveKeySpecs(
  specs: readonly KeySpecMeta[],
  argv: readonly string[],
  writesOnly: boolean,
): { keys: [number, number][]; malformed: boolean } {
  const keys: [number, number][] = [];
  let malformed = false;
  const argc = argv.length;
  for (let si = 0; si < specs.length; si++) {
    const ks = specs[si];
    if (writesOnly && (ks.flags.includes('RO') || ks.flags.includes('not_key'))) continue;
    let first = -1;
    const bs = ks.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index as number;
    } else if (bs.type === 'keyword') {
      const kw = String(bs.spec.keyword).toLowerCase();
      const from = bs.spec.startfrom as number;
      if (from >= 0) {
        for (let i = from; i < argc; i++) if (argv[i].toLowerCase() === kw) { first = i + 1; break; }
      } else {
        for (let i = argc + from; i > 0; i--) if (argv[i].toLowerCase() === kw) { first = i + 1; break; }
      }
      if (first < 0) continue;
    } else {
      continue;
    }
    const fk = ks.find_keys;
    if (fk.type === 'range') {
      const { lastkey, keystep, limit } = fk.spec;
      let last: number;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit <= 1) last = argc + lastkey;
      else last = first + Math.floor((argc + lastkey - first) / limit);
      if (last >= argc) last = argc - 1;
      for (let i = first; i <= last; i += keystep) keys.push([i, si]);
    } else if (fk.type === 'keynum') {
      const { keynumidx, firstkey, keystep } = fk.spec;
      const nIdx = first + keynumidx;
      if (nIdx >= argc) continue;
      const n = Number(argv[nIdx]);
      if (!Number.isInteger(n) || n < 0) {
        malformed = true;
        continue;
      }
      const start = first + firstkey;
      if (start + (n - 1) * keystep >= argc) malformed = true;
      for (let i = 0, p = start; i < n && p < argc; i++, p += keystep) keys.push([p, si]);
    }
  }
  return { keys, malformed };
}

/**
 * A command of Redis 7.0's table, served or not, as ACL rules see it: rules
 * name and categorise every command (as Redis's table holds them all), so
 * a user's bitmap and its description do not depend on what Sinew serves.
 */
export interface CatalogEntry {
  /** Index in the catalog; the Command's id when served. */
  readonly id: number;
  readonly fullname: string;
  /** ACL categories without the '@'. */
  readonly categories: readonly string[];
  /** The container's id for a subcommand, else -1. */
  readonly parent: number;
  /** Subcommand ids of a container. */
  readonly subs: readonly number[];
  /** Allowed to everyone, authenticated or not (AUTH, HELLO). */
  readonly noAuth: boolean;
}

export class CommandTable<H extends AnyHandler = AnyHandler> {
  private readonly byName = new Map<string, Command<H>>();
  /** Every command with a handler, top-level, in name order. */
  readonly all: Command<H>[] = [];
  readonly metas: CommandMeta[];
  /** Every command and subcommand of the metadata, by id (top-level commands in table order, each followed by its subcommands). */
  readonly catalog: CatalogEntry[] = [];

  constructor(metas: CommandMeta[], handlers: Record<string, H>) {
    this.metas = metas;
    const entry = (m: CommandMeta, parent: number): CatalogEntry => {
      const e: CatalogEntry = {
        id: this.catalog.length,
        fullname: m.name,
        categories: m.acl.map((a) => a.slice(1)),
        parent,
        subs: [],
        noAuth: m.flags.includes('no_auth'),
      };
      this.catalog.push(e);
      return e;
    };
    for (const meta of metas) {
      const top = entry(meta, -1);
      const subIds = new Map<string, number>();
      for (const sm of meta.subcommands) subIds.set(sm.name, entry(sm, top.id).id);
      (top.subs as number[]).push(...subIds.values());
      const subs = meta.subcommands.filter((s) => handlers[s.name] !== undefined);
      const own = handlers[meta.name] ?? null;
      if (own === null && subs.length === 0) continue;
      const cmd = new Command<H>(meta, own, null);
      cmd.id = top.id;
      if (meta.subcommands.length > 0) {
        cmd.subcommands = new Map();
        for (const sm of subs) {
          const sc = new Command<H>(sm, handlers[sm.name], cmd);
          sc.id = subIds.get(sm.name)!;
          cmd.subcommands.set(sc.name, sc);
        }
      }
      this.all.push(cmd);
      this.byName.set(cmd.name, cmd);
      this.byName.set(cmd.name.toUpperCase(), cmd);
    }
  }

  get size(): number {
    return this.all.length;
  }

  /**
   * rename-command (config files only): the command answers to `to`
   * instead, or to nothing when `to` is empty; it keeps its own name in
   * COMMAND, the slowlog and ACL rules, as in Redis. A command of Redis's
   * table that Sinew does not serve is answered by no name either way.
   * Returns null or Redis's error.
   */
  rename(from: string, to: string): string | null {
    const cmd = this.byName.get(from.toLowerCase());
    if (cmd === undefined) {
      const known = this.metas.some((m) => m.name === from.toLowerCase());
      return known ? null : 'No such command in rename-command';
    }
    this.byName.delete(from.toLowerCase());
    this.byName.delete(from.toUpperCase());
    if (to === '') {
      const i = this.all.indexOf(cmd);
      if (i >= 0) this.all.splice(i, 1);
      return null;
    }
    if (this.byName.has(to.toLowerCase())) return 'Target command name already exists';
    this.byName.set(to.toLowerCase(), cmd);
    this.byName.set(to.toUpperCase(), cmd);
    return null;
  }

  /** Finds a top-level command by any case. */
  lookup(name: string): Command<H> | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** Finds "get" or "config|get". */
  lookupFull(fullname: string): Command<H> | undefined {
    const lname = fullname.toLowerCase();
    const bar = lname.indexOf('|');
    if (bar < 0) return this.byName.get(lname);
    const parent = this.byName.get(lname.slice(0, bar));
    return parent?.subcommands?.get(lname.slice(bar + 1));
  }

  /** Resolves the command an argv names (descending into subcommands). */
  resolve(argv: readonly string[]): Command<H> | undefined {
    const cmd = this.lookup(argv[0]);
    if (cmd === undefined || cmd.subcommands === null || argv.length < 2) return cmd;
    return cmd.subcommands.get(argv[1].toLowerCase());
  }
}

/** Redis 7.0's command metadata (facts only). */
export function loadCommandMeta(): CommandMeta[] {
  if (merged !== null) return merged;
  const base = structuredClone((commandsJson as unknown as { commands: CommandMeta[] }).commands);
  const extra = (extraJson as unknown as { subcommands: Record<string, CommandMeta[]> }).subcommands;
  for (const [parent, subs] of Object.entries(extra)) {
    const p = base.find((m) => m.name === parent);
    if (p === undefined) continue;
    for (const s of subs) if (!p.subcommands.some((x) => x.name === s.name)) p.subcommands.push(s);
  }
  merged = base;
  return merged;
}

let merged: CommandMeta[] | null = null;
