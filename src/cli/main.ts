/**
 * The `sinew-server` entry point: `sinew-server [configfile] [--name value ...]`,
 * as redis-server takes its arguments.
 */
import { AofError } from '../persistence/aof-service.js';
import type { Server } from '../server/server.js';
import { ListenError, TlsConfigError } from '../server/listeners.js';
import { createServer } from '../compose.js';
import { argsToConfigText, parseConfigText, applyDirectives, FatalConfigError, errnoText } from '../config/file.js';
import { SINEW_VERSION, SINEW_PACKAGE_VERSION } from '../server/version.js';
import type { Logger } from '../server/log.js';
import { writeFileSync, unlinkSync, openSync, accessSync, constants } from 'node:fs';
import { resolve, join } from 'node:path';
import { spawn } from 'node:child_process';

function usage(): void {
  process.stderr.write(
    'Usage: sinew-server [/path/to/sinew.conf] [options] [-]\n' +
      '       sinew-server - (read config from stdin)\n' +
      '       sinew-server -v or --version\n' +
      '       sinew-server -h or --help\n\n' +
      'Examples:\n' +
      '       sinew-server (run the server with default config)\n' +
      '       sinew-server /etc/sinew/6379.conf\n' +
      '       sinew-server --port 7777\n' +
      '       sinew-server /etc/mysinew.conf --loglevel verbose\n',
  );
}

/** Set in the environment of the detached child `daemonize yes` starts. */
const DAEMON_CHILD = 'SINEW_DAEMON_CHILD';

/** Redis's pidfile when daemonized without one (CONFIG_DEFAULT_PID_FILE). */
const DEFAULT_PIDFILE = '/var/run/redis.pid';

