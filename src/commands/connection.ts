/**
 * Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT and the
 * CLIENT family.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { clientInfoLine } from '../server/client-info.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import { is, getLong } from './args.js';
import { SINEW_VERSION } from '../server/version.js';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/**
 * ACLAuthenticateUser: logs the client in when the pair is right; else the
 * failure goes to the ACL log (object: the command's name as sent).
 */
function authenticate(c: Session, user: string, pass: string, cmdName: string): boolean {
  const server = c.server;
  const u = server.acl.credentials(user, pass);
  if (u === null) {
    server.acl.addLog('auth', c.has(ClientFlag.Multi) ? 'multi' : 'toplevel', cmdName, user, clientInfoLine(c));
    return false;
  }
  c.authenticated = true;
  c.parser.authenticated = true;
  server.logIn(c, u);
  return true;
}

function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

/** Puts a connection back in its just-connected state (RESET). */
function resetClient(c: Session): void {
  const server = c.server;
  if (c.has(ClientFlag.Multi)) {
    c.mstate = null;
    c.flags &= ~(ClientFlag.Multi | ClientFlag.DirtyExec | ClientFlag.DirtyCAS);
  }
  server.watches.unwatchAll(c);
  server.pubsub.unsubscribeAll(c);
  server.monitors.delete(c);
  c.flags &= ~(ClientFlag.Monitor | ClientFlag.NoEvict | ClientFlag.NoTouch | ClientFlag.ReadOnly);
  server.tracking.disable(c);
  c.db = server.keyspace.dbs[0];
  c.resp = 2;
  c.name = '';
  c.replyMode = 'on';
  // clientSetDefaultAuth
  const d = server.acl.defaultUser;
  server.logIn(c, d);
  c.authenticated = d.nopass && d.enabled;
  c.parser.authenticated = c.authenticated;
}

