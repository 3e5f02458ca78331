/**
 * Server commands: INFO, CONFIG, TIME, SHUTDOWN, MONITOR (LASTSAVE is in persistence.ts).
 * SLOWLOG and LATENCY are in slowlog-latency.ts, MEMORY in memory.ts, DEBUG in debug.ts.
 */
import type { HandlerMap, Session, Server } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { Err } from '../protocol/errors.js';
import { parseLL } from '../protocol/numbers.js';
import { CONFIG_DEFS, CONFIG_ALIASES, findConfig } from '../config/config.js';
import { globMatch } from '../util/glob.js';
import { rewriteConfigFile } from '../config/file.js';
import { metricsSection } from '../metrics/metrics.js';
import { canSuspend, suspend } from './dispatch.js';


const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, 7), 'module_list', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];


function infoSection(server: Server, name: string): string | null {
  const sec = metricsSection(server, name);
  if (sec === null) return null;
  let out = `# ${sec.title}\r\n`;
  for (const [k, v] of sec.metrics) out += `${k}:${v}\r\n`;
  return out;
}

export function infoString(server: Server, args: string[]): string {
  let sections: string[];
  if (args.length === 0) sections = DEFAULT_SECTIONS;
  else {
    const set = new Set<string>();
    for (const a0 of args) {
      const a = a0.toLowerCase();
      if (a === 'default') DEFAULT_SECTIONS.forEach((s) => set.add(s));
      else if (a === 'all') ALL_SECTIONS.forEach((s) => set.add(s));
      else if (a === 'everything') {
        ALL_SECTIONS.forEach((s) => set.add(s));
        set.add('modules');
      } else set.add(a);
    }
    const order = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];
    sections = order.filter((s) => set.has(s));
    if (set.has('modules') && set.has('module_list')) sections = sections.filter((s) => s !== 'module_list');
  }
  const parts: string[] = [];
  for (const s of sections) {
    const text = infoSection(server, s);
    if (text !== null) parts.push(text);
  }
  return parts.join('\r\n');
}

function configGet(c: Session, argv: string[]): void {
  const cfg = c.server.config;
  const matches = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i];
    if (!/[[*?\\]/.test(name)) {
      // An exact name (as typed) also finds hidden directives and aliases.
      if (matches.has(name)) continue;
      const d = findConfig(name);
      if (d !== undefined) matches.set(name, cfg.get(d.name));
      continue;
    }
    for (const d of CONFIG_DEFS) {
      if (d.hidden || matches.has(d.name)) continue;
      if (globMatch(name, d.name, true)) matches.set(d.name, cfg.get(d.name));
    }
    for (const alias of Object.keys(CONFIG_ALIASES)) {
      if (matches.has(alias)) continue;
      if (globMatch(name, alias, true)) matches.set(alias, cfg.get(alias));
    }
  }
  c.w.map(matches.size);
  for (const [k, v] of matches) {
    c.w.bulk(k);
    c.w.bulk(v);
  }
}

function protectedAllowed(c: Session): boolean {
  const v = c.server.config.get('enable-protected-configs');
  if (v === 'yes') return true;
  if (v !== 'local') return false;
  const a = c.addr;
  return c.stream === null || a === '' || a.startsWith('/') || a.startsWith('127.') || a.startsWith('::1');
}

/** CONFIG SET name value [name value ...]: all checked, then all applied, or none. */
function configSet(c: Session, argv: string[]): void {
  if ((argv.length & 1) === 1) {
    c.w.error(Err.syntax);
    return;
  }
  const cfg = c.server.config;
  const failed = (name: string, why: string) => c.w.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`);
  const seen = new Set<string>();
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i].toLowerCase();
    const d = findConfig(name);
    if (d === undefined) {
      c.w.error(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]}'`);
      return;
    }
    if (!d.mutable) {
      failed(name, "can't set immutable config");
      return;
    }
    if (d.protected && !protectedAllowed(c)) {
      failed(name, "can't set protected config");
      return;
    }
    if (seen.has(d.name)) {
      failed(name, 'duplicate parameter');
      return;
    }
    seen.add(d.name);
    pairs.push([name, argv[i + 1]]);
  }
  // Apply in order; a failure puts back every value already changed.
  const old = pairs.map(([name]) => cfg.get(name));
  for (let i = 0; i < pairs.length; i++) {
    const [name, value] = pairs[i];
    const err = cfg.set(name, value, true);
    if (err !== null) {
      for (let j = i - 1; j >= 0; j--) cfg.set(pairs[j][0], old[j]);
      failed(name, err);
      return;
    }
  }
  // Then the values take effect, as Redis's apply functions: a failure restores every previous value
  const net = c.server.net;
  const tlsInUse = net.tls.save();
  const applyFailed = (name: string, why: string) => {
    c.server.log.warning(`Failed applying new configuration. Possibly related to new ${name} setting. Restoring previous settings.`);
    for (let j = pairs.length - 1; j >= 0; j--) cfg.set(pairs[j][0], old[j]);
    net.tls.restore(tlsInUse);
    failed(name, why);
  };
  const tlsFailed = net.reconfigureTls(new Map(pairs.map(([name], i) => [findConfig(name)!.name, old[i]])));
  if (tlsFailed !== null) {
    applyFailed(...tlsFailed);
    return;
  }
  const names = new Set(pairs.map(([name]) => name));
  const tlsPort = cfg.getInt('tls-port');
  if (tlsPort === net.tlsPort) {
    configApplied(c, names, applyFailed);
  } else if (tlsPort === 0) {
    net.closeTls();
    configApplied(c, names, applyFailed);
  } else if (!canSuspend(c)) {
    applyFailed('tls-port', 'Sinew opens listeners asynchronously: set tls-port outside MULTI/EXEC');
  } else {
    // a new TLS port: this client waits until it listens there (or cannot)
    const pending = suspend(c);
    void net.moveTls(tlsPort).then((listening) =>
      pending.finish((c) => {
        if (listening) configApplied(c, names, applyFailed);
        else applyFailed('tls-port', 'Unable to listen on this port. Check server logs.');
      }),
    );
  }
}

