/**
 * ACL users as Redis 7.0 keeps them (acl.c): flags, SHA-256 password
 * hashes, and selectors, the first of which is the root selector the rules
 * outside parentheses change. A selector allows commands (a bitmap over
 * every command of the table, plus a bit for future commands that only
 * +@all sets, and first arguments of otherwise denied commands), key
 * patterns with read/write access, and channel patterns.
 *
 * A user allows an invocation when one of its selectors allows the
 * command, every key with the access its key spec needs, and every channel.
 * When none does, the refusal reported is the most relevant one, as
 * ACLCheckAllUserCommandPerm picks it.
 *
 * Rules are applied one at a time (setRule) and fail with Redis's reason;
 * describe() gives back the rules in ACL LIST's form, which applied to a
 * new user recreate the same user.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type CatalogEntry, type Command, F } from '../command/table.js';
import { type AccessRules, type Refusal, KEY_READ, KEY_WRITE, channelArgs, keyAccesses } from '../command/permissions.js';
import { globMatch, isLiteralPattern } from '../util/glob.js';
import { splitArgs } from '../protocol/parser.js';

/** ACL categories, in Redis's order (ACL CAT, descriptions). */
export const CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const;

/** The commands rules can name: the table's catalog with lookups by name and category. */
export class AclCatalog {
  readonly entries: readonly CatalogEntry[];
  private readonly byName = new Map<string, CatalogEntry>();
  /** Ids of the commands of each category (containers and subcommands alike). */
  private readonly byCategory = new Map<string, number[]>();

  constructor(entries: readonly CatalogEntry[]) {
    this.entries = entries;
    for (const e of entries) {
      this.byName.set(e.fullname, e);
      for (const c of e.categories) {
        let l = this.byCategory.get(c);
        if (l === undefined) this.byCategory.set(c, (l = []));
        l.push(e.id);
      }
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** A command or "container|sub" by any case (ACLLookupCommand). */
  lookup(name: string): CatalogEntry | undefined {
    return this.byName.get(name.toLowerCase());
  }

  category(name: string): readonly number[] | undefined {
    const n = name.toLowerCase();
    if (!(CATEGORIES as readonly string[]).includes(n)) return undefined;
    return this.byCategory.get(n) ?? [];
  }
}

/** The reasons setRule fails, worded as ACLSetUserStringError. */
export const RuleError = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  keysAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  duplicateUser: 'Duplicate user found. A user can only be defined once in config files',
  subcommandFirstArg: 'Allowing first-arg of a subcommand is not supported',
  wrongFormat: 'Wrong format',
} as const;

export class RuleFailure extends Error {
  constructor(
    readonly reason: string,
    /** ENOENT in Redis: an unknown command or category (config file loading tolerates it at first). */
    readonly unknownName = false,
  ) {
    super(reason);
  }
}

const SEL_ROOT = 1;
const SEL_ALLKEYS = 2;
const SEL_ALLCHANNELS = 4;
const SEL_ALLCOMMANDS = 8;

/** Spaces (C isspace) or NUL: not allowed in user names and patterns. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 32 || (c >= 9 && c <= 13)) return true;
  }
  return false;
}

export function hashPassword(clear: string): string {
  return createHash('sha256').update(Buffer.from(clear, 'latin1')).digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

interface KeyPattern {
  pattern: string;
  /** KEY_READ | KEY_WRITE */
  flags: number;
  /** How to match it: 'all' (*), 'exact' (no special character), 'prefix' (one trailing *), else 'glob'. */
  match: 'all' | 'exact' | 'prefix' | 'glob';
  /** The pattern without its trailing * ('prefix'). */
  prefix: string;
}

/** The cheapest way to match a pattern, decided once. */
function matchKind(p: string): KeyPattern['match'] {
  if (p === '*') return 'all';
  if (isLiteralPattern(p)) return 'exact';
  if (p.endsWith('*') && isLiteralPattern(p.slice(0, -1))) return 'prefix';
  return 'glob';
}

function patternMatches(p: KeyPattern, s: string): boolean {
  switch (p.match) {
    case 'all':
      return true;
    case 'exact':
      return s === p.pattern;
    case 'prefix': {
      // (a loop over the prefix's characters: startsWith costs several times more on short keys)
      const pre = p.prefix;
      const n = pre.length;
      if (s.length < n) return false;
      for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== pre.charCodeAt(i)) return false;
      return true;
    }
    default:
      return globMatch(p.pattern, s);
  }
}

