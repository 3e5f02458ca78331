/**
 * The catalogue of Redis's exact error replies (without the leading '-').
 * Handlers use these names instead of repeating strings.
 */
export const Err = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  overflow: 'ERR increment or decrement would overflow',
  incrNanInf: 'ERR increment would produce NaN or Infinity',
  outOfRange: 'ERR index out of range',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidDbIndex: 'ERR invalid DB index',
  sameObject: 'ERR source and destination objects are the same',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  notHll: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  corruptHll: 'INVALIDOBJ Corrupted HLL object detected',
  invalidCursor: 'ERR invalid cursor',
  noAuth: 'NOAUTH Authentication required.',
  wrongArity: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  unknownSubcommand: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${sub}'. Try ${cmd.toUpperCase()} HELP.`,
  unknownCommand: (name: string, args: string) =>
    `ERR unknown command '${name}', with args beginning with: ${args}`,
  multiNested: 'ERR MULTI calls can not be nested',
  execWithoutMulti: 'ERR EXEC without MULTI',
  discardWithoutMulti: 'ERR DISCARD without MULTI',
  watchInMulti: 'ERR WATCH inside MULTI is not allowed',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  bgsaveError:
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  loading: 'LOADING Redis is loading the dataset in memory',
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  busyKey: 'BUSYKEY Target key name already exists.',
  timeoutNotFloat: 'ERR timeout is not a float or out of range',
  timeoutNegative: 'ERR timeout is negative',
  timeoutOutOfRange: 'ERR timeout is out of range',
  pubsubContext: (cmd: string) =>
    `ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
} as const;

/** Formats the "with args beginning with:" part of an unknown-command error. */
export function argsPreview(argv: readonly string[], start = 1): string {
  let out = '';
  for (let i = start; i < argv.length && out.length < 128; i++) {
    let a = cString(argv[i]);
    const room = 128 - out.length;
    if (a.length > room) a = a.slice(0, room);
    out += `'${a}' `;
  }
  return sanitize(out);
}

/** Error messages can not hold newlines; Redis replaces them with spaces. */
export function sanitize(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

/** The text a C "%s" prints: everything before the first NUL byte. */
export function cString(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}