/** What the parent sends the daemon child: the configuration it already validated. */
interface DaemonConfig {
  file: string;
  text: string;
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(`Sinew server v=${SINEW_PACKAGE_VERSION} (Redis ${SINEW_VERSION} compatible) node=${process.version}\n`);
    return;
  }
  if (argv[0] === '-h' || argv[0] === '--help') {
    usage();
    return;
  }
  // The detached child of `daemonize yes` gets its configuration from the
  // parent (which may have read it from stdin), not from its arguments.
  const daemonChild = process.env[DAEMON_CHILD] === '1' && typeof process.send === 'function';
  delete process.env[DAEMON_CHILD];
  let server: Server;
  let configFile = '';
  let configText = '';
  try {
    const { file, text } = daemonChild ? await receiveDaemonConfig() : argsToConfigText(argv);
    configFile = file;
    configText = text;
    const directives = parseConfigText(text, process.cwd());
    server = createServer();
    applyDirectives(server.config, directives, {
      user: (args) => server.acl.appendForLoading(args),
      renameCommand: (from, to) => server.commands.rename(from, to),
    });
    server.reconfigure();
    server.latency.commands.enabled = server.config.getBool('latency-tracking');
  } catch (e) {
    if (e instanceof FatalConfigError) {
      process.stderr.write(`\n${e.message}\n`);
    } else {
      process.stderr.write(`${(e as Error).message}\n`);
    }
    process.exit(1);
  }
  const cfg = server.config;
  const log = server.log;
  // As redis-server: supervision is detected first; a supervised server stays
  // in the foreground whatever daemonize says.
  const supervised = daemonChild ? null : detectSupervision(cfg.get('supervised'), log);
  if (supervised !== null) {
    // CONFIG GET supervised names the mode found (auto resolves), as in Redis.
    cfg.set('supervised', supervised);
    server.supervisedBy = supervised;
  }
  const background = cfg.getBool('daemonize') && supervised === null;
  if (background && !daemonChild) {
    await daemonize(argv, { file: configFile, text: configText }, cfg.get('logfile') === '' ? '' : resolve(cfg.get('dir'), cfg.get('logfile')));
    return;
  }
  // Like redis-server, work from `dir` (relative file names resolve there).
  const dir = cfg.get('dir');
  if (dir !== '' && dir !== process.cwd()) process.chdir(dir);
  // ... and CONFIG SET dir moves the process there too.
  const previous = cfg.onChange;
  cfg.onChange = (name, value) => {
    previous?.(name, value);
    if (name === 'dir') process.chdir(value);
  };
  server.configFile = configFile;
  server.executable = process.argv[1] ?? '';
  log.notice('oO0OoO0OoO0Oo Sinew is starting oO0OoO0OoO0Oo');
  log.notice(`Sinew version=${SINEW_PACKAGE_VERSION}, Redis compatibility=${SINEW_VERSION}, bits=64, pid=${process.pid}, just started`);
  if (configFile === '') {
    log.warning('Warning: no config file specified, using the default config. In order to specify a config file use sinew-server /path/to/sinew.conf');
  } else {
    log.notice('Configuration loaded');
  }
  try {
    server.loadUsers();
  } catch {
    process.exit(1);
  }
  try {
    await server.listen();
  } catch (e) {
    // (a TLS configuration that does not build has logged its lines)
    if (!(e instanceof TlsConfigError)) {
      const [kind, port] = e instanceof ListenError ? [e.kind, e.port] : ['tcp', server.config.getInt('port')];
      log.warning(`Failed listening on port ${port} (${kind}), aborting.`);
    }
    process.exit(1);
  }
  // The dataset is loaded once listening, in steps: clients meanwhile get -LOADING, as with Redis.
  try {
    await server.loadData();
  } catch (e) {
    if (!(e instanceof AofError && e.logged)) log.warning((e as Error).message);
    if (!server.config.getBool('appendonly')) log.warning('Terminating server after rdb file reading failure.');
    process.exit(1);
  }
  // pidfile: written once listening, removed at exit (as redis-server does);
  // a daemon without one writes Redis's default.
  if (background && cfg.get('pidfile') === '') cfg.set('pidfile', DEFAULT_PIDFILE);
  const pidfile = cfg.get('pidfile');
  if (pidfile !== '') {
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
      process.on('exit', () => {
        try {
          unlinkSync(pidfile);
        } catch {
          // already gone
        }
      });
    } catch (e) {
      log.warning(`Failed to write PID file: ${errnoText(e)}`);
    }
  }
  log.notice(`Running mode=standalone, port=${server.port !== 0 ? server.port : server.tlsPort}.`);
  log.notice('Server initialized');
  if (server.port !== 0 || server.tlsPort === 0) log.notice('Ready to accept connections tcp');
  if (server.tlsPort !== 0) log.notice('Ready to accept connections tls');
  // Exits once the server has closed (a signal or SHUTDOWN), telling systemd first.
  let finishing = false;
  const finish = () => {
    if (finishing) return;
    finishing = true;
    if (supervised !== 'systemd') process.exit(0);
    void notifySystemd('STOPPING=1\n', log).finally(() => process.exit(0));
  };
  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) {
      log.warning('You insist... exiting now.');
      process.exit(1);
    }
    stopping = true;
    log.warning(`Received ${sig} scheduling shutdown...`);
    log.warning('User requested shutdown...');
    // shutdown-on-sigint / shutdown-on-sigterm: default | save | nosave, plus now / force.
    const how = server.config.get(sig === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm').split(' ');
    const err = server.prepareShutdown(how.includes('save'), how.includes('nosave'));
    if (err !== null) {
      log.warning(err);
      if (!how.includes('force')) {
        log.warning('Errors trying to shut down the server. Check the logs for more information.');
        stopping = false;
        return;
      }
    }
    log.warning('Sinew is now ready to exit, bye bye...');
    void server.close().then(finish);
  };
  // Last resort: a fault that escaped every other guard (a socket callback,
  // a timer) is logged and counted; the keyspace and the other clients live on.
  process.on('uncaughtException', (e) => {
    server.internalError('event loop', e);
  });
  process.on('unhandledRejection', (e) => {
    server.internalError('event loop', e);
  });
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  server.onShutdown = finish;
  // Readiness for the launcher or the supervisor, once the signal handlers are in place.
  if (daemonChild) {
    // The launching process exits 0 once told; the channel is not needed after.
    process.send!({ ready: true }, () => process.disconnect());
  }
  if (supervised === 'systemd') {
    void notifySystemd('STATUS=Ready to accept connections\nREADY=1\n', log);
  } else if (supervised === 'upstart') {
    // An upstart job with `expect stop` is ready when the process stops itself.
    log.notice('supervised by upstart, will stop to signal readiness.');
    delete process.env.UPSTART_JOB;
    process.kill(process.pid, 'SIGSTOP');
  }
}

/** Waits for the configuration the launching process sends its daemon child. */
function receiveDaemonConfig(): Promise<DaemonConfig> {
  return new Promise((resolveConfig) => {
    process.once('message', (m) => resolveConfig(m as DaemonConfig));
  });
}

/**
 * daemonize yes: Node.js cannot fork, so the same command runs again as a
 * detached child (its own session, no terminal) with stdin on /dev/null and
 * stdout/stderr on the log file, or on /dev/null without one, as Redis does.
 * The child gets the configuration already read here (stdin is read once) and
 * reports over an IPC channel once it listens; this process then exits 0, or
 * 1 when the child exits first.
 */