function patternString(p: KeyPattern): string {
  if (p.flags === (KEY_READ | KEY_WRITE)) return `~${p.pattern}`;
  return (p.flags === KEY_READ ? '%R~' : '%W~') + p.pattern;
}

export class Selector {
  flags: number;
  /** One byte per catalog entry, then the future-commands byte. */
  bits: Uint8Array;
  /** First arguments allowed for commands whose bit is not set. */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly catalog: AclCatalog,
    flags: number,
  ) {
    this.flags = flags;
    this.bits = new Uint8Array(catalog.size + 1);
  }

  copy(): Selector {
    const s = new Selector(this.catalog, this.flags);
    s.bits.set(this.bits);
    if (this.firstArgs !== null) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = [...this.channels];
    return s;
  }

  get root(): boolean {
    return (this.flags & SEL_ROOT) !== 0;
  }

  get allKeys(): boolean {
    return (this.flags & SEL_ALLKEYS) !== 0;
  }

  get allChannels(): boolean {
    return (this.flags & SEL_ALLCHANNELS) !== 0;
  }

  get allCommands(): boolean {
    return (this.flags & SEL_ALLCOMMANDS) !== 0;
  }

  private get future(): boolean {
    return this.bits[this.catalog.size] !== 0;
  }

  private setBit(id: number, on: boolean): void {
    this.bits[id] = on ? 1 : 0;
    if (!on) this.flags &= ~SEL_ALLCOMMANDS;
  }

  /** ACLChangeSelectorPerm: a command, and every subcommand of a container. */
  private changePerm(e: CatalogEntry, on: boolean): void {
    this.setBit(e.id, on);
    this.firstArgs?.delete(e.id);
    for (const sub of e.subs) this.setBit(sub, on);
  }

  private setCategory(ids: readonly number[], on: boolean): void {
    for (const id of ids) this.changePerm(this.catalog.entries[id], on);
  }

  private allBits(on: boolean): void {
    this.bits.fill(on ? 1 : 0);
    if (on) this.flags |= SEL_ALLCOMMANDS;
    else this.flags &= ~SEL_ALLCOMMANDS;
    this.firstArgs = null;
  }

  /** ACLSetSelector: one rule about commands, keys or channels; throws RuleFailure. */
  apply(op: string): void {
    const lop = op.toLowerCase();
    if (lop === 'allkeys' || op === '~*') {
      this.flags |= SEL_ALLKEYS;
      this.patterns = [];
    } else if (lop === 'resetkeys') {
      this.flags &= ~SEL_ALLKEYS;
      this.patterns = [];
    } else if (lop === 'allchannels' || op === '&*') {
      this.flags |= SEL_ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'resetchannels') {
      this.flags &= ~SEL_ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'allcommands' || lop === '+@all') {
      this.allBits(true);
    } else if (lop === 'nocommands' || lop === '-@all') {
      this.allBits(false);
    } else if (op[0] === '~' || op[0] === '%') {
      this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.allChannels) throw new RuleFailure(RuleError.channelsAfterAll);
      const pat = op.slice(1);
      if (hasSpaces(pat)) throw new RuleFailure(RuleError.syntax);
      if (!this.channels.includes(pat)) this.channels.push(pat);
      this.flags &= ~SEL_ALLCHANNELS;
    } else if (op[0] === '+' && op[1] !== '@') {
      this.allowCommand(op.slice(1));
    } else if (op[0] === '-' && op[1] !== '@') {
      const e = this.catalog.lookup(op.slice(1));
      if (e === undefined) throw new RuleFailure(RuleError.unknown, true);
      this.changePerm(e, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const ids = this.catalog.category(op.slice(2));
      if (ids === undefined) throw new RuleFailure(RuleError.unknown, true);
      this.setCategory(ids, op[0] === '+');
    } else {
      throw new RuleFailure(RuleError.syntax);
    }
  }

  private addKeyPattern(op: string): void {
    if (this.allKeys) throw new RuleFailure(RuleError.keysAfterAll);
    let flags = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const ch = op[offset].toUpperCase();
        if (ch === 'R' && (flags & KEY_READ) === 0) flags |= KEY_READ;
        else if (ch === 'W' && (flags & KEY_WRITE) === 0) flags |= KEY_WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else throw new RuleFailure(RuleError.syntax);
      }
    } else flags = KEY_READ | KEY_WRITE;
    const pat = op.slice(offset);
    if (hasSpaces(pat)) throw new RuleFailure(RuleError.syntax);
    const same = this.patterns.find((p) => p.pattern === pat);
    if (same === undefined) this.patterns.push({ pattern: pat, flags, match: matchKind(pat), prefix: pat.slice(0, -1) });
    else same.flags |= flags;
    this.flags &= ~SEL_ALLKEYS;
  }

  private allowCommand(name: string): void {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const e = this.catalog.lookup(name);
      if (e === undefined) throw new RuleFailure(RuleError.unknown, true);
      this.changePerm(e, true);
      return;
    }
    const e = this.catalog.lookup(name.slice(0, bar));
    if (e === undefined) throw new RuleFailure(RuleError.unknown, true);
    if (e.parent >= 0) throw new RuleFailure(RuleError.subcommandFirstArg);
    const sub = name.slice(bar + 1);
    if (sub === '') throw new RuleFailure(RuleError.syntax);
    if (e.subs.length > 0) {
      const s = this.catalog.lookup(name);
      if (s === undefined) throw new RuleFailure(RuleError.unknown, true);
      this.changePerm(s, true);
      return;
    }
    // a first argument of an otherwise denied command (SELECT|0)
    if (this.firstArgs === null) this.firstArgs = new Map();
    let l = this.firstArgs.get(e.id);
    if (l === undefined) this.firstArgs.set(e.id, (l = []));
    if (!l.some((a) => a.toLowerCase() === sub.toLowerCase())) l.push(sub);
  }

  // ---- checks ----------------------------------------------------------------

  private keyAllowed(key: string, need: number): boolean {
    if (this.allKeys) return true;
    for (const p of this.patterns) {
      if ((p.flags & need) !== need) continue;
      if (patternMatches(p, key)) return true;
    }
    return false;
  }

  channelAllowed(channel: string, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    return channelInList(this.channels, channel, isPattern);
  }

  /** ACLSelectorCheckCmd: null or the refusal (with the argument index of a key or channel). */
  check(cmd: Command, argv: readonly string[], nkeys: number, pos: readonly number[], need: readonly number[]): Refusal | null {
    if (!this.allCommands && this.bits[cmd.id] === 0 && !cmd.has(F.no_auth)) {
      const allowed = this.firstArgs?.get(cmd.id);
      const idx = cmd.parent !== null ? 2 : 1;
      if (allowed === undefined || argv.length < 2 || argv.length <= idx) return { reason: 'command', pos: 0 };
      const a = argv[idx].toLowerCase();
      if (!allowed.some((x) => x.toLowerCase() === a)) return { reason: 'command', pos: 0 };
    }
    if (!this.allKeys) {
      for (let k = 0; k < nkeys; k++) if (!this.keyAllowed(argv[pos[k]], need[k])) return { reason: 'key', pos: pos[k] };
    }
    if (!this.allChannels) {
      const ch = channelArgs(cmd);
      if (ch !== null) {
        const to = ch.to < 0 ? argv.length - 1 : Math.min(ch.to, argv.length - 1);
        for (let i = ch.from; i <= to; i++) if (!channelInList(this.channels, argv[i], ch.pattern)) return { reason: 'channel', pos: i };
      }
    }
    return null;
  }

  // ---- description ---------------------------------------------------------

  /** ACLDescribeSelectorCommandRules: +@all or -@all, the categories that fit best, then single commands. */
  describeCommands(): string {
    const cat = this.catalog;
    const additive = !this.future;
    const rules: string[] = [additive ? '-@all' : '+@all'];
    const fake = new Selector(cat, 0);
    fake.apply(rules[0]);
    const temp = new Selector(cat, 0);
    temp.bits.set(this.bits);
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let mindiff = Number.MAX_SAFE_INTEGER;
      let maxsame = 0;
      for (const c of CATEGORIES) {
        if (applied.has(c)) continue;
        let on = 0;
        let off = 0;
        for (const id of cat.category(c)!) {
          if (temp.bits[id] !== 0) on++;
          else off++;
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = c;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === null) break;
      const op = (additive ? '+@' : '-@') + best;
      fake.apply(op);
      temp.apply((additive ? '-@' : '+@') + best);
      rules.push(op);
      applied.add(best);
    }
    // single commands where the categories left a difference, containers before their subcommands
    for (const e of cat.entries) {
      const user = this.bits[e.id] !== 0;
      if (user !== (fake.bits[e.id] !== 0)) {
        rules.push((user ? '+' : '-') + e.fullname);
        fake.changePerm(e, user);
      }
      const first = this.firstArgs?.get(e.id);
      if (!user && first !== undefined) for (const a of first) rules.push(`+${e.fullname}|${a}`);
    }
    return rules.join(' ');
  }

  /** ACL GETUSER's "keys" field. */
  describeKeys(): string {
    return this.allKeys ? '~*' : this.patterns.map(patternString).join(' ');
  }

  /** ACL GETUSER's "channels" field. */
  describeChannels(): string {
    return this.allChannels ? '&*' : this.channels.map((c) => `&${c}`).join(' ');
  }

  /** ACLDescribeSelector: keys, channels, commands. */
  describe(): string {
    let res = '';
    if (this.allKeys) res += '~* ';
    else for (const p of this.patterns) res += patternString(p) + ' ';
    if (this.allChannels) res += '&* ';
    else {
      res += 'resetchannels ';
      for (const c of this.channels) res += `&${c} `;
    }
    return res + this.describeCommands();
  }
}

