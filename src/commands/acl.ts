/**
 * ACL: users and their rules (SETUSER, GETUSER, DELUSER, LIST, USERS,
 * WHOAMI), the categories (CAT), passwords (GENPASS), the ACL file (LOAD,
 * SAVE), the log of denials (LOG) and DRYRUN, with Redis 7.0's replies.
 */
import { randomBytes } from 'node:crypto';
import type { HandlerMap, Session } from '../server/server.js';
import { CATEGORIES, type Selector, hasSpaces } from '../acl/user.js';
import { Err } from '../protocol/errors.js';
import { getLong, replyHelp } from './args.js';

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

/** addReplyErrorSdsSafe: newlines become spaces. */
function safeError(c: Session, msg: string): void {
  c.w.error('ERR ' + msg.replace(/[\r\n]/g, ' '));
}

/** aclAddReplySelectorDescription: commands, keys, channels. */
function selectorFields(c: Session, s: Selector): void {
  c.w.bulk('commands');
  c.w.bulk(s.describeCommands());
  c.w.bulk('keys');
  c.w.bulk(s.describeKeys());
  c.w.bulk('channels');
  c.w.bulk(s.describeChannels());
}

function aclFile(c: Session): string | null {
  const f = c.server.config.get('aclfile');
  if (f === '') {
    c.w.error(NO_ACLFILE);
    return null;
  }
  return f;
}

