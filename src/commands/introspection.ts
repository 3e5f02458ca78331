/**
 * COMMAND and its subcommands, answered from the command table.
 */
import type { Command, CommandMeta, KeySpecMeta } from '../command/table.js';
import type { HandlerMap, Session } from '../server/server.js';
import { resolveKeys } from '../command/table.js';
import type { ReplyWriter } from '../protocol/writer.js';
import { Err } from '../protocol/errors.js';
import { globMatch } from '../util/glob.js';
import { is } from './args.js';
import summariesJson from '../command/meta/summaries.json' with { type: 'json' };

/** Sinew's own one-line summary and complexity note for every command (COMMAND DOCS, redis-cli help). */
const summaries: Record<string, { summary: string; complexity: string } | undefined> = summariesJson;

function statusSet(w: ReplyWriter, items: readonly string[]): void {
  w.set(items.length);
  for (const s of items) w.simple(s);
}

function writeValue(w: ReplyWriter, v: unknown): void {
  if (typeof v === 'number') w.int(v);
  else if (typeof v === 'string') w.bulk(v);
  else if (Array.isArray(v)) {
    w.array(v.length);
    for (const x of v) writeValue(w, x);
  } else if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    w.map(entries.length);
    for (const [k, x] of entries) {
      w.bulk(k);
      writeValue(w, x);
    }
  } else w.nullBulk();
}

function writeKeySpec(w: ReplyWriter, ks: KeySpecMeta): void {
  const entries = Object.entries(ks);
  w.map(entries.length);
  for (const [k, v] of entries) {
    w.bulk(k);
    if (k === 'flags') statusSet(w, v as string[]);
    else writeValue(w, v);
  }
}

/** The visible subcommands of a command (those Sinew serves). */
function servedSubs(cmd: Command): Command[] {
  return cmd.subcommands === null ? [] : [...cmd.subcommands.values()];
}

export function writeCommandInfo(w: ReplyWriter, cmd: Command): void {
  const m = cmd.meta;
  w.array(10);
  w.bulk(cmd.fullname);
  w.int(m.arity);
  statusSet(w, m.flags);
  w.int(m.firstKey);
  w.int(m.lastKey);
  w.int(m.step);
  statusSet(w, m.acl);
  w.set(m.tips.length);
  for (const t of m.tips) w.bulk(t);
  w.set(m.keySpecs.length);
  for (const ks of m.keySpecs) writeKeySpec(w, ks);
  const subs = servedSubs(cmd);
  w.set(subs.length);
  for (const s of subs) writeCommandInfo(w, s);
}

function writeArgs(w: ReplyWriter, args: unknown[]): void {
  w.array(args.length);
  for (const a of args as Record<string, unknown>[]) {
    const entries = Object.entries(a);
    w.map(entries.length);
    for (const [k, v] of entries) {
      w.bulk(k);
      if (k === 'flags') statusSet(w, v as string[]);
      else if (k === 'arguments') writeArgs(w, v as unknown[]);
      else writeValue(w, v);
    }
  }
}

/**
 * COMMAND DOCS entry, keys in Redis 7.0's order: summary, since, group,
 * complexity, doc_flags, deprecated_since, arguments, subcommands (no history).
 */
function writeCommandDocs(w: ReplyWriter, cmd: Command): void {
  const m = cmd.meta;
  const subs = servedSubs(cmd);
  const prose = Object.hasOwn(summaries, cmd.fullname) ? summaries[cmd.fullname] : undefined;
  let n = 0;
  if (prose) n += 2;
  if (m.since) n++;
  if (m.group) n++;
  if (m.docFlags) n++;
  if (m.deprecatedSince) n++;
  if (m.arguments) n++;
  if (subs.length) n++;
  w.map(n);
  if (prose) {
    w.bulk('summary');
    w.bulk(prose.summary);
  }
  if (m.since) {
    w.bulk('since');
    w.bulk(m.since);
  }
  if (m.group) {
    w.bulk('group');
    w.bulk(m.group);
  }
  if (prose) {
    w.bulk('complexity');
    w.bulk(prose.complexity);
  }
  if (m.docFlags) {
    w.bulk('doc_flags');
    statusSet(w, m.docFlags);
  }
  if (m.deprecatedSince) {
    w.bulk('deprecated_since');
    w.bulk(m.deprecatedSince);
  }
  if (m.arguments) {
    w.bulk('arguments');
    writeArgs(w, m.arguments);
  }
  if (subs.length) {
    w.bulk('subcommands');
    w.map(subs.length);
    for (const s of subs) {
      w.bulk(s.fullname);
      writeCommandDocs(w, s);
    }
  }
}