/** A channel against channel patterns: a PSUBSCRIBE pattern only matches a rule literally. */
export function channelInList(list: readonly string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) if (isPattern ? p === channel : globMatch(p, channel)) return true;
  return false;
}

const F_ENABLED = 1;
const F_DISABLED = 2;
const F_NOPASS = 4;
const F_SKIP_SANITIZE = 8;
const F_SANITIZE = 16;
const USER_FLAGS: [number, string][] = [
  [F_ENABLED, 'on'],
  [F_DISABLED, 'off'],
  [F_NOPASS, 'nopass'],
  [F_SKIP_SANITIZE, 'skip-sanitize-payload'],
  [F_SANITIZE, 'sanitize-payload'],
];

/**
 * Splits a selector spread over several arguments ("(~x", "+get)") back
 * into one (ACLMergeSelectorArguments); null with the index of the opening
 * argument when a parenthesis is not closed.
 */
export function mergeSelectorArgs(args: readonly string[]): { args: string[] } | { unmatched: number } {
  const out: string[] = [];
  let open = -1;
  let sel = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (open < 0 && op[0] === '(' && op[op.length - 1] !== ')') {
      sel = op;
      open = j;
      continue;
    }
    if (open >= 0) {
      sel += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(sel);
      }
      continue;
    }
    out.push(op);
  }
  if (open >= 0) return { unmatched: open };
  return { args: out };
}

