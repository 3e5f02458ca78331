/**
 * The `sinew-server` entry point: `sinew-server [configfile] [--name value ...]`,
 * as redis-server takes its arguments.
 */
import { Server } from '../server/server.js';
import { argsToConfigText, parseConfigText, applyDirectives, FatalConfigError } from '../config/file.js';
import { SINEW_VERSION, SINEW_PACKAGE_VERSION } from '../server/version.js';
import { writeFileSync, unlinkSync } from 'node:fs';

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

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(`Sinew server v=${SINEW_PACKAGE_VERSION} (Redis ${SINEW_VERSION} compatible) node=${process.version}\n`);
    return;
  }
  if (argv[0] === '-h' || argv[0] === '--help') {
    usage();
    return;
  }
  let server: Server;
  let configFile = '';
  try {
    const { file, text } = argsToConfigText(argv);
    configFile = file;
    const directives = parseConfigText(text, process.cwd());
    server = new Server({});
    applyDirectives(server.config, directives);
    server.reconfigure();
    server.latency.commands.enabled = server.config.getBool('latency-tracking');
    // Like redis-server, work from `dir` (relative file names resolve there).
    const dir = server.config.get('dir');
    if (dir !== '' && dir !== process.cwd()) process.chdir(dir);
    // ... and CONFIG SET dir moves the process there too.
    const cfg = server.config;
    const previous = cfg.onChange;
    cfg.onChange = (name, value) => {
      previous?.(name, value);
      if (name === 'dir') process.chdir(value);
    };
  } catch (e) {
    if (e instanceof FatalConfigError) {
      process.stderr.write(`\n${e.message}\n`);
    } else {
      process.stderr.write(`${(e as Error).message}\n`);
    }
    process.exit(1);
  }
  server.configFile = configFile;
  server.executable = process.argv[1] ?? '';
  const log = server.log;
  log.notice('oO0OoO0OoO0Oo Sinew is starting oO0OoO0OoO0Oo');
  log.notice(`Sinew version=${SINEW_PACKAGE_VERSION}, Redis compatibility=${SINEW_VERSION}, bits=64, pid=${process.pid}, just started`);
  if (configFile === '') {
    log.warning('Warning: no config file specified, using the default config. In order to specify a config file use sinew-server /path/to/sinew.conf');
  } else {
    log.notice('Configuration loaded');
  }
  try {
    await server.startup();
  } catch (e) {
    log.warning(`Failed listening on port ${server.config.getInt('port')} (tcp), aborting.`);
    process.exit(1);
  }
  // pidfile: written once listening, removed at exit (as redis-server does).
  const pidfile = server.config.get('pidfile');
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
      log.warning(`Failed to write PID file: ${(e as Error).message}`);
    }
  }
  log.notice(`Running mode=standalone, port=${server.port}.`);
  log.notice('Server initialized');
  log.notice('Ready to accept connections tcp');
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
    void server.close().then(() => process.exit(0));
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
  server.onShutdown = () => process.exit(0);
}
