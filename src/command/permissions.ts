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

/** How a command touches a key, from its key spec's flags. */
export type KeyAccess = 'read' | 'write' | 'readwrite';

/** Where the command came from (ACL LOG's context field). */
export type PermissionContext = 'toplevel' | 'multi' | 'lua';

/** A user's permissions, as the ACL subsystem states them. */
export interface AccessRules {
  readonly username: string;
  /** Every command, key and channel allowed: the check stops here. */
  readonly unrestricted: boolean;
  allowsCommand(cmd: Command, argv: readonly string[]): boolean;
  allowsKey(key: string, access: KeyAccess): boolean;
  allowsChannel(channel: string, isPattern: boolean): boolean;
}

export interface PermissionDenial {
  reason: 'command' | 'key' | 'channel';
  /** The command's full name ('config|set'), the key or the channel refused. */
  object: string;
  username: string;
  context: PermissionContext;
}

/** The default user while Sinew has no ACL users: everything allowed. */
export const UNRESTRICTED: AccessRules = {
  username: 'default',
  unrestricted: true,
  allowsCommand: () => true,
  allowsKey: () => true,
  allowsChannel: () => true,
};

/** Commands whose arguments from the first on are channels (or patterns). */
const CHANNEL_ARGS: Record<string, { from: number; to: number; pattern: boolean }> = {
  subscribe: { from: 1, to: -1, pattern: false },
  ssubscribe: { from: 1, to: -1, pattern: false },
  psubscribe: { from: 1, to: -1, pattern: true },
  publish: { from: 1, to: 1, pattern: false },
  spublish: { from: 1, to: 1, pattern: false },
};

export function checkPermission(rules: AccessRules, cmd: Command, argv: readonly string[], context: PermissionContext): PermissionDenial | null {
  if (rules.unrestricted) return null;
  const deny = (reason: PermissionDenial['reason'], object: string): PermissionDenial => ({ reason, object, username: rules.username, context });
  if (!rules.allowsCommand(cmd, argv)) return deny('command', cmd.fullname);
  const specs = cmd.meta.keySpecs;
  if (specs.length > 0) {
    for (const [pos, spec] of resolveKeys(cmd.meta, argv, false).keys) {
      if (!rules.allowsKey(argv[pos], keyAccess(specs[spec].flags))) return deny('key', argv[pos]);
    }
  }
  const ch = CHANNEL_ARGS[cmd.fullname];
  if (ch !== undefined) {
    const last = ch.to < 0 ? argv.length - 1 : Math.min(ch.to, argv.length - 1);
    for (let i = ch.from; i <= last; i++) if (!rules.allowsChannel(argv[i], ch.pattern)) return deny('channel', argv[i]);
  }
  return null;
}

function keyAccess(flags: readonly string[]): KeyAccess {
  if (flags.includes('RO')) return 'read';
  if (flags.includes('RW')) return 'readwrite';
  return 'write'; // OW, RM
}

/** The reply Redis 7.0 gives a client refused by the check (without the leading '-'). */
export function denialMessage(d: PermissionDenial): string {
  if (d.reason === 'command') return `NOPERM this user has no permissions to run the '${d.object}' command`;
  if (d.reason === 'key') return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
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