export const aclCommands: HandlerMap = {
  'acl|setuser'(c, argv) {
    const args = argv.slice();
    // the rules hold passwords: none of it reaches MONITOR or the slowlog
    for (let j = 2; j < argv.length; j++) argv[j] = '(redacted)';
    const name = args[2];
    if (hasSpaces(name)) {
      c.w.error("ERR Usernames can't contain spaces or null characters");
      return;
    }
    const err = c.server.acl.setUser(name, args.slice(3));
    if (err === null) c.w.ok();
    else safeError(c, err);
  },

  'acl|deluser'(c, argv) {
    const acl = c.server.acl;
    for (let j = 2; j < argv.length; j++) {
      if (argv[j] === 'default') {
        c.w.error("ERR The 'default' user cannot be removed");
        return;
      }
    }
    let deleted = 0;
    for (let j = 2; j < argv.length; j++) if (acl.deleteUser(argv[j])) deleted++;
    c.w.int(deleted);
  },

  'acl|getuser'(c, argv) {
    const u = c.server.acl.get(argv[2]);
    if (u === undefined) {
      c.w.nullBulk();
      return;
    }
    const w = c.w;
    w.map(6);
    w.bulk('flags');
    const flags = u.flagNames();
    w.set(flags.length);
    for (const f of flags) w.bulk(f);
    w.bulk('passwords');
    w.array(u.passwords.length);
    for (const p of u.passwords) w.bulk(p);
    selectorFields(c, u.root);
    w.bulk('selectors');
    w.array(u.selectors.length - 1);
    for (let i = 1; i < u.selectors.length; i++) {
      w.map(3);
      selectorFields(c, u.selectors[i]);
    }
  },

  'acl|list'(c) {
    const users = c.server.acl.list();
    c.w.array(users.length);
    for (const u of users) c.w.bulk(u.aclLine());
  },

  'acl|users'(c) {
    const users = c.server.acl.list();
    c.w.array(users.length);
    for (const u of users) c.w.bulk(u.name);
  },

  'acl|whoami'(c) {
    c.w.bulk(c.user);
  },

  'acl|load'(c) {
    const f = aclFile(c);
    if (f === null) return;
    const errors = c.server.acl.loadFile(f);
    if (errors === null) c.w.ok();
    else c.w.error('ERR ' + errors);
  },

  'acl|save'(c) {
    const f = aclFile(c);
    if (f === null) return;
    if (c.server.acl.saveFile(f)) c.w.ok();
    else c.w.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
  },

  'acl|cat'(c, argv) {
    if (argv.length === 2) {
      c.w.array(CATEGORIES.length);
      for (const cat of CATEGORIES) c.w.bulk(cat);
      return;
    }
    const catalog = c.server.acl.catalog;
    const ids = catalog.category(argv[2]);
    if (ids === undefined) {
      c.w.error(`ERR Unknown category '${argv[2].slice(0, 128)}'`);
      return;
    }
    c.w.array(ids.length);
    for (const id of ids) c.w.bulk(catalog.entries[id].fullname);
  },

  'acl|genpass'(c, argv) {
    let bits = 256;
    if (argv.length === 3) {
      const n = getLong(c, argv[2]);
      if (n === null) return;
      bits = n;
    }
    if (bits <= 0 || bits > 4096) {
      c.w.error('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
      return;
    }
    const chars = Math.floor((bits + 3) / 4);
    c.w.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
  },

  'acl|log'(c, argv) {
    const acl = c.server.acl;
    let count = 10;
    if (argv.length === 3) {
      if (argv[2].toLowerCase() === 'reset') {
        acl.log = [];
        c.w.ok();
        return;
      }
      const n = getLong(c, argv[2]);
      if (n === null) return;
      count = Math.max(0, n);
    }
    count = Math.min(count, acl.log.length);
    const now = Date.now();
    const w = c.w;
    w.array(count);
    for (let i = 0; i < count; i++) {
      const e = acl.log[i];
      w.map(7);
      w.bulk('count');
      w.int(e.count);
      w.bulk('reason');
      w.bulk(e.reason);
      w.bulk('context');
      w.bulk(e.context);
      w.bulk('object');
      w.bulk(e.object);
      w.bulk('username');
      w.bulk(e.username);
      w.bulk('age-seconds');
      w.double((now - e.ctime) / 1000);
      w.bulk('client-info');
      w.bulk(e.clientInfo);
    }
  },

  'acl|dryrun'(c, argv) {
    const server = c.server;
    const u = server.acl.get(argv[2]);
    if (u === undefined) {
      c.w.error(`ERR User '${argv[2]}' not found`);
      return;
    }
    const args = argv.slice(3);
    const cmd = server.commands.resolve(args);
    if (cmd === undefined) {
      c.w.error(`ERR Command '${argv[3]}' not found`);
      return;
    }
    if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) {
      c.w.error(Err.wrongArity(cmd.fullname));
      return;
    }
    const r = u.check(cmd, args);
    if (r === null) c.w.ok();
    else if (r.reason === 'command') c.w.bulk(`This user has no permissions to run the '${cmd.fullname}' command`);
    else if (r.reason === 'key') c.w.bulk(`This user has no permissions to access the '${args[r.pos]}' key`);
    else c.w.bulk(`This user has no permissions to access the '${args[r.pos]}' channel`);
  },

  'acl|help'(c) {
    replyHelp(c, [
      'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'CAT [<category>]',
      '    List all commands that belong to <category>, or all command categories',
      '    when no category is specified.',
      'DELUSER <username> [<username> ...]',
      '    Delete a list of users.',
      'DRYRUN <username> <command> [<arg> ...]',
      '    Returns whether the user can execute the given command without executing the command.',
      'GETUSER <username>',
      "    Get the user's details.",
      'GENPASS [<bits>]',
      '    Generate a secure 256-bit user password. The optional `bits` argument can',
      '    be used to specify a different size.',
      'LIST',
      '    Show users details in config file format.',
      'LOAD',
      '    Reload users from the ACL file.',
      'LOG [<count> | RESET]',
      '    Show the ACL log entries.',
      'SAVE',
      '    Save the current config to the ACL file.',
      'SETUSER <username> <attribute> [<attribute> ...]',
      '    Create or modify a user with the specified attributes.',
      'USERS',
      '    List all the registered usernames.',
      'WHOAMI',
      '    Return the current connection username.',
      'HELP',
      '    Prints this help.',
    ]);
  },
};
