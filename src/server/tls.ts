/**
 * TLS for client connections, configured as Redis 7.0 configures it
 * (tls.c): `buildTls` checks the tls-* settings in tlsConfigure's order and
 * fails with Redis's log line (OpenSSL's error text where Redis prints one);
 * `TlsAcceptor` holds what new connections are handshaken with, replaced
 * only by a configuration that built, so a failed reload leaves the one in
 * use. Node's `tls` module does the work: each configuration is a tls.Server
 * that never listens itself; the listeners accept TCP connections and hand
 * them to it (its documented 'connection' injection), and it gives back the
 * connections whose handshake succeeded.
 */
import tls from 'node:tls';
import type net from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { constants as cryptoConstants } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Logger } from './log.js';
import { errnoText } from '../util/errno.js';

/** The directives whose change rebuilds the TLS context while TLS is on (Redis's applyTlsCfg). */
export const TLS_CONTEXT_DIRECTIVES: ReadonlySet<string> = new Set([
  'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-client-cert-file', 'tls-client-key-file',
  'tls-client-key-file-pass', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-protocols', 'tls-ciphers',
  'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-dh-params-file', 'tls-session-caching',
  'tls-session-cache-size', 'tls-session-cache-timeout', 'tls-replication', 'tls-cluster',
]);

/** Those that rebuild even when set to the value they have (Redis's VOLATILE_CONFIG: the files may have changed). */
export const TLS_FILE_DIRECTIVES: ReadonlySet<string> = new Set([
  'tls-cert-file', 'tls-key-file', 'tls-client-cert-file', 'tls-client-key-file', 'tls-ca-cert-file',
  'tls-ca-cert-dir', 'tls-dh-params-file',
]);

/** CONFIG SET's error when the context cannot be rebuilt (applyTlsCfg, applyTLSPort). */
export const TLS_UPDATE_FAILED = 'Unable to update TLS configuration. Check server logs.';

/** The start-up line after the reason (initServer). */
export const TLS_START_FAILED = 'Failed to configure TLS. Check logs for more info.';

export type ClientAuth = 'no' | 'yes' | 'optional';

/** A TLS configuration that built: the options of its tls.Server and its session cache. */
export interface BuiltTls {
  readonly options: tls.TlsOptions;
  /** The server-side session cache (tls-session-caching yes), or null. */
  readonly sessions: SessionCache | null;
}

/** Node's defaults for what tls-ciphersuites (TLSv1.3) and tls-ciphers (up to TLSv1.2) leave unset. */
const DEFAULT_SUITES = tls.DEFAULT_CIPHERS.split(':').filter((c) => c.startsWith('TLS_')).join(':');
const DEFAULT_CIPHER_LIST = tls.DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_')).join(':');

const PROTOCOLS: [name: string, version: tls.SecureVersion, off: number][] = [
  ['tlsv1', 'TLSv1', cryptoConstants.SSL_OP_NO_TLSv1],
  ['tlsv1.1', 'TLSv1.1', cryptoConstants.SSL_OP_NO_TLSv1_1],
  ['tlsv1.2', 'TLSv1.2', cryptoConstants.SSL_OP_NO_TLSv1_2],
  ['tlsv1.3', 'TLSv1.3', cryptoConstants.SSL_OP_NO_TLSv1_3],
];

interface Protocols {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  /** SSL_OP_NO_* for each version left out (as Redis sets them; they also make holes in the range). */
  secureOptions: number;
}

/**
 * tls-protocols as parseProtocolsConfig reads it: words split on single
 * spaces (so a doubled space makes an empty, invalid word), any case;
 * empty means TLSv1.2 and TLSv1.3.
 */
export function parseProtocols(value: string): Protocols | string {
  const words = value === '' ? ['tlsv1.2', 'tlsv1.3'] : value.split(' ');
  const on = new Set<number>();
  for (const w of words) {
    const i = PROTOCOLS.findIndex(([name]) => name === w.toLowerCase());
    if (i < 0) return "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.";
    on.add(i);
  }
  const chosen = [...on].sort();
  let secureOptions = 0;
  for (let i = 0; i < PROTOCOLS.length; i++) if (!on.has(i)) secureOptions |= PROTOCOLS[i][2];
  return { minVersion: PROTOCOLS[chosen[0]][1], maxVersion: PROTOCOLS[chosen[chosen.length - 1]][1], secureOptions };
}

