/**
 * The ACL subsystem's state: the users (the default user always there),
 * the ACL log, users declared in the config file or kept in an ACL file,
 * and authentication. What it means for connected clients (a deleted or
 * changed user) is the host's to carry out.
 */
import { openSync, writeSync, closeSync, renameSync, readFileSync, unlinkSync } from 'node:fs';
import { AclCatalog, RuleError, RuleFailure, User, hasSpaces, mergeSelectorArgs } from './user.js';
import type { CatalogEntry } from '../command/table.js';
import type { PermissionDenial } from '../command/permissions.js';
import { errnoText } from '../util/errno.js';

/** What the ACL subsystem needs from the server. */
export interface AclHost {
  /** acl-pubsub-default is allchannels. */
  allChannelsDefault(): boolean;
  acllogMaxLen(): number;
  /** A user's rules changed (`before` is a copy of the old ones): pub/sub clients that lost a channel go. */
  userChanged(user: User, before: User): void;
  /** A user was deleted, or replaced by ACL LOAD: its clients go. */
  userDeleted(user: User): void;
  warning(line: string): void;
  notice(line: string): void;
}

export type LogReason = PermissionDenial['reason'] | 'auth';

export interface AclLogEntry {
  count: number;
  reason: LogReason;
  context: PermissionDenial['context'];
  object: string;
  username: string;
  /** ms */
  ctime: number;
  clientInfo: string;
}

/** Entries within this many ms are grouped (ACL_LOG_GROUPING_MAX_TIME_DELTA). */
const GROUPING_MS = 60000;

export class Acl {
  readonly catalog: AclCatalog;
  private users = new Map<string, User>();
  readonly defaultUser: User;
  /** Newest first. */
  log: AclLogEntry[] = [];
  /** `user` lines of the config file, checked, to be applied at start-up. */
  private toLoad: string[][] = [];
  /** INFO stats acl_access_denied_* (as Redis 7.2 counts them). */
  readonly denied = { auth: 0, command: 0, key: 0, channel: 0 };

  constructor(
    entries: readonly CatalogEntry[],
    private readonly host: AclHost,
  ) {
    this.catalog = new AclCatalog(entries);
    this.defaultUser = this.createDefault();
    this.users.set('default', this.defaultUser);
  }

  private newUser(name: string): User {
    return new User(name, this.catalog, () => this.host.allChannelsDefault());
  }