export const connectionCommands: HandlerMap = {
  ping(c, argv) {
    if (argv.length > 2) {
      c.w.error(Err.wrongArity('ping'));
      return;
    }
    if (c.has(ClientFlag.PubSub) && c.resp === 2) {
      c.w.array(2);
      c.w.bulk('pong');
      c.w.bulk(argv.length === 2 ? argv[1] : '');
      return;
    }
    if (argv.length === 1) c.w.simple('PONG');
    else c.w.bulk(argv[1]);
  },

  echo(c, argv) {
    c.w.bulk(argv[1]);
  },

  quit(c) {
    c.w.ok();
    c.flags |= ClientFlag.CloseAfterReply;
  },

  reset(c) {
    resetClient(c);
    c.w.simple('RESET');
  },

  select(c, argv) {
    const id = getLong(c, argv[1]);
    if (id === null) return;
    if (id < -2147483648 || id > 2147483647) {
      c.w.error('ERR value is out of range, value must between -2147483648 and 2147483647');
      return;
    }
    if (id < 0 || id >= c.server.keyspace.dbs.length) {
      c.w.error(Err.dbIndexOutOfRange);
      return;
    }
    c.db = c.server.keyspace.dbs[id];
    c.w.ok();
  },

  auth(c, argv) {
    let user = 'default';
    let pass: string;
    const args = argv.slice();
    // Secrets never reach MONITOR or the slowlog (Redis redacts the arguments in place).
    for (let j = 1; j < argv.length; j++) argv[j] = '(redacted)';
    argv = args;
    if (argv.length === 2) {
      pass = argv[1];
      if (c.server.acl.defaultUser.nopass) {
        c.w.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
        return;
      }
    } else if (argv.length === 3) {
      user = argv[1];
      pass = argv[2];
    } else {
      c.w.error(Err.syntax);
      return;
    }
    if (authenticate(c, user, pass, argv[0])) c.w.ok();
    else c.w.error(WRONGPASS);
  },

  hello(c, argv) {
    let ver = 0;
    let next = 1;
    if (argv.length >= 2) {
      const v = parseLL(argv[1]);
      if (v === null) {
        c.w.error('ERR Protocol version is not an integer or out of range');
        return;
      }
      next = 2;
      if (v < 2 || v > 3) {
        c.w.error('NOPROTO unsupported protocol version');
        return;
      }
      ver = v;
    }
    let setName: string | null = null;
    let authUser: string | null = null;
    let authPass: string | null = null;
    for (let j = next; j < argv.length; j++) {
      const more = argv.length - j - 1;
      const opt = argv[j];
      if (is(opt, 'auth') && more >= 2) {
        authUser = argv[j + 1];
        authPass = argv[j + 2];
        argv[j + 1] = '(redacted)';
        argv[j + 2] = '(redacted)';
        j += 2;
      } else if (is(opt, 'setname') && more >= 1) {
        setName = argv[j + 1];
        j += 1;
      } else {
        c.w.error(`ERR Syntax error in HELLO option '${opt}'`);
        return;
      }
    }
    if (authUser !== null && !authenticate(c, authUser, authPass!, argv[0])) {
      c.w.error(WRONGPASS);
      return;
    }
    if (!c.authenticated) {
      c.w.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
      return;
    }
    if (setName !== null) {
      if (!validName(setName)) {
        c.w.error('ERR Client names cannot contain spaces, newlines or special characters.');
        return;
      }
      c.name = setName;
    }
    if (ver !== 0) c.resp = ver as 2 | 3;
    const w = c.w;
    w.map(7);
    w.bulk('server');
    w.bulk('redis');
    w.bulk('version');
    w.bulk(SINEW_VERSION);
    w.bulk('proto');
    w.int(c.resp);
    w.bulk('id');
    w.int(c.id);
    w.bulk('mode');
    w.bulk('standalone');
    w.bulk('role');
    w.bulk('master');
    w.bulk('modules');
    w.array(0);
  },

  'client|id'(c) {
    c.w.int(c.id);
  },

  'client|setname'(c, argv) {
    const name = argv[2];
    if (!validName(name)) {
      c.w.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return;
    }
    c.name = name;
    c.w.ok();
  },

  'client|getname'(c) {
    if (c.name === '') c.w.nullBulk();
    else c.w.bulk(c.name);
  },

  'client|setinfo'(c, argv) {
    const attr = argv[2];
    const val = argv[3];
    if (!validName(val) && val !== '') {
      c.w.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
      return;
    }
    if (is(attr, 'lib-name')) c.libName = val;
    else if (is(attr, 'lib-ver')) c.libVer = val;
    else {
      c.w.error(`ERR Unrecognized option '${attr}'`);
      return;
    }
    c.w.ok();
  },

  'client|info'(c) {
    c.w.verbatim(clientInfoLine(c) + '\n');
  },

  'client|list'(c, argv) {
    let filterType: string | null = null;
    let ids: Set<number> | null = null;
    if (argv.length === 4 && is(argv[2], 'type')) {
      filterType = argv[3].toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(filterType)) {
        c.w.error(`ERR Unknown client type '${argv[3]}'`);
        return;
      }
    } else if (argv.length > 3 && is(argv[2], 'id')) {
      ids = new Set();
      for (let j = 3; j < argv.length; j++) {
        const id = parseLL(argv[j]);
        if (id === null) {
          c.w.error('ERR Invalid client ID');
          return;
        }
        if (id > 0) ids.add(id);
      }
    } else if (argv.length !== 2) {
      c.w.error(Err.syntax);
      return;
    }
    let out = '';
    for (const cl of c.server.clients.values()) {
      if (ids !== null && !ids.has(cl.id)) continue;
      if (filterType !== null) {
        const t = cl.has(ClientFlag.PubSub) ? 'pubsub' : 'normal';
        if (t !== filterType) continue;
      }
      out += clientInfoLine(cl) + '\n';
    }
    c.w.verbatim(out);
  },

  'client|kill'(c, argv) {
    const server = c.server;
    if (argv.length === 3) {
      // old form: CLIENT KILL addr:port
      for (const cl of server.clients.values()) {
        if (cl.addr === argv[2]) {
          killClient(c, cl);
          c.w.ok();
          return;
        }
      }
      c.w.error('ERR No such client');
      return;
    }
    if (argv.length % 2 !== 0) {
      c.w.error(Err.syntax);
      return;
    }
    let id: number | null = null;
    let addr: string | null = null;
    let laddr: string | null = null;
    let user: string | null = null;
    let type: string | null = null;
    let skipme = true;
    for (let j = 2; j < argv.length; j += 2) {
      const opt = argv[j];
      const val = argv[j + 1];
      if (is(opt, 'id')) {
        const n = parseLL(val);
        if (n === null || n <= 0) {
          c.w.error('ERR client-id should be greater than 0');
          return;
        }
        id = n;
      } else if (is(opt, 'addr')) addr = val;
      else if (is(opt, 'laddr')) laddr = val;
      else if (is(opt, 'user')) {
        if (c.server.acl.get(val) === undefined) {
          c.w.error(`ERR No such user '${val}'`);
          return;
        }
        user = val;
      }
      else if (is(opt, 'type')) {
        type = val.toLowerCase();
        if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
          c.w.error(`ERR Unknown client type '${val}'`);
          return;
        }
      } else if (is(opt, 'skipme')) {
        if (is(val, 'yes')) skipme = true;
        else if (is(val, 'no')) skipme = false;
        else {
          c.w.error(Err.syntax);
          return;
        }
      } else {
        c.w.error(Err.syntax);
        return;
      }
    }
    let killed = 0;
    for (const cl of [...server.clients.values()]) {
      if (id !== null && cl.id !== id) continue;
      if (addr !== null && cl.addr !== addr) continue;
      if (laddr !== null && cl.laddr !== laddr) continue;
      if (user !== null && cl.user !== user) continue;
      if (type !== null && (cl.has(ClientFlag.PubSub) ? 'pubsub' : 'normal') !== type) continue;
      if (cl === c && skipme) continue;
      killClient(c, cl);
      killed++;
    }
    c.w.int(killed);
  },

  'client|no-evict'(c, argv) {
    if (is(argv[2], 'on')) c.flags |= ClientFlag.NoEvict;
    else if (is(argv[2], 'off')) c.flags &= ~ClientFlag.NoEvict;
    else {
      c.w.error(Err.syntax);
      return;
    }
    c.w.ok();
  },

  'client|no-touch'(c, argv) {
    if (is(argv[2], 'on')) c.flags |= ClientFlag.NoTouch;
    else if (is(argv[2], 'off')) c.flags &= ~ClientFlag.NoTouch;
    else {
      c.w.error(Err.syntax);
      return;
    }
    c.w.ok();
  },

  'client|reply'(c, argv) {
    const mode = argv[2].toLowerCase();
    if (mode === 'on') {
      c.replyMode = 'on';
      (c.realWriter ?? c.w).ok();
    } else if (mode === 'off') {
      c.replyMode = 'off';
    } else if (mode === 'skip') {
      // this command replies nothing, and the next command's reply is skipped
      if (c.replyMode !== 'off') c.replyMode = 'skipnext';
    } else {
      c.w.error(Err.syntax);
    }
  },

  'client|pause'(c, argv) {
    const ms = parseLL(argv[2]);
    if (ms === null) {
      c.w.error('ERR timeout is not an integer or out of range');
      return;
    }
    if (ms < 0) {
      c.w.error('ERR timeout is negative');
      return;
    }
    let writesOnly = false;
    if (argv.length === 4) {
      if (is(argv[3], 'write')) writesOnly = true;
      else if (!is(argv[3], 'all')) {
        c.w.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
        return;
      }
    } else if (argv.length > 4) {
      c.w.error(Err.syntax);
      return;
    }
    c.server.clientPause.pause(Date.now() + ms, writesOnly);
    c.w.ok();
  },

  'client|unpause'(c) {
    c.server.clientPause.unpause();
    c.w.ok();
  },

  'client|unblock'(c, argv) {
    const id = parseLL(argv[2]);
    if (id === null) {
      c.w.error(Err.notInteger);
      return;
    }
    let error = false;
    if (argv.length === 4) {
      if (is(argv[3], 'error')) error = true;
      else if (!is(argv[3], 'timeout')) {
        c.w.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
        return;
      }
    } else if (argv.length > 4) {
      c.w.error(Err.syntax);
      return;
    }
    const target = c.server.clients.get(id);
    if (target !== undefined && target.has(ClientFlag.Blocked) && c.server.blocking.unblockWith(target, error)) c.w.int(1);
    else c.w.int(0);
  },

  'client|help'(c) {
    const lines = [
      'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'CACHING (YES|NO)',
      '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
      'GETREDIR',
      '    Return the client ID we are redirecting to when tracking is enabled.',
      'GETNAME',
      '    Return the name of the current connection.',
      'ID',
      '    Return the ID of the current connection.',
      'INFO',
      '    Return information about the current client connection.',
      'KILL <ip:port>',
      '    Kill connection made from <ip:port>.',
      'KILL <option> <value> [<option> <value> [...]]',
      '    Kill connections. Options are:',
      '    * ADDR (<ip:port>|<unixsocket>:0)',
      '      Kill connections made from the specified address',
      '    * LADDR (<ip:port>|<unixsocket>:0)',
      '      Kill connections made to specified local address',
      '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
      '      Kill connections by type.',
      '    * USER <username>',
      '      Kill connections authenticated by <username>.',
      '    * SKIPME (YES|NO)',
      '      Skip killing current connection (default: yes).',
      'LIST [options ...]',
      '    Return information about client connections. Options:',
      '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
      '      Return clients of specified type.',
      'UNPAUSE',
      '    Stop the current client pause, resuming traffic.',
      'PAUSE <timeout> [WRITE|ALL]',
      '    Suspend all, or just write, clients for <timeout> milliseconds.',
      'REPLY (ON|OFF|SKIP)',
      '    Control the replies sent to the current connection.',
      'SETNAME <name>',
      '    Assign the name <name> to the current connection.',
      'UNBLOCK <clientid> [TIMEOUT|ERROR]',
      '    Unblock the specified blocked client.',
      'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
      '         [OPTIN] [OPTOUT] [NOLOOP]',
      '    Control server assisted client side caching.',
      'TRACKINGINFO',
      '    Report tracking status for the current connection.',
      'NO-EVICT (ON|OFF)',
      '    Protect current client connection from eviction.',
      'HELP',
      '    Prints this help.',
    ];
    c.w.array(lines.length);
    for (const l of lines) c.w.simple(l);
  },
};

function killClient(self: Session, target: Session): void {
  if (target === self) {
    self.flags |= ClientFlag.CloseAfterReply;
  } else {
    target.close();
  }
}
