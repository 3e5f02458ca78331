import { constants as bufferConstants } from 'node:buffer';
import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

/**
 * The configuration table: every directive with its kind, default, bounds and
 * whether CONFIG SET may change it. Parsing of redis.conf files and of
 * `--name value` arguments, and CONFIG GET/SET semantics, all come from here.
 */

/** The largest Buffer this Node.js can allocate. */
const MAX_BUFFER_BYTES = bufferConstants.MAX_LENGTH;

export type ConfigKind = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';

export interface ConfigDef {
  name: string;
  kind: ConfigKind;
  default: string;
  /** CONFIG SET refused when false. */
  mutable: boolean;
  min?: number;
  max?: number;
  values?: readonly string[];
  alias?: string;
  /** Validates and normalises a value; returns an error text (without "ERR ") on failure. */
  check?: (value: string) => string | null | { value: string };
  /** Takes several arguments on a config-file line (save, bind, ...). */
  multiArg?: boolean;
  /** Hidden from CONFIG GET patterns: only an exact name shows it. */
  hidden?: boolean;
  /** Refused by CONFIG SET unless enable-protected-configs allows it. */
  protected?: boolean;
  /** What Sinew does with the directive (see SUPPORT below); set for every entry when this module loads. */
  support: Support;
}

/**
 * What Sinew does with a directive. No setting is accepted silently: a value
 * either has the effect Redis gives it, or is harmless to ignore, or is
 * refused at start-up and by CONFIG SET with the reason.
 *  - implemented: the value is read and does what Redis documents.
 *  - ignored: accepted with no effect; `why` says why ignoring it can lose
 *    neither data nor security, and cannot mislead (it tunes something Sinew
 *    does differently, or a feature that stays off because the directive
 *    that turns it on is refused).
 *  - refused: turns on a feature Sinew lacks. `refuse(value)` gets the
 *    normalised value and returns the reason when that value turns the
 *    feature on, null when it keeps it off. `on` is a value that turns it on
 *    and `off` one that keeps it off (the tests use both).
 */
export type Support =
  | { kind: 'implemented' }
  | { kind: 'ignored'; why: string }
  | { kind: 'refused'; refuse: (value: string) => string | null; on: string; off: string };

const I = Number.MAX_SAFE_INTEGER;
const LL_MAX = 9223372036854775807;

/** A table entry before its support is attached (see SUPPORT). */
type Def = Omit<ConfigDef, 'support'>;

function b(name: string, def: 'yes' | 'no', mutable = true, alias?: string): Def {
  return { name, kind: 'bool', default: def, mutable, alias };
}
function n(name: string, def: number, min: number, max: number, mutable = true, alias?: string): Def {
  return { name, kind: 'int', default: String(def), mutable, min, max, alias };
}
function m(name: string, def: number, min: number, max: number, mutable = true): Def {
  return { name, kind: 'memory', default: String(def), mutable, min, max };
}
function s(name: string, def: string, mutable = true, alias?: string): Def {
  return { name, kind: 'string', default: def, mutable, alias };
}
function e(name: string, def: string, values: readonly string[], mutable = true): Def {
  return { name, kind: 'enum', default: def, mutable, values };
}

const LOGLEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;
export const MAXMEMORY_POLICIES = [
  'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl',
  'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction',
] as const;