/**
 * OpenSSL's text for an error as ERR_error_string_n prints it
 * ("error:<code>:<library>::<reason>"): taken from Node's message, or, for
 * a file Node could not read, the system-library error OpenSSL reports for it.
 */
export function sslErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const errno = typeof err.code === 'string' && err.syscall !== undefined ? osConstants.errno[err.code as keyof typeof osConstants.errno] : undefined;
  if (errno !== undefined) return `error:${(0x80000000 + errno).toString(16).toUpperCase()}:system library::${errnoText(e)}`;
  const m = /error:([0-9A-F]{8}):([^:]*):[^:]*:([^:]*)/.exec(err.message ?? '');
  return m === null ? String(err.message ?? e) : `error:${m[1]}:${m[2]}::${m[3]}`;
}

/** A step of the configuration failed: the line Redis logs. */
class Refused {
  constructor(readonly line: string) {}
}

function attempt<T>(step: () => T, line: (e: unknown) => string): T {
  try {
    return step();
  } catch (e) {
    throw new Refused(line(e));
  }
}

/**
 * A certificate and its key (createSSLContext's first steps), with Redis's
 * lines for either; an encrypted key without its password fails as
 * OpenSSL's cancelled password prompt does.
 */
function certificate(certFile: string, keyFile: string, pass: string): tls.SecureContextOptions {
  const cert = attempt(
    () => {
      const pem = readFileSync(certFile);
      tls.createSecureContext({ cert: pem });
      return pem;
    },
    (e) => `Failed to load certificate: ${certFile}: ${sslErrorText(e)}`,
  );
  const options: tls.SecureContextOptions = { cert, ...(pass === '' ? {} : { passphrase: pass }) };
  options.key = attempt(
    () => {
      const pem = readFileSync(keyFile);
      tls.createSecureContext({ ...options, key: pem });
      return pem;
    },
    (e) =>
      `Failed to load private key: ${keyFile}: ${
        pass === '' && (e as NodeJS.ErrnoException).code === 'ERR_OSSL_BAD_DECRYPT' ? 'error:07880109:common libcrypto routines::interrupted or cancelled' : sslErrorText(e)
      }`,
  );
  return options;
}

const PEM_CERTIFICATE = /-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----/;

/**
 * The trusted CAs (SSL_CTX_load_verify_locations): every certificate of
 * tls-ca-cert-file, and those of tls-ca-cert-dir that OpenSSL's directory
 * lookup would find (files named by subject hash, "<8 hex digits>.<n>"). A
 * directory that cannot be read trusts nothing, as OpenSSL's lookup finds
 * nothing there. Empty when neither is set: no certificate is trusted (not
 * the system's roots).
 */
function trustedCas(caFile: string, caDir: string): Buffer[] {
  const fail = (e: unknown) => `Failed to configure CA certificate(s) file/directory: ${sslErrorText(e)}`;
  const out: Buffer[] = [];
  if (caFile !== '') {
    out.push(
      attempt(() => {
        const pem = readFileSync(caFile);
        if (!PEM_CERTIFICATE.test(pem.toString('latin1'))) throw new Error('error:05800088:x509 certificate routines::no certificate or crl found');
        return pem;
      }, fail),
    );
  }
  if (caDir !== '') {
    let names: string[] = [];
    try {
      names = readdirSync(caDir).filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n)).sort();
    } catch {
      // an unreadable directory: nothing found in it
    }
    for (const n of names) {
      try {
        const pem = readFileSync(join(caDir, n));
        if (PEM_CERTIFICATE.test(pem.toString('latin1'))) out.push(pem);
      } catch {
        // skipped, as OpenSSL's lookup skips a file it cannot read
      }
    }
  }
  return out;
}

/**
 * tls-ciphers (SSL_CTX_set_cipher_list: up to TLSv1.2) and tls-ciphersuites
 * (SSL_CTX_set_ciphersuites: TLSv1.3) as one Node.js cipher string; names
 * either list does not know are skipped, as OpenSSL skips them, and a list
 * left with none fails with Redis's line.
 */
