/**
 * The permission check: one function of (a user's rules, the command, its
 * arguments) called by the command path for a client's own commands, for
 * each command EXEC runs and for each command a script calls. It answers
 * null (allowed) or a denial that says what was refused (the command, a key
 * with the access it needed, a channel) and where, for ACL LOG to record and
 * for the caller to word as Redis does.
 *
 * A user with every permission is decided by one flag test; only a
 * restricted user pays for key and channel extraction.
 */
import { resolveKeys, type Command } from './table.js';

/** Where the command came from (ACL LOG's context field). */
export type PermissionContext = 'toplevel' | 'multi' | 'lua';

/** What a user may not do, most relevant first when several selectors refuse (Redis's ACL_DENIED_* order). */
export type DenialReason = 'command' | 'key' | 'channel';

/** A refusal: the reason, and the argument index of the key or channel refused (0 for the command). */
export interface Refusal {
  reason: DenialReason;
  pos: number;
}

/** A user's permissions, as the ACL subsystem states them. */
export interface AccessRules {
  readonly username: string;
  /** Every command, key and channel allowed: the check stops here. */
  readonly unrestricted: boolean;
  /** null when the invocation is allowed, else what was refused. */
  check(cmd: Command, argv: readonly string[]): Refusal | null;
}

export interface PermissionDenial {
  reason: DenialReason;
  /** The command's full name ('config|set'), the key or the channel refused. */
  object: string;
  username: string;
  context: PermissionContext;
}

/** Before the ACL subsystem gives a client its user: everything allowed. */
export const UNRESTRICTED: AccessRules = {
  username: 'default',
  unrestricted: true,
  check: () => null,
};

/** Key access a pattern must grant (ACL_READ_PERMISSION, ACL_WRITE_PERMISSION). */
export const KEY_READ = 1;
export const KEY_WRITE = 2;

/** Read for a key spec's `access` flag, write for `insert`, `delete` or `update` (ACLSelectorCheckKey). */
function specAccess(flags: readonly string[]): number {
  let need = 0;
  for (const f of flags) {
    if (f === 'access') need |= KEY_READ;
    else if (f === 'insert' || f === 'delete' || f === 'update') need |= KEY_WRITE;
  }
  return need;
}

/** Commands whose arguments from `from` on are channels (or patterns) a user must be allowed (publish and subscribe, not unsubscribe); `to` -1 is the last argument. */
const CHANNEL_ARGS: Record<string, { from: number; to: number; pattern: boolean }> = {
  subscribe: { from: 1, to: -1, pattern: false },
  ssubscribe: { from: 1, to: -1, pattern: false },
  psubscribe: { from: 1, to: -1, pattern: true },
  publish: { from: 1, to: 1, pattern: false },
  spublish: { from: 1, to: 1, pattern: false },
};

/** Where a command's keys and channels are, worked out once per command. */
interface AccessPlan {
  /** -1: no keys; 0: one key at `pos`; 1: SET/BITFIELD (one key, access from the arguments); 2: from the key specs. */
  keys: -1 | 0 | 1 | 2;
  pos: number;
  need: number;
  /** The access each key spec needs (keys from the specs). */
  specNeed: number[];
  channels: { from: number; to: number; pattern: boolean } | null;
}

function planOf(cmd: Command): AccessPlan {
  let p = cmd.accessPlan as AccessPlan | null;
  if (p !== null) return p;
  const specs = cmd.meta.keySpecs;
  const name = cmd.fullname;
  p = { keys: specs.length === 0 && name !== 'sort' ? -1 : 2, pos: 0, need: 0, specNeed: specs.map((ks) => specAccess(ks.flags)), channels: CHANNEL_ARGS[name] ?? null };
  if (name === 'set' || name === 'bitfield') {
    p.keys = 1;
    p.pos = 1;
  } else if (specs.length === 1 && name !== 'sort') {
    const ks = specs[0];
    const single = ks.begin_search.type === 'index' && ks.find_keys.type === 'range' && ks.find_keys.spec.lastkey === 0;
    if (single && !ks.flags.includes('not_key')) {
      p.keys = 0;
      p.pos = ks.begin_search.spec.index as number;
      p.need = specAccess(ks.flags);
    }
  }
  cmd.accessPlan = p;
  return p;
}