async function daemonize(argv: string[], config: DaemonConfig, logfile: string): Promise<never> {
  const out = logfile === '' ? 'ignore' : openSync(logfile, 'a');
  const script = process.argv[1] === undefined ? [] : [resolve(process.argv[1])];
  const child = spawn(process.execPath, [...process.execArgv, ...script, ...argv], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, [DAEMON_CHILD]: '1' },
  });
  child.send(config);
  const code = await new Promise<number>((done) => {
    child.on('message', (m) => {
      if ((m as { ready?: boolean }).ready === true) done(0);
    });
    child.on('exit', (status) => {
      process.stderr.write(`Sinew exited before it was ready (exit code ${status ?? 'by signal'})${logfile === '' ? '' : `; see ${logfile}`}\n`);
      done(1);
    });
    child.on('error', (e) => {
      process.stderr.write(`Could not start Sinew in the background: ${e.message}\n`);
      done(1);
    });
  });
  process.exit(code);
}

/**
 * `supervised`: upstart when asked (or auto) and UPSTART_JOB is set; systemd
 * when asked (or auto) and NOTIFY_SOCKET is set. Returns null (with Redis's
 * warning) when the supervisor is missing. systemd supervision that cannot
 * work (no way to send the notification) stops start-up: systemd would kill
 * a server that never says it is ready.
 */
function detectSupervision(mode: string, log: Logger): 'upstart' | 'systemd' | null {
  let m = mode;
  if (m === 'auto') {
    if (process.env.UPSTART_JOB !== undefined) m = 'upstart';
    else if (process.env.NOTIFY_SOCKET !== undefined) m = 'systemd';
  }
  if (m === 'upstart') {
    if (process.env.UPSTART_JOB === undefined) {
      log.warning('upstart supervision requested, but UPSTART_JOB not found!');
      return null;
    }
    return 'upstart';
  }
  if (m === 'systemd') {
    if (process.env.NOTIFY_SOCKET === undefined || process.env.NOTIFY_SOCKET === '') {
      log.warning('systemd supervision error: NOTIFY_SOCKET not found!');
      return null;
    }
    if (notifier() === null) {
      log.warning(
        'systemd supervision error: Node.js cannot write to the unix datagram socket in NOTIFY_SOCKET, and neither systemd-notify nor python3 was found to do it; exiting',
      );
      process.exit(1);
    }
    log.notice('Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.');
    return 'systemd';
  }
  return null;
}

/** Finds an executable on PATH. */
function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Sends a notification with the sender credentials naming this process
 * (granted when privileged; otherwise the helper's own pid is sent and the
 * unit needs NotifyAccess=all). Message: newline-separated VAR=value lines.
 */
const PY_NOTIFY = `
import os, socket, struct, sys
addr = os.environ['NOTIFY_SOCKET']
if addr.startswith('@'):
    addr = '\\0' + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
msg = sys.argv[2].encode()
try:
    s.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack('3i', int(sys.argv[1]), os.getuid(), os.getgid()))], 0, addr)
except PermissionError:
    s.sendto(msg, addr)
`;

let notifierCache: { cmd: string; args: (msg: string) => string[] } | null | undefined;

/**
 * How to send to NOTIFY_SOCKET. Node.js has no unix datagram sockets
 * (node:dgram is UDP only, node:net stream only), so a helper sends:
 * systemd-notify (with --pid, so systemd attributes the message to this
 * process where it can), else python3.
 */
function notifier(): { cmd: string; args: (msg: string) => string[] } | null {
  if (notifierCache !== undefined) return notifierCache;
  const sd = which('systemd-notify');
  const py = sd === null ? which('python3') : null;
  notifierCache =
    sd !== null
      ? { cmd: sd, args: (msg) => [`--pid=${process.pid}`, ...msg.split('\n').filter(Boolean)] }
      : py !== null
        ? { cmd: py, args: (msg) => ['-c', PY_NOTIFY, String(process.pid), msg] }
        : null;
  return notifierCache;
}

/** Sends one notification to systemd; a failure is logged, never fatal. */
function notifySystemd(msg: string, log: Logger): Promise<void> {
  const n = notifier();
  if (n === null) return Promise.resolve();
  return new Promise((done) => {
    let p: ReturnType<typeof spawn>;
    try {
      p = spawn(n.cmd, n.args(msg), { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      log.warning(`systemd supervision error: ${(e as Error).message}`);
      done();
      return;
    }
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString('latin1')));
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.on('error', (e) => {
      clearTimeout(timer);
      log.warning(`systemd supervision error: ${e.message}`);
      done();
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) log.warning(`systemd supervision error: ${n.cmd} failed${err === '' ? '' : `: ${err.trim()}`}`);
      done();
    });
  });
}