function cipherString(ciphers: string, suites: string): string {
  const list = ciphers === '' ? DEFAULT_CIPHER_LIST : ciphers.split(':').filter((c) => c !== '' && !c.startsWith('TLS_')).join(':');
  attempt(
    () => {
      if (list === '') throw new Error('no cipher');
      tls.createSecureContext({ ciphers: `${list}:${DEFAULT_SUITES}` });
    },
    () => `Failed to configure ciphers: ${ciphers}`,
  );
  const tls13 = suites === '' ? DEFAULT_SUITES : suites.split(':').filter((c) => c.startsWith('TLS_')).join(':');
  attempt(
    () => {
      if (tls13 === '') throw new Error('no cipher suite');
      tls.createSecureContext({ ciphers: `${tls13}:${list}` });
    },
    () => `Failed to configure ciphersuites: ${suites}`,
  );
  return `${tls13}:${list}`;
}

/** tls-dh-params-file: PEM DH parameters, else Node's automatic choice (SSL_CTX_set_dh_auto). */
function dhParams(file: string): Buffer | 'auto' {
  if (file === '') return 'auto';
  const pem = attempt(() => readFileSync(file), (e) => `Failed to load ${file}: ${errnoText(e)}`);
  if (!/-----BEGIN (X9\.42 )?DH PARAMETERS-----/.test(pem.toString('latin1'))) throw new Refused(`${file}: failed to read DH params.`);
  attempt(() => tls.createSecureContext({ dhparam: pem }), (e) => `Failed to load DH params file: ${file}: ${sslErrorText(e)}`);
  return pem;
}

/**
 * Builds the TLS configuration from the tls-* settings, checked in
 * tlsConfigure's order; a failure returns the line Redis logs for it.
 * tls-client-cert-file and tls-client-key-file (with their password) are
 * only checked, as Redis builds its client context: Sinew makes no outgoing
 * TLS connections.
 */
export function buildTls(config: Config): BuiltTls | { error: string } {
  const get = (name: string) => config.get(name);
  if (get('tls-cert-file') === '') return { error: 'No tls-cert-file configured!' };
  if (get('tls-key-file') === '') return { error: 'No tls-key-file configured!' };
  if (get('tls-auth-clients') !== 'no' && get('tls-ca-cert-file') === '' && get('tls-ca-cert-dir') === '') {
    return { error: 'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!' };
  }
  const protocols = parseProtocols(get('tls-protocols'));
  if (typeof protocols === 'string') return { error: protocols };
  try {
    const options: tls.TlsOptions = {
      ...certificate(get('tls-cert-file'), get('tls-key-file'), get('tls-key-file-pass')),
      ca: trustedCas(get('tls-ca-cert-file'), get('tls-ca-cert-dir')),
      ciphers: cipherString(get('tls-ciphers'), get('tls-ciphersuites')),
      ...protocols,
      honorCipherOrder: config.getBool('tls-prefer-server-ciphers'),
      dhparam: dhParams(get('tls-dh-params-file')),
    };
    let sessions: SessionCache | null = null;
    if (config.getBool('tls-session-caching')) {
      const timeout = Math.max(1, config.getInt('tls-session-cache-timeout'));
      options.sessionTimeout = timeout;
      sessions = new SessionCache(config.getInt('tls-session-cache-size'), timeout * 1000);
    }
    if (get('tls-client-cert-file') !== '' && get('tls-client-key-file') !== '') {
      certificate(get('tls-client-cert-file'), get('tls-client-key-file'), get('tls-client-key-file-pass'));
    }
    tls.createSecureContext(options);
    return { options, sessions };
  } catch (e) {
    return { error: e instanceof Refused ? e.line : `Failed to configure TLS: ${sslErrorText(e)}` };
  }
}

/**
 * The server-side session cache (SSL_SESS_CACHE_SERVER): sessions by id,
 * dropped after the timeout; past `size` entries (0: no limit, as OpenSSL)
 * the oldest goes. Session tickets resume without it, whatever
 * tls-session-caching says, as with Redis.
 */