/**
 * The keys of an invocation with the access each needs, into `pos` and
 * `need` (reused arrays); returns how many. SET and BITFIELD declare
 * variable flags: as Redis's getkeys procedures, SET reads its key only
 * with GET, and BITFIELD writes only with SET or INCRBY.
 */
export function keyAccesses(cmd: Command, argv: readonly string[], pos: number[], need: number[]): number {
  const p = planOf(cmd);
  if (p.keys === -1) return 0;
  if (p.keys === 0 || p.keys === 1) {
    if (argv.length <= p.pos) return 0;
    pos[0] = p.pos;
    need[0] = p.keys === 0 ? p.need : cmd.fullname === 'set' ? setAccess(argv) : bitfieldAccess(argv);
    return 1;
  }
  const specNeed = p.specNeed;
  const keys = resolveKeys(cmd.meta, argv, false).keys;
  for (let i = 0; i < keys.length; i++) {
    pos[i] = keys[i][0];
    need[i] = specNeed[keys[i][1]];
  }
  return keys.length;
}

function setAccess(argv: readonly string[]): number {
  for (let i = 3; i < argv.length; i++) if (argv[i].length === 3 && argv[i].toLowerCase() === 'get') return KEY_READ | KEY_WRITE;
  return KEY_WRITE;
}

function bitfieldAccess(argv: readonly string[]): number {
  for (let i = 2; i < argv.length; i++) {
    const rem = argv.length - i - 1;
    const a = argv[i].toLowerCase();
    if (a === 'get' && rem >= 2) i += 2;
    else if ((a === 'set' || a === 'incrby') && rem >= 3) return KEY_READ | KEY_WRITE;
    else if (a === 'overflow' && rem >= 1) i += 1;
    else return KEY_READ | KEY_WRITE;
  }
  return KEY_READ;
}

/** The channel arguments of a command (publish and subscribe, not unsubscribe): where they start and end (-1: the last argument), whether they are patterns; or null. */
export function channelArgs(cmd: Command): { from: number; to: number; pattern: boolean } | null {
  return planOf(cmd).channels;
}

export function checkPermission(rules: AccessRules, cmd: Command, argv: readonly string[], context: PermissionContext): PermissionDenial | null {
  if (rules.unrestricted) return null;
  const r = rules.check(cmd, argv);
  if (r === null) return null;
  return { reason: r.reason, object: r.reason === 'command' ? cmd.fullname : argv[r.pos], username: rules.username, context };
}

/** The reply Redis 7.0 gives a client refused by the check (without the leading '-'). */
export function denialMessage(d: PermissionDenial): string {
  if (d.reason === 'command') return `NOPERM this user has no permissions to run the '${d.object}' command`;
  if (d.reason === 'key') return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

/** The reason EXEC gives for a queued command the user may no longer run (execCommand). */
export function execDenialReason(d: PermissionDenial): string {
  if (d.reason === 'command') return 'no permission to execute the command or subcommand';
  if (d.reason === 'key') return 'no permission to touch the specified keys';
  return 'no permission to access one of the channels used as arguments';
}

/** The error a script gets when a command it calls is refused (Redis's scriptVerifyACL wording). */
export function scriptDenialMessage(d: PermissionDenial): string {
  const what =
    d.reason === 'command'
      ? "can't run this command or subcommand"
      : d.reason === 'key'
        ? "can't access at least one of the keys mentioned in the command arguments"
        : "can't publish to the channel mentioned in the command";
  return `ERR The user executing the script ${what}`;
}