/** The end of CONFIG SET once the listeners are right: appendonly takes effect, then OK. */
function configApplied(c: Session, names: ReadonlySet<string>, applyFailed: (name: string, why: string) => void): void {
  const cfg = c.server.config;
  // appendonly takes effect now (updateAppendonly): turning it on writes a base first, in the background
  if (names.has('appendonly')) {
    const aof = c.server.aof;
    const on = cfg.getBool('appendonly');
    if (!on && aof.state !== 'off') aof.stopAppendOnly();
    else if (on && aof.state === 'off' && !aof.startAppendOnly()) {
      applyFailed('appendonly', 'Unable to turn on AOF. Check server logs.');
      return;
    }
  }
  c.server.latency.commands.enabled = cfg.getBool('latency-tracking');
  c.w.ok();
}

export const serverCommands: HandlerMap = {
  info(c, argv) {
    c.w.verbatim(infoString(c.server, argv.slice(1)));
  },

  'config|get': configGet,
  'config|set': configSet,

  'config|resetstat'(c) {
    c.server.resetStats();
    c.server.latency.commands.reset();
    c.w.ok();
  },

  'config|rewrite'(c) {
    const server = c.server;
    if (server.configFile === '') {
      c.w.error('ERR The server is running without a config file');
      return;
    }
    try {
      const users = server.config.get('aclfile') !== '' ? null : server.acl.list().map((u) => u.aclLine());
      rewriteConfigFile(server.configFile, server.config, users);
      server.log.notice('CONFIG REWRITE executed with success.');
      c.w.ok();
    } catch (e) {
      server.log.warning(`CONFIG REWRITE failed: ${(e as Error).message}`);
      c.w.error(`ERR Rewriting config file: ${(e as Error).message}`);
    }
  },

  'config|help'(c) {
    const lines = [
      'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'GET <pattern>',
      '    Return parameters matching the glob-like <pattern> and their values.',
      'SET <directive> <value>',
      '    Set the configuration <directive> to <value>.',
      'RESETSTAT',
      '    Reset statistics reported by the INFO command.',
      'REWRITE',
      '    Rewrite the configuration file.',
      'HELP',
      '    Prints this help.',
    ];
    c.w.array(lines.length);
    for (const l of lines) c.w.simple(l);
  },

  time(c) {
    const now = process.hrtime.bigint();
    const us = c.server.clockOffsetUs + now / 1000n;
    c.w.array(2);
    c.w.bulk((us / 1000000n).toString());
    c.w.bulk((us % 1000000n).toString());
  },

  role(c) {
    // A standalone master with no replicas.
    c.w.array(3);
    c.w.bulk('master');
    c.w.int(0);
    c.w.array(0);
  },

  wait(c, argv) {
    const n = parseLL(argv[1]);
    if (n === null) {
      c.w.error(Err.notInteger);
      return;
    }
    const timeout = parseLL(argv[2]);
    if (timeout === null) {
      c.w.error('ERR timeout is not an integer or out of range');
      return;
    }
    if (timeout < 0) {
      c.w.error('ERR timeout is negative');
      return;
    }
    // No replica will ever acknowledge: 0 at once when none is asked for or
    // blocking is not possible, otherwise 0 when the timeout ends.
    if (n <= 0) {
      c.w.int(0);
      return;
    }
    c.server.blocking.blockOrReply(c, [], 'string', timeout, 'zero');
  },

  readonly(c) {
    c.w.error('ERR This instance has cluster support disabled');
  },

  readwrite(c) {
    c.w.error('ERR This instance has cluster support disabled');
  },

  asking(c) {
    c.w.error('ERR This instance has cluster support disabled');
  },

  monitor(c) {
    if (c.has(ClientFlag.Monitor)) return;
    c.flags |= ClientFlag.Monitor;
    c.server.monitors.add(c);
    c.w.ok();
  },

  shutdown(c, argv) {
    let nosave = false;
    let save = false;
    let abort = false;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i].toLowerCase();
      if (a === 'nosave') nosave = true;
      else if (a === 'save') save = true;
      else if (a === 'now' || a === 'force') continue;
      else if (a === 'abort') abort = true;
      else {
        c.w.error(Err.syntax);
        return;
      }
    }
    if ((abort && argv.length !== 2) || (nosave && save)) {
      c.w.error(Err.syntax);
      return;
    }
    if (abort) {
      c.w.error('ERR No shutdown in progress.');
      return;
    }
    const server = c.server;
    server.log.warning('User requested shutdown...');
    const err = server.prepareShutdown(save, nosave);
    if (err !== null) {
      c.w.error(err);
      return;
    }
    server.log.warning('Sinew is now ready to exit, bye bye...');
    void server.close();
  },
};
