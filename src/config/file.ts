/**
 * redis.conf files and `--name value` command-line arguments: parsing with
 * Redis's quoting rules and fatal-error messages, and CONFIG REWRITE.
 */
import { readFileSync, writeFileSync, renameSync, readdirSync, appendFileSync } from 'node:fs';
import { dirname, resolve, basename, join } from 'node:path';
import { globMatch } from '../util/glob.js';
import { splitArgs } from '../protocol/parser.js';
import { Config, CONFIG_DEFS, findConfig } from './config.js';
import { SINEW_VERSION } from '../server/version.js';
import { quoteArg } from '../util/repr.js';
import { errnoText } from '../util/errno.js';

/**
 * The block redis-server prints before exiting 1 on a bad configuration. A
 * lineNumber of 0 is an error found after the last line (an unwritable log
 * file): Redis then prints the reason alone.
 */
export class FatalConfigError extends Error {
  constructor(
    public lineNumber: number,
    public line: string,
    public reason: string,
  ) {
    super(
      `*** FATAL CONFIG FILE ERROR (Redis ${SINEW_VERSION}) ***\n` +
        (lineNumber > 0 ? `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n` : '') +
        reason,
    );
  }
}

export interface Directive {
  name: string;
  args: string[];
  lineNumber: number;
  line: string;
}

