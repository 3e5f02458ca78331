/**
 * Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT.
 * The interpreter lives in src/scripting/lua.ts (one per server, created on
 * first use).
 */
import type { HandlerMap, Session } from '../server/server.js';
import { parseLL } from '../protocol/numbers.js';
import { Err } from '../protocol/errors.js';
import { is } from './args.js';

function parseKeys(c: Session, argv: string[]): { keys: string[]; args: string[] } | null {
  const n = parseLL(argv[2]);
  if (n === null) {
    c.w.error(Err.notInteger);
    return null;
  }
  if (n > argv.length - 3) {
    c.w.error("ERR Number of keys can't be greater than number of args");
    return null;
  }
  if (n < 0) {
    c.w.error("ERR Number of keys can't be negative");
    return null;
  }
  return { keys: argv.slice(3, 3 + n), args: argv.slice(3 + n) };
}

function evalGeneric(c: Session, argv: string[], bySha: boolean, readOnly: boolean): void {
  // EVAL* carry skip_monitor so that MONITOR shows them before the commands
  // they run (Redis feeds the script call first, whatever its outcome).
  if (c.server.monitors.size > 0) c.server.monitors.feed(c, argv);
  const ka = parseKeys(c, argv);
  if (ka === null) return;
  const engine = c.server.scripting;
  let sha: string;
  if (bySha) {
    sha = argv[1].toLowerCase();
    if (!engine.scripts.has(sha)) {
      c.w.error(Err.noScript);
      return;
    }
  } else {
    const r = engine.load(argv[1]);
    if ('error' in r) {
      c.w.error(r.error);
      return;
    }
    sha = r.sha;
  }
  engine.run(c, sha, ka.keys, ka.args, readOnly);
}

export const scriptingCommands: HandlerMap = {
  eval(c, argv) {
    evalGeneric(c, argv, false, false);
  },
  evalsha(c, argv) {
    evalGeneric(c, argv, true, false);
  },
  eval_ro(c, argv) {
    evalGeneric(c, argv, false, true);
  },
  evalsha_ro(c, argv) {
    evalGeneric(c, argv, true, true);
  },

  'script|load'(c, argv) {
    const r = c.server.scripting.load(argv[2]);
    if ('error' in r) c.w.error(r.error);
    else c.w.bulk(r.sha);
  },

  'script|exists'(c, argv) {
    const engine = c.server.scripting;
    c.w.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.w.int(engine.scripts.has(argv[i].toLowerCase()) ? 1 : 0);
  },

  'script|flush'(c, argv) {
    if (argv.length > 3 || (argv.length === 3 && !is(argv[2], 'sync') && !is(argv[2], 'async'))) {
      c.w.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      return;
    }
    c.server.scripting.flush();
    c.w.ok();
  },

  'script|kill'(c) {
    c.w.error('NOTBUSY No scripts in execution right now.');
  },

  'script|help'(c) {
    const lines = [
      'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'DEBUG (YES|SYNC|NO)',
      '    Set the debug mode for subsequent scripts executed.',
      'EXISTS <sha1> [<sha1> ...]',
      '    Return information about the existence of the scripts in the script cache.',
      'FLUSH [ASYNC|SYNC]',
      '    Flush the Lua scripts cache. Very dangerous on replicas.',
      '    When called without the optional mode argument, the behavior is determined by the',
      '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
      '    * ASYNC: Asynchronously flush the scripts cache.',
      '    * SYNC: Synchronously flush the scripts cache.',
      'KILL',
      '    Kill the currently executing Lua script.',
      'LOAD <script>',
      '    Load a script into the scripts cache without executing it.',
      'HELP',
      '    Prints this help.',
    ];
    c.w.array(lines.length);
    for (const l of lines) c.w.simple(l);
  },
};