function getKeysCommon(c: Session, argv: string[], withFlags: boolean): void {
  const target = argv.slice(2);
  const server = c.server;
  let cmd = server.commands.lookup(target[0]);
  if (cmd !== undefined && cmd.subcommands !== null && target.length >= 2) {
    cmd = cmd.subcommands.get(target[1].toLowerCase()) ?? cmd;
  }
  if (cmd === undefined) {
    c.w.error('ERR Invalid command specified');
    return;
  }
  const m: CommandMeta = cmd.meta;
  if (m.keySpecs.length === 0) {
    c.w.error('ERR The command has no key arguments');
    return;
  }
  if ((cmd.arity > 0 && cmd.arity !== target.length) || target.length < -cmd.arity) {
    c.w.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const positions = keyPositionsWithSpecs(cmd, target);
  if (positions === null || positions.length === 0) {
    c.w.error('ERR Invalid arguments specified for command');
    return;
  }
  c.w.array(positions.length);
  for (const [pos, spec] of positions) {
    if (withFlags) {
      c.w.array(2);
      c.w.bulk(target[pos]);
      statusSet(c.w, resolveVariableFlags(cmd, target, m.keySpecs[spec].flags));
    } else {
      c.w.bulk(target[pos]);
    }
  }
}

/** Key-spec flags of SET and BITFIELD depend on the arguments (their getkeys procs in Redis). */
function resolveVariableFlags(cmd: Command, argv: string[], flags: string[]): string[] {
  if (!flags.includes('variable_flags')) return flags;
  if (cmd.fullname === 'set') {
    const get = argv.slice(3).some((a) => a.toLowerCase() === 'get');
    return get ? ['RW', 'access', 'update'] : ['OW', 'update'];
  }
  if (cmd.fullname === 'bitfield') {
    const write = argv.slice(2).some((a) => {
      const l = a.toLowerCase();
      return l === 'set' || l === 'incrby';
    });
    return write ? ['RW', 'access', 'update'] : ['RO', 'access'];
  }
  return flags.filter((f) => f !== 'variable_flags');
}

/** Key positions with the index of the key spec each came from; null on malformed input. */
function keyPositionsWithSpecs(cmd: Command, argv: string[]): [number, number][] | null {
  const { keys, malformed } = resolveKeys(cmd.meta, argv, false);
  return malformed ? null : keys;
}

export const introspectionCommands: HandlerMap = {
  command(c) {
    const all = c.server.commands.all;
    c.w.array(all.length);
    for (const cmd of all) writeCommandInfo(c.w, cmd);
  },

  'command|count'(c) {
    c.w.int(c.server.commands.size);
  },

  'command|info'(c, argv) {
    const table = c.server.commands;
    if (argv.length === 2) {
      c.w.array(table.all.length);
      for (const cmd of table.all) writeCommandInfo(c.w, cmd);
      return;
    }
    c.w.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const cmd = table.lookupFull(argv[i]);
      if (cmd === undefined) c.w.nullBulk();
      else writeCommandInfo(c.w, cmd);
    }
  },

  'command|docs'(c, argv) {
    const table = c.server.commands;
    if (argv.length === 2) {
      c.w.map(table.all.length);
      for (const cmd of table.all) {
        c.w.bulk(cmd.fullname);
        writeCommandDocs(c.w, cmd);
      }
      return;
    }
    const found: Command[] = [];
    for (let i = 2; i < argv.length; i++) {
      const cmd = table.lookupFull(argv[i]);
      if (cmd !== undefined) found.push(cmd);
    }
    c.w.map(found.length);
    for (const cmd of found) {
      c.w.bulk(cmd.fullname);
      writeCommandDocs(c.w, cmd);
    }
  },

  'command|list'(c, argv) {
    const table = c.server.commands;
    let filter: ((cmd: Command) => boolean) | null = null;
    if (argv.length === 5 && is(argv[2], 'filterby')) {
      const kind = argv[3].toLowerCase();
      const val = argv[4];
      if (kind === 'module') filter = () => false;
      else if (kind === 'aclcat') {
        const cat = '@' + val.toLowerCase();
        filter = (cmd) => cmd.meta.acl.includes(cat);
      } else if (kind === 'pattern') filter = (cmd) => globMatch(val, cmd.fullname, true);
      else {
        c.w.error(Err.syntax);
        return;
      }
    } else if (argv.length !== 2) {
      c.w.error(Err.syntax);
      return;
    }
    const names: string[] = [];
    for (const cmd of table.all) {
      if (filter === null || filter(cmd)) names.push(cmd.fullname);
      for (const s of servedSubs(cmd)) if (filter === null || filter(s)) names.push(s.fullname);
    }
    c.w.array(names.length);
    for (const n of names) c.w.bulk(n);
  },

  'command|getkeys'(c, argv) {
    getKeysCommon(c, argv, false);
  },

  'command|getkeysandflags'(c, argv) {
    getKeysCommon(c, argv, true);
  },

  'command|help'(c) {
    const lines = [
      'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      '(no subcommand)',
      '    Return details about all Redis commands.',
      'COUNT',
      '    Return the total number of commands in this Redis server.',
      'LIST',
      '    Return a list of all commands in this Redis server.',
      'INFO [<command-name> ...]',
      '    Return details about multiple Redis commands.',
      '    If no command names are given, documentation details for all',
      '    commands are returned.',
      'DOCS [<command-name> ...]',
      '    Return documentation details about multiple Redis commands.',
      '    If no command names are given, documentation details for all',
      '    commands are returned.',
      'GETKEYS <full-command>',
      '    Return the keys from a full Redis command.',
      'GETKEYSANDFLAGS <full-command>',
      '    Return the keys and the access flags from a full Redis command.',
      'HELP',
      '    Prints this help.',
    ];
    c.w.array(lines.length);
    for (const l of lines) c.w.simple(l);
  },
};