/** Splits config text into directives (comments and blank lines skipped, `include` followed). */
export function parseConfigText(text: string, baseDir = process.cwd(), depth = 0): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const argv = splitArgs(line);
    if (argv === null) throw new FatalConfigError(i + 1, line, 'Unbalanced quotes in configuration line');
    if (argv.length === 0) continue;
    const name = argv[0].toLowerCase();
    if (name === 'include') {
      if (argv.length !== 2) throw new FatalConfigError(i + 1, line, 'Bad directive or wrong number of arguments');
      if (depth > 16) throw new FatalConfigError(i + 1, line, 'Too many nested includes');
      // As Redis 7.0: relative to the working directory; a wildcard in the file name
      // includes every match in name order (none is not an error).
      const target = argv[1];
      const file = basename(target);
      if (/[*?[]/.test(file)) {
        const dir = resolve(baseDir, dirname(target));
        let names: string[] = [];
        try {
          names = readdirSync(dir).filter((n) => globMatch(file, n)).sort();
        } catch {
          names = [];
        }
        for (const n of names) out.push(...parseConfigText(readFileSync(join(dir, n), 'latin1'), baseDir, depth + 1));
        continue;
      }
      let inc: string;
      try {
        inc = readFileSync(resolve(baseDir, target), 'latin1');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(`Fatal error, can't open config file '${target}': ${code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
      }
      out.push(...parseConfigText(inc, baseDir, depth + 1));
      continue;
    }
    out.push({ name, args: argv.slice(1), lineNumber: i + 1, line });
  }
  return out;
}

/**
 * Directives Redis accepts in a config file that are not CONFIG SET
 * parameters. Each turns on something Sinew lacks, so each is refused
 * (see Support in config.ts: no setting is accepted silently).
 */
const FILE_ONLY: Record<string, string> = {
  loadmodule: 'loadmodule is not supported yet by Sinew: modules are not implemented',
};

/** The text strerror() gives (re-exported for the CLI). */
export { errnoText };

/** What directives that are not settings go to: `user` lines to the ACL subsystem. */
export interface DirectiveHooks {
  /** A `user <name> rules...` line; null or the index of the argument to blame and the reason. */
  user?(argv: string[]): { index: number; reason: string } | null;
  /** `rename-command <name> <new name or "">`: null or Redis's error. */
  renameCommand?(from: string, to: string): string | null;
}

/**
 * Applies directives to a Config; throws FatalConfigError on an unknown
 * directive or a bad value.
 */
export function applyDirectives(cfg: Config, directives: Directive[], hooks: DirectiveHooks = {}): void {
  for (const d of directives) {
    if (d.name === 'sentinel') throw new FatalConfigError(d.lineNumber, d.line, 'sentinel directive while not in sentinel mode');
    if (d.name === 'user' && d.args.length >= 1) {
      if (hooks.user === undefined) throw new FatalConfigError(d.lineNumber, d.line, 'user lines declare ACL users, which need a server to hold them');
      const argv = ['user', ...d.args];
      const err = hooks.user(argv);
      if (err !== null) throw new FatalConfigError(d.lineNumber, d.line, `Error in user declaration '${argv[err.index]}': ${err.reason}`);
      continue;
    }
    if (d.name === 'rename-command' && d.args.length === 2) {
      if (hooks.renameCommand === undefined) throw new FatalConfigError(d.lineNumber, d.line, 'rename-command renames a command of a server, which needs one to hold it');
      const err = hooks.renameCommand(d.args[0], d.args[1]);
      if (err !== null) throw new FatalConfigError(d.lineNumber, d.line, err);
      continue;
    }
    if (Object.hasOwn(FILE_ONLY, d.name)) throw new FatalConfigError(d.lineNumber, d.line, FILE_ONLY[d.name]);
    const def = findConfig(d.name);
    if (def === undefined) {
      throw new FatalConfigError(d.lineNumber, d.line, 'Bad directive or wrong number of arguments');
    }
    if ((d.args.length !== 1 && !def.multiArg && def.name !== 'save') || (d.args.length === 0 && def.name !== 'bind')) {
      throw new FatalConfigError(d.lineNumber, d.line, 'wrong number of arguments');
    }
    // `save ""` resets save points; several `save` lines accumulate.
    let value = d.args.join(' ');
    if (def.name === 'save' && d.args.length > 0 && d.args[0] !== '') {
      const seenSave = (cfg as unknown as { __saveSeen?: boolean }).__saveSeen;
      if (seenSave) value = (cfg.get('save') + ' ' + value).trim();
      (cfg as unknown as { __saveSeen?: boolean }).__saveSeen = true;
    }
    const err = cfg.set(d.name, value);
    if (err !== null) throw new FatalConfigError(d.lineNumber, d.line, err);
  }
  // As redis-server: a log file that cannot be opened stops start-up (relative to `dir`).
  const logfile = cfg.get('logfile');
  if (logfile !== '') {
    try {
      appendFileSync(resolve(cfg.get('dir'), logfile), '');
    } catch (e) {
      throw new FatalConfigError(0, '', `Can't open the log file: ${errnoText(e)}`);
    }
  }
}

/**
 * Turns command-line arguments into config text as Redis does:
 * `[configfile] [--name value ...]`; "-" reads the file from stdin.
 * Returns the config file path (or '') and the combined text.
 */
export function argsToConfigText(args: string[]): { file: string; text: string } {
  let file = '';
  let i = 0;
  let text = '';
  if (args.length > 0 && !args[0].startsWith('--')) {
    file = args[0];
    i = 1;
    if (file === '-') {
      text += readFileSync(0, 'latin1');
      file = '';
    } else {
      try {
        text += readFileSync(file, 'latin1');
      } catch (e) {
        throw new Error(`Fatal error, can't open config file '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
      }
    }
  }
  // As redis-server: options are appended after the file's text and a newline,
  // "--name" starts a line, every value is quoted like sdscatrepr.
  let options = '';
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '-' && (i === args.length - 1)) {
      text += readFileSync(0, 'latin1');
    } else if (a.startsWith('--') && a.length > 2) {
      if (options !== '') options += '\n';
      options += a.slice(2) + ' ';
    } else {
      options += quoteArg(a) + ' ';
    }
  }
  text += '\n' + options;
  return { file: file === '' ? '' : resolve(file), text };
}

function quoteConfigArg(a: string): string {
  if (a === '') return '""';
  if (/^[\x21-\x7e]+$/.test(a) && !/["'\\]/.test(a)) return a;
  return '"' + a.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"';
}

/**
 * CONFIG REWRITE: keeps the file's comments and order, rewrites the
 * directives it has with their current values, and appends the non-default
 * ones it lacks after a "# Generated by CONFIG REWRITE" line. `users` are
 * the ACL users as `user` lines, which take the places of the file's own
 * (null with an aclfile: the file's user lines are dropped, as Redis).
 */
export function rewriteConfigFile(path: string, cfg: Config, users: string[] | null = []): void {
  let text = '';
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    text = '';
  }
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const written = new Set<string>();
  const out: string[] = [];
  const marker = '# Generated by CONFIG REWRITE';
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      out.push(raw);
      continue;
    }
    const argv = splitArgs(line);
    if (argv === null || argv.length === 0) {
      out.push(raw);
      continue;
    }
    if (argv[0].toLowerCase() === 'user') {
      const next = users === null ? undefined : users.shift();
      if (next !== undefined) out.push(next);
      continue;
    }
    const def = findConfig(argv[0]);
    if (def === undefined) {
      out.push(raw);
      continue;
    }
    if (written.has(def.name)) continue;
    written.add(def.name);
    // As Redis: a directive present in the file keeps its line, with the current value.
    const text = formatDirective(def.name, cfg.get(def.name));
    if (text !== '') out.push(text);
  }
  const extra: string[] = [];
  for (const def of CONFIG_DEFS) {
    // save is always written, as Redis does: `save ""` keeps a Redis that reads
    // the file from using its own default save points.
    if (written.has(def.name) || (cfg.isDefault(def.name) && def.name !== 'save')) continue;
    const line = formatDirective(def.name, cfg.get(def.name));
    if (line !== '') extra.push(line);
  }
  if (users !== null) extra.push(...users);
  if (extra.length > 0) {
    if (!out.some((l) => l.trim() === marker)) {
      if (out.length > 0 && out[out.length - 1].trim() !== '') out.push('');
      out.push(marker);
    }
    out.push(...extra);
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, out.join('\n') + '\n', 'latin1');
  renameSync(tmp, path);
}

/** Memory values as CONFIG REWRITE writes them: 1gb, 2mb, 3kb or bytes. */
function formatMemory(v: string): string {
  const n = BigInt(v);
  if (n === 0n) return '0';
  const G = 1073741824n;
  const M = 1048576n;
  const K = 1024n;
  if (n % G === 0n) return `${n / G}gb`;
  if (n % M === 0n) return `${n / M}mb`;
  if (n % K === 0n) return `${n / K}kb`;
  return v;
}

const DEFAULT_CLIENT_LIMITS = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

function formatDirective(name: string, value: string): string {
  const def = findConfig(name)!;
  if (def.name === 'save') {
    if (value === '') return 'save ""';
    const p = value.split(' ');
    const parts: string[] = [];
    for (let i = 0; i < p.length; i += 2) parts.push(`save ${p[i]} ${p[i + 1]}`);
    return parts.join('\n');
  }
  if (def.name === 'client-output-buffer-limit') {
    // Only the classes that differ from their default, memory in units.
    const p = value.split(' ');
    const d = DEFAULT_CLIENT_LIMITS.split(' ');
    const parts: string[] = [];
    for (let i = 0; i < p.length; i += 4) {
      if (p[i + 1] === d[i + 1] && p[i + 2] === d[i + 2] && p[i + 3] === d[i + 3]) continue;
      parts.push(`client-output-buffer-limit ${p[i]} ${formatMemory(p[i + 1])} ${formatMemory(p[i + 2])} ${p[i + 3]}`);
    }
    return parts.join('\n');
  }
  if (def.name === 'maxmemory-clients') return `${def.name} ${value.endsWith('%') ? value : formatMemory(value)}`;
  if (def.kind === 'memory') return `${def.name} ${formatMemory(value)}`;
  if (def.kind === 'string' || def.name === 'dir' || def.name === 'notify-keyspace-events') return `${def.name} ${quoteArg(value)}`;
  if (def.multiArg) return `${def.name} ${value}`;
  return `${def.name} ${quoteConfigArg(value)}`;
}