export class User implements AccessRules {
  flags = F_DISABLED;
  /** SHA-256 hex of each password, in the order added. */
  passwords: string[] = [];
  /** The root selector first. */
  selectors: Selector[];
  /** Cached ACL LIST description; null after a change. */
  private described: string | null = null;
  unrestricted = false;
  /** Scratch for key extraction (one synchronous check at a time). */
  private readonly keyPos: number[] = [];
  private readonly keyNeed: number[] = [];

  constructor(
    readonly name: string,
    readonly catalog: AclCatalog,
    /** acl-pubsub-default: channels all allowed to a new selector. */
    private readonly allChannelsDefault: () => boolean,
  ) {
    this.selectors = [this.newSelector(SEL_ROOT)];
  }

  get username(): string {
    return this.name;
  }

  private newSelector(flags: number): Selector {
    return new Selector(this.catalog, flags | (this.allChannelsDefault() ? SEL_ALLCHANNELS : 0));
  }

  get enabled(): boolean {
    return (this.flags & F_DISABLED) === 0;
  }

  get nopass(): boolean {
    return (this.flags & F_NOPASS) !== 0;
  }

  get root(): Selector {
    return this.selectors[0];
  }

  /** ACLCopyUser: the rules of another user (names stay). */
  copyFrom(src: User): void {
    this.flags = src.flags;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.copy());
    this.changed();
  }

  clone(name = this.name): User {
    const u = new User(name, this.catalog, this.allChannelsDefault);
    u.copyFrom(this);
    return u;
  }

  private changed(): void {
    this.described = null;
    this.unrestricted = this.selectors.some((s) => s.allCommands && s.allKeys && s.allChannels);
  }

  /** ACLSetUser: one rule; throws RuleFailure. An empty rule does nothing. */
  setRule(op: string): void {
    try {
      this.applyRule(op);
    } finally {
      this.changed();
    }
  }

  private applyRule(op: string): void {
    if (op.length === 0) return;
    const lop = op.toLowerCase();
    if (lop === 'on') this.flags = (this.flags | F_ENABLED) & ~F_DISABLED;
    else if (lop === 'off') this.flags = (this.flags | F_DISABLED) & ~F_ENABLED;
    else if (lop === 'skip-sanitize-payload') this.flags = (this.flags | F_SKIP_SANITIZE) & ~F_SANITIZE;
    else if (lop === 'sanitize-payload') this.flags = (this.flags | F_SANITIZE) & ~F_SKIP_SANITIZE;
    else if (lop === 'nopass') {
      this.flags |= F_NOPASS;
      this.passwords = [];
    } else if (lop === 'resetpass') {
      this.flags &= ~F_NOPASS;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) throw new RuleFailure(RuleError.badHash);
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.flags &= ~F_NOPASS;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) throw new RuleFailure(RuleError.badHash);
      }
      const i = this.passwords.indexOf(h);
      if (i < 0) throw new RuleFailure(RuleError.noSuchPassword);
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = this.newSelector(0);
      const parts = splitArgs(op.slice(1, -1));
      if (parts === null) throw new RuleFailure(RuleError.syntax);
      for (const p of parts) s.apply(p);
      this.selectors.push(s);
    } else if (lop === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lop === 'reset') {
      for (const r of ['resetpass', 'resetkeys', 'resetchannels']) this.applyRule(r);
      if (this.allChannelsDefault()) this.applyRule('allchannels');
      for (const r of ['off', 'sanitize-payload', 'clearselectors', '-@all']) this.applyRule(r);
    } else {
      this.root.apply(op);
    }
  }

  /** ACLCheckUserCredentials for an enabled user (constant-time comparison of the hashes). */
  passwordMatches(pass: string): boolean {
    if (this.nopass) return true;
    const h = Buffer.from(hashPassword(pass), 'latin1');
    let ok = false;
    for (const p of this.passwords) if (timingSafeEqual(h, Buffer.from(p, 'latin1'))) ok = true;
    return ok;
  }

  /** ACLCheckAllUserCommandPerm. */
  check(cmd: Command, argv: readonly string[]): Refusal | null {
    let nkeys = -1;
    let worst: Refusal | null = null;
    const selectors = this.selectors;
    for (let i = 0; i < selectors.length; i++) {
      const s = selectors[i];
      if (nkeys < 0 && !s.allKeys) nkeys = keyAccesses(cmd, argv, this.keyPos, this.keyNeed);
      const r = s.check(cmd, argv, nkeys < 0 ? 0 : nkeys, this.keyPos, this.keyNeed);
      if (r === null) return null;
      if (worst === null || RANK[r.reason] > RANK[worst.reason] || (r.reason === worst.reason && r.pos > worst.pos)) worst = r;
    }
    return worst;
  }

  /** Whether some selector allows a channel (pub/sub clients kept after a change). */
  channelAllowed(channel: string, isPattern: boolean): boolean {
    return this.selectors.some((s) => s.channelAllowed(channel, isPattern));
  }

  /** ACL GETUSER "flags". */
  flagNames(): string[] {
    return USER_FLAGS.filter(([f]) => (this.flags & f) !== 0).map(([, n]) => n);
  }

  /** The user as ACL LIST, ACL SAVE and CONFIG REWRITE write it: `user <name> <rules>`. */
  aclLine(): string {
    return `user ${this.name} ${this.describe()}`;
  }

  /** ACLDescribeUser: the rules of ACL LIST and ACL SAVE. */
  describe(): string {
    if (this.described !== null) return this.described;
    let res = '';
    for (const n of this.flagNames()) res += n + ' ';
    for (const p of this.passwords) res += `#${p} `;
    for (const s of this.selectors) res += s.root ? s.describe() : ` (${s.describe()})`;
    this.described = res;
    return res;
  }
}

/** ACL_DENIED_CMD < ACL_DENIED_KEY < ACL_DENIED_CHANNEL. */
const RANK: Record<Refusal['reason'], number> = { command: 1, key: 2, channel: 4 };