  private createDefault(): User {
    const u = this.newUser('default');
    for (const r of ['+@all', '~*', '&*', 'on', 'nopass']) u.setRule(r);
    return u;
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  /** Users in name (byte) order, as Redis's radix tree lists them. */
  list(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** requirepass: the default user's only password, or nopass. */
  setDefaultPassword(pass: string): void {
    const u = this.defaultUser;
    u.setRule('resetpass');
    u.setRule(pass === '' ? 'nopass' : `>${pass}`);
  }

  /** A user that can log in with this password, or null (ACLCheckUserCredentials). */
  credentials(name: string, pass: string): User | null {
    const u = this.users.get(name);
    if (u === undefined || !u.enabled) return null;
    return u.passwordMatches(pass) ? u : null;
  }

  /**
   * ACL SETUSER (ACLStringSetUser): all the rules applied to a copy first,
   * so that an error changes nothing. Returns the error text or null.
   */
  setUser(name: string, rules: readonly string[]): string | null {
    const merged = mergeSelectorArgs(rules);
    if ('unmatched' in merged) return `Unmatched parenthesis in acl selector starting at '${rules[merged.unmatched]}'.`;
    const existing = this.users.get(name);
    const temp = existing !== undefined ? existing.clone() : this.newUser(name);
    for (const op of merged.args) {
      try {
        temp.setRule(op);
      } catch (e) {
        if (!(e instanceof RuleFailure)) throw e;
        return `Error in ACL SETUSER modifier '${op}': ${e.reason}`;
      }
    }
    if (existing !== undefined) {
      const before = existing.clone();
      existing.copyFrom(temp);
      this.host.userChanged(existing, before);
    } else {
      this.users.set(name, temp);
    }
    return null;
  }

  /** ACL DELUSER of one user (not the default one): true when it existed. */
  deleteUser(name: string): boolean {
    const u = this.users.get(name);
    if (u === undefined || u === this.defaultUser) return false;
    this.users.delete(name);
    this.host.userDeleted(u);
    return true;
  }

  // ---- the ACL log -----------------------------------------------------------

  /** addACLLogEntry: a denial, grouped with a like entry of the last minute among the newest 10. */
  addLog(reason: LogReason, context: AclLogEntry['context'], object: string, username: string, clientInfo: string, now = Date.now()): void {
    if (reason === 'auth') this.denied.auth++;
    else this.denied[reason]++;
    const n = Math.min(10, this.log.length);
    for (let i = 0; i < n; i++) {
      const e = this.log[i];
      if (e.reason === reason && e.context === context && Math.abs(e.ctime - now) <= GROUPING_MS && e.object === object && e.username === username) {
        e.clientInfo = clientInfo;
        e.ctime = now;
        e.count++;
        this.log.splice(i, 1);
        this.log.unshift(e);
        return;
      }
    }
    this.log.unshift({ count: 1, reason, context, object, username, ctime: now, clientInfo });
    const max = this.host.acllogMaxLen();
    if (this.log.length > max) this.log.length = Math.max(0, max);
  }

  // ---- users from the config file --------------------------------------------

  /**
   * A `user <name> rules...` line of the config file (ACLAppendUserForLoading):
   * checked now, applied by loadConfigured(). Returns null, or the index of
   * the argument Redis names in its error (the index of the failing rule
   * among the rules, used on the whole line as Redis does) and the reason.
   */
  appendForLoading(argv: readonly string[]): { index: number; reason: string } | null {
    const name = argv[1];
    if (this.toLoad.some((u) => u[0] === name)) return { index: 1, reason: RuleError.duplicateUser };
    const merged = mergeSelectorArgs(argv.slice(2));
    // (Redis words this from a stale errno, which is ENOENT at start-up)
    if ('unmatched' in merged) return { index: merged.unmatched, reason: RuleError.unknown };
    const fake = this.newUser('__fakeuser__');
    for (let j = 0; j < merged.args.length; j++) {
      try {
        fake.setRule(merged.args[j]);
      } catch (e) {
        if (!(e instanceof RuleFailure)) throw e;
        if (!e.unknownName) return { index: j, reason: e.reason };
      }
    }
    this.toLoad.push([name, ...merged.args]);
    return null;
  }

  get configuredUsers(): number {
    return this.toLoad.length;
  }

  /** ACLLoadConfiguredUsers: false (with the reason logged) when a rule fails. */
  loadConfigured(): boolean {
    for (const [name, ...rules] of this.toLoad) {
      if (hasSpaces(name)) {
        this.host.warning('Spaces not allowed in ACL usernames');
        return false;
      }
      let u = this.users.get(name);
      if (u === undefined) this.users.set(name, (u = this.newUser(name)));
      else u.setRule('reset');
      for (const r of rules) {
        try {
          u.setRule(r);
        } catch (e) {
          if (!(e instanceof RuleFailure)) throw e;
          this.host.warning(`Error loading ACL rule '${r}' for the user named '${name}': ${e.reason}`);
          return false;
        }
      }
      if (!u.enabled) {
        this.host.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
      }
    }
    this.toLoad = [];
    return true;
  }

  // ---- the ACL file ----------------------------------------------------------

  /**
   * ACLLoadFromFile: every line checked; with any error nothing changes and
   * the errors come back in one line (null on success). The default user
   * keeps its identity (connections logged in as it stay).
   */
  loadFile(path: string): string | null {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${path}': ${errnoText(e)}`;
    }
    const users = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const linenum = i + 1;
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${path}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      const name = argv[1];
      if (hasSpaces(name)) {
        errors += `'${path}:${linenum}: username '${name}' contains invalid characters. `;
        continue;
      }
      if (users.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${linenum}. `;
        continue;
      }
      const u = this.newUser(name);
      users.set(name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if ('unmatched' in merged) {
        errors += `${path}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntax = false;
      for (const raw of merged.args) {
        const op = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        try {
          u.setRule(op);
        } catch (e) {
          if (!(e instanceof RuleFailure)) throw e;
          if (e.unknownName) errors += `${path}:${linenum}: Error in applying operation '${op}': ${e.reason}. `;
          else if (!syntax) {
            errors += `${path}:${linenum}: ${e.reason}. `;
            syntax = true;
          }
        }
      }
    }
    if (errors !== '') return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    const newDefault = users.get('default') ?? this.createDefault();
    const old = this.users;
    this.defaultUser.copyFrom(newDefault);
    users.set('default', this.defaultUser);
    this.users = users;
    for (const u of old.values()) if (u !== this.defaultUser) this.host.userDeleted(u);
    return null;
  }

  /** ACLSaveToFile: the users in ACL LIST's form, through a temp file and a rename. */
  saveFile(path: string): boolean {
    let text = '';
    for (const u of this.list()) text += u.aclLine() + '\n';
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    let fd = -1;
    try {
      fd = openSync(tmp, 'w', 0o644);
    } catch (e) {
      this.host.warning(`Opening temp ACL file for ACL SAVE: ${errnoText(e)}`);
      return false;
    }
    try {
      writeSync(fd, Buffer.from(text, 'latin1'));
      closeSync(fd);
      fd = -1;
      renameSync(tmp, path);
      return true;
    } catch (e) {
      this.host.warning(`${fd >= 0 ? 'Writing ACL file for ACL SAVE' : 'Renaming ACL file for ACL SAVE'}: ${errnoText(e)}`);
      if (fd >= 0) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
      return false;
    }
  }
}