export class SessionCache {
  private readonly entries = new Map<string, { data: Buffer; expires: number }>();

  constructor(
    private readonly size: number,
    private readonly timeoutMs: number,
  ) {}

  store(id: Buffer, data: Buffer): void {
    const key = id.toString('hex');
    const now = Date.now();
    this.entries.delete(key);
    this.entries.set(key, { data, expires: now + this.timeoutMs });
    // entries are in the order they expire: the expired ones, then any past the size, go from the front
    for (const [k, e] of this.entries) {
      if (e.expires > now && (this.size === 0 || this.entries.size <= this.size)) break;
      this.entries.delete(k);
    }
  }

  find(id: Buffer): Buffer | null {
    const key = id.toString('hex');
    const e = this.entries.get(key);
    if (e === undefined) return null;
    if (e.expires <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return e.data;
  }
}

/** One configuration in use: its tls.Server for each tls-auth-clients value asked for so far. */
interface InUse {
  built: BuiltTls;
  servers: Map<ClientAuth, tls.Server>;
}

/**
 * What new TLS connections are handshaken with. `configure()` replaces it
 * only when the settings build; connections keep the configuration they
 * started with. tls-auth-clients is read at each connection (as Redis does
 * in connCreateAcceptedTLS): yes requires a certificate the CAs verify,
 * optional verifies one if given, no asks for none.
 */
export class TlsAcceptor {
  private inUse: InUse | null = null;

  constructor(
    /** Where the settings and the log are (read when used: the server builds them after its listeners). */
    private readonly host: { readonly config: Config; readonly log: Logger },
    /** A connection completed its handshake (and its certificate, if any, was accepted). */
    private readonly onSecure: (sock: tls.TLSSocket) => void,
  ) {}

  /** Whether a configuration was ever built (Redis's isTlsConfigured). */
  get configured(): boolean {
    return this.inUse !== null;
  }

  /** tlsConfigure: builds from the settings; on failure logs Redis's line, returns it, and keeps the configuration in use. */
  configure(): string | null {
    const built = buildTls(this.host.config);
    if ('error' in built) {
      this.host.log.warning(built.error);
      return built.error;
    }
    this.inUse = { built, servers: new Map() };
    return null;
  }

  /** The configuration in use, to put back with restore() (CONFIG SET undoing a change). */
  save(): unknown {
    return this.inUse;
  }

  restore(saved: unknown): void {
    this.inUse = saved as InUse | null;
  }

  /** Starts the handshake of an accepted TCP connection. */
  accept(sock: net.Socket): void {
    if (this.inUse === null) {
      sock.destroy();
      return;
    }
    const auth = this.host.config.get('tls-auth-clients') as ClientAuth;
    let server = this.inUse.servers.get(auth);
    if (server === undefined) {
      server = this.handshaker(this.inUse.built, auth);
      this.inUse.servers.set(auth, server);
    }
    server.emit('connection', sock);
  }

  private handshaker(built: BuiltTls, auth: ClientAuth): tls.Server {
    const server = tls.createServer({ ...built.options, requestCert: auth !== 'no', rejectUnauthorized: auth === 'yes' });
    server.on('secureConnection', (sock: tls.TLSSocket) => {
      // optional: a certificate that was given must verify
      if (auth === 'optional' && !sock.authorized && Object.keys(sock.getPeerCertificate()).length > 0) {
        this.refused(sock);
        return;
      }
      this.onSecure(sock);
    });
    server.on('tlsClientError', (err: Error, sock: tls.TLSSocket) => {
      if (sock.authorizationError !== undefined && sock.authorizationError !== null) this.refused(sock);
      else this.host.log.warning(`Error accepting a client connection: ${sslErrorText(err)}`);
    });
    const sessions = built.sessions;
    if (sessions !== null) {
      server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
        sessions.store(id, data);
        done();
      });
      server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => done(null, sessions.find(id)));
    }
    return server;
  }

  /** A client certificate that does not verify: the connection is closed, logged as OpenSSL's verification failure. */
  private refused(sock: tls.TLSSocket): void {
    this.host.log.warning('Error accepting a client connection: error:0A000086:SSL routines::certificate verify failed');
    sock.destroy();
  }
}