const TABLE: Def[] = [
  e('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  s('aclfile', '', false),
  n('acllog-max-len', 128, 0, LL_MAX),
  n('active-defrag-cycle-max', 25, 1, 99),
  n('active-defrag-cycle-min', 1, 1, 99),
  m('active-defrag-ignore-bytes', 104857600, 1, LL_MAX),
  n('active-defrag-max-scan-fields', 1000, 1, LL_MAX),
  n('active-defrag-threshold-lower', 10, 0, 1000),
  n('active-defrag-threshold-upper', 100, 0, 1000),
  n('active-expire-effort', 1, 1, 10),
  b('activedefrag', 'no'),
  b('activerehashing', 'yes'),
  b('always-show-logo', 'no', false),
  b('aof-disable-auto-gc', 'no'),
  b('aof-load-truncated', 'yes'),
  b('aof-rewrite-incremental-fsync', 'yes'),
  b('aof-timestamp-enabled', 'no'),
  b('aof-use-rdb-preamble', 'yes'),
  s('aof_rewrite_cpulist', '', false),
  s('appenddirname', 'appendonlydir', false),
  s('appendfilename', 'appendonly.aof', false),
  e('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  b('appendonly', 'no'),
  m('auto-aof-rewrite-min-size', 67108864, 0, LL_MAX),
  n('auto-aof-rewrite-percentage', 100, 0, 2147483647),
  s('bgsave_cpulist', '', false),
  { name: 'bind', kind: 'special', default: '127.0.0.1 -::1', mutable: true, multiArg: true },
  s('bind-source-addr', ''),
  s('bio_cpulist', '', false),
  n('busy-reply-threshold', 5000, 0, LL_MAX, true),
  {
    name: 'client-output-buffer-limit', kind: 'special', mutable: true, multiArg: true,
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  },
  m('client-query-buffer-limit', 1073741824, 1024 * 1024, LL_MAX),
  b('cluster-allow-pubsubshard-when-down', 'yes'),
  b('cluster-allow-reads-when-down', 'no'),
  b('cluster-allow-replica-migration', 'yes'),
  n('cluster-announce-bus-port', 0, 0, 65535),
  s('cluster-announce-hostname', ''),
  s('cluster-announce-ip', ''),
  n('cluster-announce-port', 0, 0, 65535),
  n('cluster-announce-tls-port', 0, 0, 65535),
  s('cluster-config-file', 'nodes.conf', false),
  b('cluster-enabled', 'no', false),
  m('cluster-link-sendbuf-limit', 0, 0, LL_MAX),
  n('cluster-migration-barrier', 1, 0, 2147483647),
  n('cluster-node-timeout', 15000, 0, LL_MAX),
  n('cluster-port', 0, 0, 65535, false),
  e('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint']),
  b('cluster-replica-no-failover', 'no'),
  n('cluster-replica-validity-factor', 10, 0, 2147483647),
  b('cluster-require-full-coverage', 'yes'),
  b('crash-log-enabled', 'yes'),
  b('crash-memcheck-enabled', 'yes'),
  b('daemonize', 'no', false),
  n('databases', 16, 1, 2147483647, false),
  { ...s('dbfilename', 'dump.rdb'), protected: true },
  { name: 'dir', kind: 'special', default: '', mutable: true, protected: true },
  b('disable-thp', 'yes', false),
  b('dynamic-hz', 'yes'),
  e('enable-debug-command', 'no', ['no', 'yes', 'local'], false),
  e('enable-module-command', 'no', ['no', 'yes', 'local'], false),
  e('enable-protected-configs', 'no', ['no', 'yes', 'local'], false),
  n('hash-max-listpack-entries', 512, 0, LL_MAX),
  m('hash-max-listpack-value', 64, 0, LL_MAX),
  m('hll-sparse-max-bytes', 3000, 0, LL_MAX),
  n('hz', 10, 0, 2147483647),
  s('ignore-warnings', ''),
  n('io-threads', 1, 1, 128, false),
  b('io-threads-do-reads', 'no', false),
  b('jemalloc-bg-thread', 'yes'),
  n('latency-monitor-threshold', 0, 0, LL_MAX),
  b('latency-tracking', 'yes'),
  { name: 'latency-tracking-info-percentiles', kind: 'special', default: '50 99 99.9', mutable: true, multiArg: true },
  b('lazyfree-lazy-eviction', 'no'),
  b('lazyfree-lazy-expire', 'no'),
  b('lazyfree-lazy-server-del', 'no'),
  b('lazyfree-lazy-user-del', 'no'),
  b('lazyfree-lazy-user-flush', 'no'),
  n('lfu-decay-time', 1, 0, 2147483647),
  n('lfu-log-factor', 10, 0, 2147483647),
  n('list-compress-depth', 0, 0, 2147483647),
  n('list-max-listpack-size', -2, -2147483648, 2147483647),
  s('logfile', '', false),
  e('loglevel', 'notice', LOGLEVELS),
  s('masterauth', ''),
  s('masteruser', ''),
  n('maxclients', 10000, 1, 4294967295),
  m('maxmemory', 0, 0, LL_MAX),
  { name: 'maxmemory-clients', kind: 'special', default: '0', mutable: true },
  n('maxmemory-eviction-tenacity', 10, 0, 100),
  e('maxmemory-policy', 'noeviction', MAXMEMORY_POLICIES),
  n('maxmemory-samples', 5, 1, 2147483647),
  n('min-replicas-max-lag', 10, 0, 2147483647),
  n('min-replicas-to-write', 0, 0, 2147483647),
  b('no-appendfsync-on-rewrite', 'no'),
  { name: 'notify-keyspace-events', kind: 'special', default: '', mutable: true },
  e('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute']),
  { name: 'oom-score-adj-values', kind: 'special', default: '0 200 800', mutable: true, multiArg: true },
  s('pidfile', '', false),
  n('port', 6379, 0, 65535),
  s('proc-title-template', '{title} {listen-addr} {server-mode}'),
  e('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas']),
  b('protected-mode', 'yes'),
  m('proto-max-bulk-len', 536870912, 1024 * 1024, LL_MAX),
  b('rdb-del-sync-files', 'no'),
  b('rdb-save-incremental-fsync', 'yes'),
  b('rdbchecksum', 'yes', false),
  b('rdbcompression', 'yes'),
  m('repl-backlog-size', 1048576, 1, LL_MAX),
  n('repl-backlog-ttl', 3600, 0, LL_MAX),
  b('repl-disable-tcp-nodelay', 'no'),
  e('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb']),
  b('repl-diskless-sync', 'yes'),
  n('repl-diskless-sync-delay', 5, 0, 2147483647),
  n('repl-diskless-sync-max-replicas', 0, 0, 2147483647),
  n('repl-ping-replica-period', 10, 1, 2147483647),
  n('repl-timeout', 60, 1, 2147483647),
  s('replica-announce-ip', ''),
  n('replica-announce-port', 0, 0, 65535),
  b('replica-announced', 'yes'),
  b('replica-ignore-disk-write-errors', 'no'),
  b('replica-ignore-maxmemory', 'yes'),
  b('replica-lazy-flush', 'no'),
  n('replica-priority', 100, 0, 2147483647),
  b('replica-read-only', 'yes'),
  b('replica-serve-stale-data', 'yes'),
  { name: 'replicaof', kind: 'special', default: '', mutable: false, multiArg: true },
  s('requirepass', ''),
  e('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),
  // Save points as Redis 7.0 without a config file (embedded servers start with none, see startServer).
  { name: 'save', kind: 'special', default: '3600 1 300 100 60 10000', mutable: true, multiArg: true },
  s('server_cpulist', '', false),
  n('set-max-intset-entries', 512, 0, LL_MAX),
  b('set-proc-title', 'yes', false),
  { name: 'shutdown-on-sigint', kind: 'special', default: 'default', mutable: true, multiArg: true },
  { name: 'shutdown-on-sigterm', kind: 'special', default: 'default', mutable: true, multiArg: true },
  n('shutdown-timeout', 10, 0, 2147483647),
  n('slowlog-log-slower-than', 10000, -1, LL_MAX),
  n('slowlog-max-len', 128, 0, LL_MAX),
  n('socket-mark-id', 0, 0, 4294967295, false),
  b('stop-writes-on-bgsave-error', 'yes'),
  m('stream-node-max-bytes', 4096, 0, LL_MAX),
  n('stream-node-max-entries', 100, 0, LL_MAX),
  e('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], false),
  b('syslog-enabled', 'no', false),
  e('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], false),
  s('syslog-ident', 'redis', false),
  n('tcp-backlog', 511, 0, 2147483647, false),
  n('tcp-keepalive', 300, 0, 2147483647),
  n('timeout', 0, 0, 2147483647),
  e('tls-auth-clients', 'yes', ['no', 'yes', 'optional']),
  s('tls-ca-cert-dir', ''),
  s('tls-ca-cert-file', ''),
  s('tls-cert-file', ''),
  s('tls-ciphers', ''),
  s('tls-ciphersuites', ''),
  s('tls-client-cert-file', ''),
  s('tls-client-key-file', ''),
  s('tls-client-key-file-pass', ''),
  b('tls-cluster', 'no'),
  s('tls-dh-params-file', ''),
  s('tls-key-file', ''),
  s('tls-key-file-pass', ''),
  n('tls-port', 0, 0, 65535),
  b('tls-prefer-server-ciphers', 'no'),
  s('tls-protocols', ''),
  b('tls-replication', 'no'),
  n('tls-session-cache-size', 20480, 0, 2147483647),
  n('tls-session-cache-timeout', 300, 0, 2147483647),
  b('tls-session-caching', 'yes'),
  n('tracking-table-max-keys', 1000000, 0, LL_MAX),
  s('unixsocket', '', false),
  { name: 'unixsocketperm', kind: 'special', default: '0', mutable: false },
  n('zset-max-listpack-entries', 128, 0, LL_MAX),
  m('zset-max-listpack-value', 64, 0, LL_MAX),
  // Hidden (test-only) directives: CONFIG GET shows them by exact name only.
  { ...n('key-load-delay', 0, -2147483648, 2147483647), hidden: true },
  { ...n('rdb-key-save-delay', 0, -2147483648, 2147483647), hidden: true },
  { ...n('loading-process-events-interval-bytes', 2097152, 1024, 2147483647), hidden: true },
  { ...n('watchdog-period', 0, 0, 2147483647), hidden: true },
];

/** The reason a refused value gives: "<directive> <value> is not supported yet by Sinew: <why>". */
function notYet(name: string, value: string, why: string): string {
  return `${name} ${value === '' ? '""' : value} is not supported yet by Sinew: ${why}`;
}

/** Refused unless the value is `off` (compared case-insensitively after normalisation). */
function refusedUnless(name: string, off: string, on: string, why: string): Support {
  return { kind: 'refused', on, off, refuse: (v) => (v.toLowerCase() === off ? null : notYet(name, v, why)) };
}

const NO_REPLICATION = 'replication is not implemented';

/**
 * Every directive of TABLE, classified. A directive missing here (or named
 * here but absent from TABLE) stops this module from loading, so a new
 * directive cannot be added without saying what Sinew does with it.
 */
const IMPLEMENTED = [
  'active-expire-effort', 'aof-disable-auto-gc', 'aof-rewrite-incremental-fsync', 'rdb-save-incremental-fsync', 'aof-load-truncated', 'aof-timestamp-enabled', 'appendonly',
  'aof-use-rdb-preamble', 'appenddirname', 'appendfilename', 'appendfsync', 'auto-aof-rewrite-min-size', 'auto-aof-rewrite-percentage',
  'no-appendfsync-on-rewrite', 'bind', 'busy-reply-threshold', 'client-output-buffer-limit',
  'client-query-buffer-limit', 'daemonize', 'databases', 'dbfilename', 'dir', 'enable-debug-command',
  'enable-protected-configs', 'hash-max-listpack-entries', 'hash-max-listpack-value', 'hll-sparse-max-bytes', 'hz',
  'latency-monitor-threshold', 'latency-tracking', 'latency-tracking-info-percentiles',
  'lazyfree-lazy-eviction', 'lazyfree-lazy-expire', 'lfu-decay-time', 'lfu-log-factor', 'list-max-listpack-size', 'logfile',
  'loglevel', 'maxclients', 'maxmemory', 'maxmemory-clients', 'maxmemory-policy', 'maxmemory-samples',
  'notify-keyspace-events', 'pidfile', 'port', 'protected-mode', 'proto-max-bulk-len', 'rdbchecksum', 'rdbcompression',
  'requirepass', 'save', 'set-max-intset-entries', 'rdb-key-save-delay', 'key-load-delay', 'shutdown-on-sigint', 'shutdown-on-sigterm', 'slowlog-log-slower-than',
  'slowlog-max-len', 'stop-writes-on-bgsave-error', 'stream-node-max-bytes', 'stream-node-max-entries', 'supervised', 'tcp-backlog', 'tcp-keepalive', 'timeout', 'tracking-table-max-keys',
  'unixsocket', 'unixsocketperm', 'zset-max-listpack-entries', 'zset-max-listpack-value',
  'aclfile', 'acl-pubsub-default', 'acllog-max-len',
  'tls-port', 'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-auth-clients',
  'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-dh-params-file', 'tls-session-caching',
  'tls-session-cache-size', 'tls-session-cache-timeout',
];

/** Accepted with no effect, grouped by the reason that makes ignoring them safe. */
const IGNORED: [why: string, names: string[]][] = [
  [
    'Sinew always validates RDB files and DUMP payloads completely (it decodes every element into its own structures), which is what "yes" asks',
    ['sanitize-dump-payload'],
  ],
  [
    'tunes how often loading yields to clients: Sinew yields every 2000 keys of an RDB file and every 1024 commands of an AOF',
    ['loading-process-events-interval-bytes'],
  ],
  ['deletes RDB files made only for replica syncs, which Sinew does not make (replication stays off)', ['rdb-del-sync-files']],
  [
    'tunes replication, which stays off (replicaof and min-replicas-to-write are refused)',
    ['masterauth', 'masteruser', 'min-replicas-max-lag', 'propagation-error-behavior', 'repl-backlog-size',
      'repl-backlog-ttl', 'repl-disable-tcp-nodelay', 'repl-diskless-load', 'repl-diskless-sync',
      'repl-diskless-sync-delay', 'repl-diskless-sync-max-replicas', 'repl-ping-replica-period', 'repl-timeout',
      'replica-announce-ip', 'replica-announce-port', 'replica-announced', 'replica-ignore-disk-write-errors',
      'replica-ignore-maxmemory', 'replica-lazy-flush', 'replica-priority', 'replica-read-only',
      'replica-serve-stale-data', 'shutdown-timeout', 'bind-source-addr'],
  ],
  [
    'tunes cluster mode, which stays off (cluster-enabled yes is refused)',
    ['cluster-allow-pubsubshard-when-down', 'cluster-allow-reads-when-down', 'cluster-allow-replica-migration',
      'cluster-announce-bus-port', 'cluster-announce-hostname', 'cluster-announce-ip', 'cluster-announce-port',
      'cluster-announce-tls-port', 'cluster-config-file', 'cluster-link-sendbuf-limit', 'cluster-migration-barrier',
      'cluster-node-timeout', 'cluster-port', 'cluster-preferred-endpoint-type', 'cluster-replica-no-failover',
      'cluster-replica-validity-factor', 'cluster-require-full-coverage'],
  ],
  [
    'the certificate for outgoing TLS connections (replication, the cluster bus, MIGRATE under tls-cluster), which Sinew does not make: ' +
      'checked as Redis checks it whenever TLS is configured (a certificate or key that does not load stops start-up and fails CONFIG SET), otherwise unused',
    ['tls-client-cert-file', 'tls-client-key-file', 'tls-client-key-file-pass'],
  ],
  ['tunes syslog, which stays off (syslog-enabled yes is refused)', ['syslog-facility', 'syslog-ident']],
  ['tunes the OOM score, which Sinew leaves alone (oom-score-adj is refused)', ['oom-score-adj-values']],
  [
    'tunes memory management Sinew leaves to the V8 garbage collector, which compacts its heap and frees values off the command path on its own',
    ['activedefrag', 'active-defrag-cycle-max', 'active-defrag-cycle-min', 'active-defrag-ignore-bytes',
      'active-defrag-max-scan-fields', 'active-defrag-threshold-lower', 'active-defrag-threshold-upper',
      'activerehashing', 'jemalloc-bg-thread', 'disable-thp', 'lazyfree-lazy-server-del',
      'lazyfree-lazy-user-del', 'lazyfree-lazy-user-flush'],
  ],
  [
    'performance only: Sinew serves every client from one thread and does not pin threads to CPUs or vary hz',
    ['io-threads', 'io-threads-do-reads', 'server_cpulist', 'bio_cpulist', 'aof_rewrite_cpulist', 'bgsave_cpulist',
      'dynamic-hz', 'maxmemory-eviction-tenacity'],
  ],
  ['memory tuning of an encoding Sinew does not have: lists are never compressed', ['list-compress-depth']],
  [
    'cosmetic: the start-up logo, the process title, crash-report details, an ARM64 kernel warning',
    ['always-show-logo', 'set-proc-title', 'proc-title-template', 'crash-log-enabled', 'crash-memcheck-enabled',
      'ignore-warnings'],
  ],
  ['Sinew has no MODULE command: calls get an unknown-command error whatever this says', ['enable-module-command']],
];

/** Refused when the value turns on a feature Sinew lacks; accepted when it keeps it off. */
const REFUSED: Record<string, Support> = {
  replicaof: { kind: 'refused', on: '127.0.0.1 6379', off: 'no one', refuse: (v) => (v === '' ? null : notYet('replicaof', v, NO_REPLICATION)) },
  'min-replicas-to-write': refusedUnless('min-replicas-to-write', '0', '1', `${NO_REPLICATION}: no replica could ever acknowledge a write`),
  'cluster-enabled': refusedUnless('cluster-enabled', 'no', 'yes', 'cluster mode is not implemented'),
  'tls-replication': refusedUnless('tls-replication', 'no', 'yes', `${NO_REPLICATION} (TLS is served to clients only)`),
  'tls-cluster': refusedUnless('tls-cluster', 'no', 'yes', 'cluster mode is not implemented (TLS is served to clients only)'),
  'oom-score-adj': refusedUnless('oom-score-adj', 'no', 'yes', 'Sinew does not set its OOM score'),
  'socket-mark-id': refusedUnless('socket-mark-id', '0', '1', 'Node.js cannot mark sockets (SO_MARK)'),
  'syslog-enabled': refusedUnless('syslog-enabled', 'no', 'yes', 'logging to syslog is not implemented; use logfile'),
  'watchdog-period': refusedUnless('watchdog-period', '0', '500', 'the software watchdog is not implemented'),
};

function classify(): ConfigDef[] {
  const support = new Map<string, Support>();
  const add = (name: string, s: Support) => {
    if (support.has(name)) throw new Error(`config directive ${name} classified twice`);
    support.set(name, s);
  };
  for (const name of IMPLEMENTED) add(name, { kind: 'implemented' });
  for (const [why, names] of IGNORED) for (const name of names) add(name, { kind: 'ignored', why });
  for (const [name, s] of Object.entries(REFUSED)) add(name, s);
  const names = new Set(TABLE.map((d) => d.name));
  for (const name of support.keys()) if (!names.has(name)) throw new Error(`config directive ${name} classified but not in the table`);
  return TABLE.map((d) => {
    const s = support.get(d.name);
    if (s === undefined) throw new Error(`config directive ${d.name} is not classified: implemented, ignored (and why) or refused when enabled`);
    return { ...d, support: s };
  });
}

export const CONFIG_DEFS: ConfigDef[] = classify();

/** Old names Redis still accepts and lists. */
export const CONFIG_ALIASES: Record<string, string> = {
  'lua-time-limit': 'busy-reply-threshold',
  'hash-max-ziplist-entries': 'hash-max-listpack-entries',
  'hash-max-ziplist-value': 'hash-max-listpack-value',
  'list-max-ziplist-size': 'list-max-listpack-size',
  'zset-max-ziplist-entries': 'zset-max-listpack-entries',
  'zset-max-ziplist-value': 'zset-max-listpack-value',
  'cluster-slave-no-failover': 'cluster-replica-no-failover',
  'cluster-slave-validity-factor': 'cluster-replica-validity-factor',
  'min-slaves-max-lag': 'min-replicas-max-lag',
  'min-slaves-to-write': 'min-replicas-to-write',
  'repl-ping-slave-period': 'repl-ping-replica-period',
  'slave-announce-ip': 'replica-announce-ip',
  'slave-announce-port': 'replica-announce-port',
  'slave-ignore-maxmemory': 'replica-ignore-maxmemory',
  'slave-lazy-flush': 'replica-lazy-flush',
  'slave-priority': 'replica-priority',
  'slave-read-only': 'replica-read-only',
  'slave-serve-stale-data': 'replica-serve-stale-data',
  slaveof: 'replicaof',
};

const DEFS = new Map<string, ConfigDef>(CONFIG_DEFS.map((d) => [d.name, d]));

export function findConfig(name: string): ConfigDef | undefined {
  const lname = name.toLowerCase();
  return DEFS.get(CONFIG_ALIASES[lname] ?? lname);
}

/** memtoull: digits with an optional unit (b, k=1000, kb=1024, m, mb, g, gb; any case); null when malformed. */
export function parseMemoryBig(v: string): bigint | null {
  const mm = /^(\d*)(k|kb|m|mb|g|gb|b)?$/i.exec(v);
  if (!mm) return null;
  if (mm[1].length > 20) return null;
  const num = mm[1] === '' ? 0n : BigInt(mm[1]);
  if (num > 18446744073709551615n) return null;
  const unit = (mm[2] ?? '').toLowerCase();
  const mul: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };
  // C wraps unsigned overflow; then the value is read as a signed long long.
  let r = (num * mul[unit]) & 0xffffffffffffffffn;
  if (r > 9223372036854775807n) r -= 18446744073709551616n;
  return r;
}

/**
 * memtoull read as a signed 64-bit value, for maxmemory-clients: digits past
 * 2^64-1 saturate as strtoull does (so they, too, wrap to -1), at most 127
 * digits; null when malformed.
 */
function memoryWrapping(v: string): bigint | null {
  const r = parseMemoryBig(v);
  if (r !== null) return r;
  const mm = /^(\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(v);
  if (!mm || mm[1].length >= 128) return null;
  return parseMemoryBig(`18446744073709551615${mm[2] ?? ''}`);
}

/** Parses a memory value as a number (see parseMemoryBig). */
export function parseMemory(v: string): number | null {
  const r = parseMemoryBig(v);
  return r === null ? null : Number(r);
}

/** string2ll: a strict 64-bit integer (no sign '+', no leading zeros, no spaces). */
function parseConfigInt(v: string): bigint | null {
  if (!/^-?\d+$/.test(v)) return null;
  if (v.length > 1 && (v[0] === '0' || v.startsWith('-0'))) return null;
  const r = BigInt(v);
  if (r > 9223372036854775807n || r < -9223372036854775808n) return null;
  return r;
}

function bound(n: number): bigint {
  if (n >= 9223372036854775807) return 9223372036854775807n;
  return BigInt(n);
}

function rangeError(d: ConfigDef): string {
  return `argument must be between ${bound(d.min!)} and ${bound(d.max!)} inclusive`;
}

const KEYSPACE_EVENT_FLAGS = 'KEg$lshzxetmdnA';

export type ClientLimitClass = 'normal' | 'slave' | 'pubsub';
export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** The encoding limits of sets, hashes and sorted sets, as numbers. */
export interface TypeLimits {
  setIntset: number;
  hashEntries: number;
  hashValue: number;
  zsetEntries: number;
  zsetValue: number;
  /** stream-node-max-bytes and stream-node-max-entries. */
  streamNodeMaxBytes: number;
  streamNodeMaxEntries: number;
}

export class Config {
  private values = new Map<string, string>();
  /** Called after a value changes (name, new value). */
  onChange: ((name: string, value: string) => void) | null = null;

  // Hot values, kept as fields for speed.
  protoMaxBulkLen = 536870912;
  /** The longest string value a command may build: proto-max-bulk-len, bounded by what one Buffer can hold. */
  maxStringBytes = Math.min(536870912, MAX_BUFFER_BYTES);
  clientQueryBufferLimit = 1073741824;
  maxmemory = 0;
  /** maxmemory-clients: bytes, or a percentage of maxmemory as a negative number (Redis's form); 0 is off. */
  maxmemoryClients = 0;
  hz = 10;
  slowlogSlowerThan = 10000;
  slowlogMaxLen = 128;
  latencyThreshold = 0;
  /** hll-sparse-max-bytes: the longest a sparse HyperLogLog may grow (header included) before it becomes dense. */
  hllSparseMaxBytes = 3000;
  /** The encoding limits of sets, hashes and sorted sets (set-max-intset-entries, ...-listpack-...). */
  readonly typeLimits: TypeLimits = { setIntset: 0, hashEntries: 0, hashValue: 0, zsetEntries: 0, zsetValue: 0, streamNodeMaxBytes: 0, streamNodeMaxEntries: 0 };
  /** Active keyspace-event classes, expanded (no 'A'); may include 'n' that the shown value hides. */
  notifyFlags = '';
  private notifyActive = '';
  outputLimits: Record<ClientLimitClass, OutputLimit> = {
    normal: { hard: 0, soft: 0, softSeconds: 0 },
    slave: { hard: 268435456, soft: 67108864, softSeconds: 60 },
    pubsub: { hard: 33554432, soft: 8388608, softSeconds: 60 },
  };

  constructor() {
    for (const d of CONFIG_DEFS) this.values.set(d.name, d.default);
    // Redis reports its working directory as `dir`.
    this.values.set('dir', process.cwd());
    // the hot fields come from the defaults of the table, never from a second copy
    for (const d of CONFIG_DEFS) this.refresh(d.name);
  }

  get(name: string): string {
    const d = findConfig(name);
    if (!d) throw new Error(`unknown config ${name}`);
    return this.values.get(d.name)!;
  }

  getInt(name: string): number {
    return Number(this.get(name));
  }

  getBool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Validates and sets one directive. Returns null on success or the error
   * message Redis gives for the value (without a prefix).
   */
  set(name: string, rawArgs: string | string[], fromConfigSet = false): string | null {
    const d = findConfig(name);
    if (!d) return 'Unknown option or number of arguments for CONFIG SET';
    const args = Array.isArray(rawArgs) ? rawArgs : [rawArgs];
    let value = args.join(' ');
    if (fromConfigSet && !d.mutable) return "can't set immutable config";
    switch (d.kind) {
      case 'bool': {
        const lv = value.toLowerCase();
        if (lv !== 'yes' && lv !== 'no') return 'argument must be \'yes\' or \'no\'';
        value = lv;
        break;
      }
      case 'int': {
        const v = parseConfigInt(value);
        if (v === null) return 'argument couldn\'t be parsed into an integer';
        if (v < bound(d.min!) || v > bound(d.max!)) return rangeError(d);
        value = v.toString();
        break;
      }
      case 'memory': {
        const v = parseMemoryBig(value);
        if (v === null) return 'argument must be a memory value';
        if (v < bound(d.min!) || v > bound(d.max!)) return rangeError(d);
        value = v.toString();
        break;
      }
      case 'enum': {
        const lv = value.toLowerCase();
        if (!d.values!.includes(lv)) {
          return `argument(s) must be one of the following: ${d.values!.join(', ')}`;
        }
        value = lv;
        break;
      }
      case 'string':
        break;
      case 'special': {
        const r = this.checkSpecial(d.name, value);
        if (typeof r === 'string') return r;
        value = r.value;
        break;
      }
    }
    if (d.support.kind === 'refused') {
      const why = d.support.refuse(value);
      if (why !== null) return why;
    }
    this.values.set(d.name, value);
    this.refresh(d.name);
    this.onChange?.(d.name, value);
    return null;
  }

  private checkSpecial(name: string, value: string): string | { value: string } {
    switch (name) {
      case 'notify-keyspace-events': {
        for (const ch of value) if (!KEYSPACE_EVENT_FLAGS.includes(ch)) return 'Invalid event class character. Use \'Ag$lshzxeKEtmdn\'.';
        this.notifyActive = activeNotifyFlags(value);
        return { value: normalizeNotifyFlags(value) };
      }
      case 'client-output-buffer-limit': {
        const parts = value.split(/\s+/).filter(Boolean);
        if (parts.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
        const next = structuredClone(this.outputLimits);
        for (let i = 0; i < parts.length; i += 4) {
          let cls = parts[i].toLowerCase();
          if (cls === 'replica') cls = 'slave';
          if (cls !== 'normal' && cls !== 'slave' && cls !== 'pubsub') return 'Invalid client class specified in buffer limit configuration.';
          const hard = parseMemory(parts[i + 1]);
          const soft = parseMemory(parts[i + 2]);
          const secs = parseConfigInt(parts[i + 3]);
          if (hard === null || soft === null || secs === null || hard < 0 || soft < 0 || secs < 0) {
            return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
          }
          next[cls as ClientLimitClass] = { hard, soft, softSeconds: Number(secs) };
        }
        const o = next;
        return {
          value: `normal ${o.normal.hard} ${o.normal.soft} ${o.normal.softSeconds} slave ${o.slave.hard} ${o.slave.soft} ${o.slave.softSeconds} pubsub ${o.pubsub.hard} ${o.pubsub.soft} ${o.pubsub.softSeconds}`,
        };
      }
      case 'save': {
        const parts = value.split(/\s+/).filter(Boolean);
        if (parts.length === 1 && parts[0] === '') return { value: '' };
        if (parts.length % 2 !== 0) return 'Invalid save parameters';
        for (const p of parts) {
          const v = parseConfigInt(p);
          if (v === null || v < 0n) return 'Invalid save parameters';
        }
        return { value: parts.join(' ') };
      }
      case 'bind': {
        const parts = value.split(/\s+/).filter(Boolean);
        if (parts.length > 16) return 'Too many bind addresses specified.';
        return { value: parts.join(' ') };
      }
      case 'latency-tracking-info-percentiles': {
        const parts = value.split(/\s+/).filter(Boolean);
        const out: string[] = [];
        for (const p of parts) {
          if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p)) return 'Invalid latency-tracking-info-percentiles parameters';
          const v = Number(p);
          if (v < 0 || v > 100) return 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]';
          out.push(String(v));
        }
        return { value: out.join(' ') };
      }
      case 'oom-score-adj-values': {
        const parts = value.split(/\s+/).filter(Boolean);
        if (parts.length !== 3) return 'wrong number of arguments';
        for (const p of parts) {
          const v = parseConfigInt(p);
          if (v === null || v < -2000n || v > 2000n) return 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.';
        }
        return { value: parts.map((p) => String(Number(p))).join(' ') };
      }
      case 'maxmemory-clients': {
        // Redis keeps a percentage as a negative number: bytes past the signed
        // 64-bit range wrap to negative and then read as a percentage (or fail
        // as one); 0% is 0, shown as 0.
        const signed = (n: bigint): string | { value: string } =>
          n >= 0n ? { value: n.toString() } : n < -100n ? 'percentage argument must be less or equal to 100' : { value: `${-n}%` };
        const mem = memoryWrapping(value);
        if (mem !== null) return signed(mem);
        if (value.length > 1 && value.endsWith('%')) {
          const p = parseConfigInt(value.slice(0, -1));
          if (p !== null && p >= 0n) return signed(-p);
        }
        return 'argument must be a memory or percent value';
      }
      case 'replicaof': {
        const parts = value.split(' ').filter(Boolean);
        if (parts.length !== 2) return 'wrong number of arguments';
        if (parts[0].toLowerCase() === 'no' && parts[1].toLowerCase() === 'one') return { value: '' };
        if (!/^-?\d+$/.test(parts[1]) || Number(parts[1]) < 0 || Number(parts[1]) > 65535) return 'Invalid master port';
        return { value: `${parts[0]} ${Number(parts[1])}` };
      }
      case 'unixsocketperm': {
        if (!/^[0-7]+$/.test(value)) return "argument couldn't be parsed as an octal number";
        const v = parseInt(value, 8);
        if (v > 0o777) return 'argument must be between 0 and 777 inclusive';
        return { value: v.toString(8) };
      }
      case 'shutdown-on-sigint':
      case 'shutdown-on-sigterm': {
        // A set of flags: default (none), save, nosave, now, force; printed in that order.
        const names = ['default', 'save', 'nosave', 'now', 'force'];
        const parts = value.split(' ').filter(Boolean).map((p) => p.toLowerCase());
        if (parts.length === 0 || parts.some((p) => !names.includes(p))) {
          return 'argument(s) must be one of the following: default, save, nosave, now, force';
        }
        if (parts.includes('save') && parts.includes('nosave')) return "shutdown options SAVE and NOSAVE can't be used simultaneously";
        const set = names.slice(1).filter((n) => parts.includes(n));
        return { value: set.length === 0 ? 'default' : set.join(' ') };
      }
      case 'dir': {
        const abs = resolvePath(value);
        try {
          if (!statSync(abs).isDirectory()) return 'Not a directory';
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : 'Permission denied';
        }
        return { value: abs };
      }
      default:
        return { value };
    }
  }

  private refresh(name: string): void {
    const v = this.values.get(name)!;
    switch (name) {
      case 'proto-max-bulk-len':
        this.protoMaxBulkLen = Number(v);
        this.maxStringBytes = Math.min(this.protoMaxBulkLen, MAX_BUFFER_BYTES);
        break;
      case 'client-query-buffer-limit': this.clientQueryBufferLimit = Number(v); break;
      case 'maxmemory': this.maxmemory = Number(v); break;
      case 'maxmemory-clients': this.maxmemoryClients = v.endsWith('%') ? -Number(v.slice(0, -1)) : Number(v); break;
      case 'hz': {
        // Redis clamps hz to 1..500 and shows the clamped value.
        this.hz = Math.min(500, Math.max(1, Number(v)));
        if (String(this.hz) !== v) this.values.set('hz', String(this.hz));
        break;
      }
      case 'slowlog-log-slower-than': this.slowlogSlowerThan = Number(v); break;
      case 'slowlog-max-len': this.slowlogMaxLen = Number(v); break;
      case 'latency-monitor-threshold': this.latencyThreshold = Number(v); break;
      case 'notify-keyspace-events': this.notifyFlags = this.notifyActive; break;
      case 'set-max-intset-entries': this.typeLimits.setIntset = Number(v); break;
      case 'hash-max-listpack-entries': this.typeLimits.hashEntries = Number(v); break;
      case 'hash-max-listpack-value': this.typeLimits.hashValue = Number(v); break;
      case 'zset-max-listpack-entries': this.typeLimits.zsetEntries = Number(v); break;
      case 'zset-max-listpack-value': this.typeLimits.zsetValue = Number(v); break;
      case 'stream-node-max-bytes': this.typeLimits.streamNodeMaxBytes = Number(v); break;
      case 'stream-node-max-entries': this.typeLimits.streamNodeMaxEntries = Number(v); break;
      case 'hll-sparse-max-bytes': this.hllSparseMaxBytes = Number(v); break;
      case 'client-output-buffer-limit': {
        const p = v.split(' ');
        for (let i = 0; i < p.length; i += 4) {
          this.outputLimits[p[i] as ClientLimitClass] = { hard: Number(p[i + 1]), soft: Number(p[i + 2]), softSeconds: Number(p[i + 3]) };
        }
        break;
      }
    }
  }

  /** All (name, value) pairs, aliases included, as CONFIG GET * lists them. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (const d of CONFIG_DEFS) out.push([d.name, this.values.get(d.name)!]);
    for (const [alias, target] of Object.entries(CONFIG_ALIASES)) out.push([alias, this.values.get(target)!]);
    return out;
  }

  isDefault(name: string): boolean {
    const d = findConfig(name)!;
    return this.values.get(d.name) === d.default;
  }
}

/** Normalises keyspace-event flags the way Redis prints them back. */
export function normalizeNotifyFlags(v: string): string {
  let flags = new Set<string>(v.split(''));
  const all = 'g$lshzxetd'; // 'A' expands to these (m and n are not part of A)
  if (flags.has('A')) {
    flags.delete('A');
    for (const c of all) flags.add(c);
  }
  if (!flags.has('K') && !flags.has('E')) {
    // Without K or E no event is delivered; Redis prints the flags anyway.
  }
  let out = '';
  const hasAll = [...all].every((c) => flags.has(c));
  if (hasAll) {
    out += 'A';
  } else {
    for (const c of 'g$lshzxetdn') if (flags.has(c)) out += c;
  }
  if (flags.has('K')) out += 'K';
  if (flags.has('E')) out += 'E';
  if (flags.has('m')) out += 'm';
  // After 'A' Redis prints no 'n', though the class stays on (see activeNotifyFlags).
  flags = new Set();
  return out;
}

/** Every class a notify-keyspace-events value turns on, with 'A' expanded. */
export function activeNotifyFlags(v: string): string {
  const flags = new Set<string>(v.split(''));
  if (flags.has('A')) {
    flags.delete('A');
    for (const c of 'g$lshzxetd') flags.add(c);
  }
  return [...flags].join('');
}
