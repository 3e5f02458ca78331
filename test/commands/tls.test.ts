/**
 * TLS for client connections (tls-port and the tls-* settings): clients of
 * every kind over TLS, tls-auth-clients, tls-protocols, reloading with
 * CONFIG SET, moving tls-port, start-up failures; and the same cases
 * against redis-server 7.0 started with the same certificates.
 * Certificates are made by the openssl command in a temporary directory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tls from 'node:tls';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/index.js';
import { SessionCache } from '../../src/server/tls.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, oracleSkipReason, redisServerPath, waitPort } from '../helpers/servers.js';
import { PYTHON, pythonSkipReason, run } from '../helpers/target.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Why the tests cannot make certificates, or false. */
function opensslSkipReason(): string | false {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (r.status === 0) return false;
  const msg = 'the openssl command is not installed (apt-get install -y openssl); TLS tests skipped';
  if (process.env.CI === 'true') throw new Error(`CI requires it: ${msg}`);
  process.stderr.write(`# SKIP: ${msg}\n`);
  return msg;
}

interface Certs {
  dir: string;
  ca: string;
  /** The server's certificate (SAN 127.0.0.1 and localhost) and key, signed by `ca`. */
  cert: string;
  key: string;
  /** Another server certificate from the same CA (CN "renewed"), for reloads. */
  cert2: string;
  key2: string;
  /** The server key encrypted with the password "secret". */
  encKey: string;
  /** A client certificate signed by `ca`. */
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by another CA. */
  badCert: string;
  badKey: string;
}

/** Makes the certificates (EC P-256 keys: quick to generate). */
function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'sinew-tls-'));
  const p = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string, cn: string) => ssl('req', '-x509', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.crt`), '-days', '2', '-subj', `/CN=${cn}`);
  const leaf = (name: string, cn: string, caName: string, ext?: string) => {
    ssl('req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${caName}.crt`), '-CAkey', p(`${caName}.key`), '-CAcreateserial', '-out', p(`${name}.crt`), '-days', '2', ...(ext ? ['-extfile', ext] : []));
  };
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ca('ca', 'Sinew Test CA');
  ca('other-ca', 'Other CA');
  leaf('server', 'localhost', 'ca', p('san.ext'));
  leaf('renewed', 'renewed', 'ca', p('san.ext'));
  leaf('client', 'client', 'ca');
  leaf('bad', 'bad', 'other-ca');
  ssl('pkey', '-in', p('server.key'), '-aes256', '-passout', 'pass:secret', '-out', p('server-enc.key'));
  return {
    dir, ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key'), cert2: p('renewed.crt'), key2: p('renewed.key'),
    encKey: p('server-enc.key'), clientCert: p('client.crt'), clientKey: p('client.key'), badCert: p('bad.crt'), badKey: p('bad.key'),
  };
}

/** The server settings for these certificates. */
function tlsSettings(c: Certs): Record<string, string> {
  return { 'tls-cert-file': c.cert, 'tls-key-file': c.key, 'tls-ca-cert-file': c.ca };
}

type ClientCase = 'valid' | 'none' | 'wrong-ca';

/** tls.connect options for a client: the server is verified against the CA; a client certificate per the case. */
function clientOptions(c: Certs, who: ClientCase, extra: tls.ConnectionOptions = {}): tls.ConnectionOptions {
  const ca = readFileSync(c.ca);
  const cert = who === 'valid' ? { cert: readFileSync(c.clientCert), key: readFileSync(c.clientKey) } : who === 'wrong-ca' ? { cert: readFileSync(c.badCert), key: readFileSync(c.badKey) } : {};
  return { ca, servername: 'localhost', ...cert, ...extra };
}

/** Whether a TLS client is served: it connects and PING gets PONG ('accepted'), or the server refuses it. */
async function outcome(port: number, options: tls.ConnectionOptions): Promise<'accepted' | 'refused'> {
  let c: RawClient;
  try {
    c = await RawClient.connectTls(port, options);
  } catch {
    return 'refused';
  }
  try {
    c.send('PING');
    // a refused client is closed (after its handshake, under TLSv1.3) rather than answered
    const reply = await Promise.race([c.next(2000).catch(() => null), c.waitClose(2000).then(() => null)]);
    return reply === 'PONG' ? 'accepted' : 'refused';
  } finally {
    c.close();
  }
}

/** The certificate a new connection is served. */
function servedCertificate(port: number, c: Certs): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ port, host: '127.0.0.1', ...clientOptions(c, 'valid') }, () => {
      const cert = sock.getPeerCertificate();
      sock.destroy();
      resolve(cert);
    });
    sock.once('error', reject);
  });
}

const noOpenssl = opensslSkipReason();

describe('TLS', { skip: noOpenssl }, () => {
  let certs: Certs;
  let s: RunningServer;
  let plainPort: number;
  let tlsPort: number;
  /** A client on the plain port, for CONFIG SET. */
  let admin: RawClient;

  before(async () => {
    certs = makeCerts();
    [plainPort, tlsPort] = [await freePort(), await freePort()];
    s = await startServer({ port: plainPort, 'tls-port': tlsPort, ...tlsSettings(certs) });
    admin = await RawClient.connect(plainPort);
  });
  after(async () => {
    admin.close();
    await s.close();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  it('a client verifying the server against the CA runs commands; CLIENT INFO names its addresses', async () => {
    assert.equal(s.tlsPort, tlsPort);
    const c = await RawClient.connectTls(tlsPort, clientOptions(certs, 'valid'));
    try {
      assert.equal(await c.call('PING'), 'PONG');
      assert.equal(await c.call('SET', 'tls:k', 'v'), 'OK');
      assert.equal(await c.call('GET', 'tls:k'), 'v');
      const info = String(await c.call('CLIENT', 'INFO'));
      assert.match(info, new RegExp(`addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${tlsPort} fd=\\d+ `));
      assert.doesNotMatch(info, /fd=-1/);
    } finally {
      c.close();
    }
  });

  it('plain and TLS ports serve at once; CLIENT LIST shows both', async () => {
    const c = await RawClient.connectTls(tlsPort, clientOptions(certs, 'valid'));
    try {
      assert.equal(await admin.call('SET', 'both', 'plain'), 'OK');
      assert.equal(await c.call('GET', 'both'), 'plain');
      const list = String(await admin.call('CLIENT', 'LIST'));
      assert.match(list, new RegExp(`laddr=127\\.0\\.0\\.1:${plainPort} `));
      assert.match(list, new RegExp(`laddr=127\\.0\\.0\\.1:${tlsPort} `));
      // a plain-text client on the TLS port gets no service
      const plain = await RawClient.connect(tlsPort);
      plain.send('PING');
      assert.ok(await plain.waitClose(), 'closed');
    } finally {
      c.close();
    }
  });

  it('large pipelined replies over TLS arrive intact', async () => {
    const c = await RawClient.connectTls(tlsPort, clientOptions(certs, 'valid'));
    try {
      const value = Buffer.alloc(100_000);
      for (let i = 0; i < value.length; i++) value[i] = (i * 31 + 7) & 0xff;
      assert.equal(await c.call('SET', 'big', value), 'OK');
      for (let i = 0; i < 30; i++) c.send('GET', 'big');
      const want = `$${value.length}\r\n${value.toString('latin1')}\r\n`;
      for (let i = 0; i < 30; i++) assert.ok((await c.nextRaw()) === want, `reply ${i}`);
    } finally {
      c.close();
    }
  });

  it('redis-cli --tls with a client certificate', async () => {
    const out = await run('redis-cli', ['-p', String(tlsPort), '--tls', '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey, 'SET', 'cli', 'ok'], { timeoutMs: 10000 });
    assert.equal(out.trim(), 'OK');
  });

  it('redis-py with ssl=True', async (t) => {
    const skip = pythonSkipReason(['redis']);
    if (skip) return t.skip(skip);
    const script = [
      'import redis, sys',
      "r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]), ssl=True, ssl_ca_certs=sys.argv[2], ssl_certfile=sys.argv[3], ssl_keyfile=sys.argv[4])",
      "r.set('py', 'hello')",
      "print(r.get('py').decode())",
    ].join('\n');
    const out = await run(PYTHON, ['-c', script, String(tlsPort), certs.ca, certs.clientCert, certs.clientKey], { timeoutMs: 20000 });
    assert.equal(out.trim(), 'hello');
  });

  it('ioredis with tls options', async () => {
    const r = new Redis({ host: '127.0.0.1', port: tlsPort, lazyConnect: true, maxRetriesPerRequest: 0, tls: clientOptions(certs, 'valid') });
    try {
      await r.connect();
      assert.equal(await r.set('io', 'redis'), 'OK');
      assert.equal(await r.get('io'), 'redis');
    } finally {
      r.disconnect();
    }
  });

  it('node-redis with tls socket options', async () => {
    const o = clientOptions(certs, 'valid');
    const c = createClient({ socket: { host: '127.0.0.1', port: tlsPort, tls: true, ca: o.ca, cert: o.cert, key: o.key, servername: 'localhost', reconnectStrategy: false } });
    c.on('error', () => {});
    await c.connect();
    try {
      assert.equal(await c.set('nr', 'v5'), 'OK');
      assert.equal(await c.get('nr'), 'v5');
    } finally {
      c.destroy();
    }
  });

  it('tls-auth-clients yes, optional and no', async () => {
    const expect: Record<string, Record<ClientCase, string>> = {
      yes: { valid: 'accepted', none: 'refused', 'wrong-ca': 'refused' },
      optional: { valid: 'accepted', none: 'accepted', 'wrong-ca': 'refused' },
      no: { valid: 'accepted', none: 'accepted', 'wrong-ca': 'accepted' },
    };
    try {
      for (const [mode, cases] of Object.entries(expect)) {
        assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients', mode), 'OK');
        for (const [who, want] of Object.entries(cases)) {
          assert.equal(await outcome(tlsPort, clientOptions(certs, who as ClientCase)), want, `tls-auth-clients ${mode}, client certificate ${who}`);
        }
      }
    } finally {
      await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'yes');
    }
  });

  it('tls-protocols TLSv1.3 refuses a TLSv1.2-only client', async () => {
    try {
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-protocols', 'TLSv1.3'), 'OK');
      assert.equal(await outcome(tlsPort, clientOptions(certs, 'valid', { maxVersion: 'TLSv1.2' })), 'refused');
      assert.equal(await outcome(tlsPort, clientOptions(certs, 'valid', { minVersion: 'TLSv1.3' })), 'accepted');
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-protocols', 'TLSv1.2'), 'OK');
      assert.equal(await outcome(tlsPort, clientOptions(certs, 'valid', { minVersion: 'TLSv1.3' })), 'refused');
      assert.equal(await outcome(tlsPort, clientOptions(certs, 'valid', { maxVersion: 'TLSv1.2' })), 'accepted');
    } finally {
      await admin.call('CONFIG', 'SET', 'tls-protocols', '');
    }
  });

  it('CONFIG SET of a new certificate serves it to new connections; a bad one leaves it', async () => {
    const open = await RawClient.connectTls(tlsPort, clientOptions(certs, 'valid'));
    try {
      assert.equal((await servedCertificate(tlsPort, certs)).subject.CN, 'localhost');
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-cert-file', certs.cert2, 'tls-key-file', certs.key2), 'OK');
      assert.equal((await servedCertificate(tlsPort, certs)).subject.CN, 'renewed');
      assert.equal(await open.call('PING'), 'PONG', 'a connection made before keeps its session');
      const err = await admin.raw('CONFIG', 'SET', 'tls-cert-file', join(certs.dir, 'missing.crt'));
      assert.equal(err, "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.\r\n");
      assert.deepEqual(await admin.call('CONFIG', 'GET', 'tls-cert-file'), ['tls-cert-file', certs.cert2]);
      // the key of another certificate: refused as a pair, both settings kept
      assert.match(await admin.raw('CONFIG', 'SET', 'tls-key-file', certs.key), /^-ERR CONFIG SET failed \(possibly related to argument 'tls-key-file'\)/);
      assert.equal((await servedCertificate(tlsPort, certs)).subject.CN, 'renewed');
      // an encrypted key with its password
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-cert-file', certs.cert, 'tls-key-file', certs.encKey, 'tls-key-file-pass', 'secret'), 'OK');
      assert.equal((await servedCertificate(tlsPort, certs)).subject.CN, 'localhost');
    } finally {
      open.close();
      await admin.call('CONFIG', 'SET', 'tls-cert-file', certs.cert, 'tls-key-file', certs.key, 'tls-key-file-pass', '');
    }
  });

  it('CONFIG SET tls-port moves the TLS listener; 0 closes it; a port in use is refused', async () => {
    const moved = await freePort();
    const open = await RawClient.connectTls(tlsPort, clientOptions(certs, 'valid'));
    try {
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-port', moved), 'OK');
      assert.equal(await outcome(moved, clientOptions(certs, 'valid')), 'accepted');
      await assert.rejects(RawClient.connect(tlsPort), /ECONNREFUSED/);
      assert.equal(await open.call('PING'), 'PONG', 'connections stay');
      assert.equal(
        await admin.raw('CONFIG', 'SET', 'tls-port', plainPort),
        "-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.\r\n",
      );
      assert.deepEqual(await admin.call('CONFIG', 'GET', 'tls-port'), ['tls-port', String(moved)]);
      assert.equal(await outcome(moved, clientOptions(certs, 'valid')), 'accepted');
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-port', 0), 'OK');
      await assert.rejects(RawClient.connect(moved), /ECONNREFUSED/);
      // inside MULTI a new port cannot be waited for
      admin.send('MULTI');
      admin.send('CONFIG', 'SET', 'tls-port', tlsPort);
      admin.send('EXEC');
      assert.equal(await admin.next(), 'OK');
      assert.equal(await admin.next(), 'QUEUED');
      assert.match(String(((await admin.next()) as unknown[])[0]), /tls-port.*outside MULTI\/EXEC/);
    } finally {
      open.close();
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-port', tlsPort), 'OK');
    }
    assert.equal(await outcome(tlsPort, clientOptions(certs, 'valid')), 'accepted');
  });

  it('tls-session-caching: a TLSv1.2 session resumes by id only while the cache is on', async () => {
    // (session tickets, which resume whatever the setting, as in Redis, are turned off by the client)
    const noTickets = { maxVersion: 'TLSv1.2' as const, secureOptions: (await import('node:crypto')).constants.SSL_OP_NO_TICKET };
    const resumed = async (): Promise<boolean> => {
      const first = await new Promise<Buffer>((resolve, reject) => {
        const sock = tls.connect({ port: tlsPort, host: '127.0.0.1', ...clientOptions(certs, 'valid', noTickets) }, () => {
          const session = sock.getSession()!;
          sock.destroy();
          resolve(session);
        });
        sock.once('error', reject);
      });
      return new Promise<boolean>((resolve, reject) => {
        const sock = tls.connect({ port: tlsPort, host: '127.0.0.1', session: first, ...clientOptions(certs, 'valid', noTickets) }, () => {
          resolve(sock.isSessionReused());
          sock.destroy();
        });
        sock.once('error', reject);
      });
    };
    assert.equal(await resumed(), true);
    try {
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-session-caching', 'no'), 'OK');
      assert.equal(await resumed(), false);
    } finally {
      await admin.call('CONFIG', 'SET', 'tls-session-caching', 'yes');
    }
  });

  it('TLS only (port 0 with a tls-port), and maxclients counts TLS connections', async () => {
    const port = await freePort();
    const only = await startServer({ port: 0, 'tls-port': port, ...tlsSettings(certs), maxclients: 1 });
    try {
      assert.equal(only.port, 0);
      assert.equal(only.url, `rediss://127.0.0.1:${port}`);
      const c = await RawClient.connectTls(port, clientOptions(certs, 'valid'));
      assert.equal(await c.call('PING'), 'PONG');
      assert.equal(await outcome(port, clientOptions(certs, 'valid')), 'refused', 'over maxclients');
      c.close();
      // once the server has seen the first client go, there is room again
      let next: RawClient | null = null;
      for (let i = 0; i < 50 && next === null; i++) {
        next = await RawClient.connectTls(port, clientOptions(certs, 'valid')).catch(() => null);
        if (next !== null && (await next.call('PING').catch(() => null)) !== 'PONG') next = null;
        if (next === null) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(next !== null, 'served after the first client left');
      assert.match(String(await next.call('INFO', 'stats')), /rejected_connections:[1-9]\d*\r\n/);
      next.close();
    } finally {
      await only.close();
    }
  });
});

describe('TLS start-up failures', { skip: noOpenssl }, () => {
  let certs: Certs;
  before(() => {
    certs = makeCerts();
  });
  after(() => rmSync(certs.dir, { recursive: true, force: true }));

  it('a missing certificate stops start-up with Redis\'s lines', async () => {
    const missing = join(certs.dir, 'missing.crt');
    await assert.rejects(startServer({ port: 0, 'tls-port': await freePort(), ...tlsSettings(certs), 'tls-cert-file': missing }), {
      message: `Failed to load certificate: ${missing}: error:80000002:system library::No such file or directory\nFailed to configure TLS. Check logs for more info.`,
    });
    await assert.rejects(startServer({ port: 0, 'tls-port': await freePort(), 'tls-cert-file': certs.cert, 'tls-key-file': certs.key }), {
      message: /^Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!\n/,
    });
    // without tls-port the files are not read (as Redis) ...
    const s = await startServer({ port: 0, 'tls-cert-file': missing });
    const c = await RawClient.connect(s.port);
    try {
      // ... until CONFIG SET tls-port turns TLS on
      const port = await freePort();
      assert.equal(
        await c.raw('CONFIG', 'SET', 'tls-port', port),
        "-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS configuration. Check server logs.\r\n",
      );
      assert.deepEqual(await c.call('CONFIG', 'GET', 'tls-port'), ['tls-port', '0']);
      assert.equal(await c.call('CONFIG', 'SET', 'tls-cert-file', certs.cert, 'tls-key-file', certs.key, 'tls-ca-cert-file', certs.ca, 'tls-port', port), 'OK');
      assert.equal(s.server.tlsPort, port);
      assert.equal(await outcome(port, clientOptions(certs, 'valid')), 'accepted');
    } finally {
      c.close();
      await s.close();
    }
  });

  it('sinew-server logs them and exits 1', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'sinew-server.js'), '--port', '0', '--tls-port', String(await freePort()), '--tls-cert-file', certs.cert, '--tls-key-file', certs.clientKey, '--tls-ca-cert-file', certs.ca], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b));
    p.stderr.on('data', (b: Buffer) => (out += b));
    const code = await new Promise<number | null>((resolve) => p.once('exit', resolve));
    assert.equal(code, 1, out);
    assert.match(out, new RegExp(`# Failed to load private key: ${certs.clientKey}: error:05800074:x509 certificate routines::key values mismatch\\n.*# Failed to configure TLS\\. Check logs for more info\\.\\n`));
    assert.doesNotMatch(out, /Failed listening/);
  });
});

describe('TLS session cache', () => {
  it('keeps at most its size (0: no limit), and drops sessions past their timeout', async () => {
    const id = (n: number) => Buffer.from([n]);
    const small = new SessionCache(2, 60_000);
    for (let n = 1; n <= 3; n++) small.store(id(n), Buffer.from(`s${n}`));
    assert.equal(small.find(id(1)), null, 'the oldest went');
    assert.equal(String(small.find(id(3))), 's3');
    const brief = new SessionCache(0, 30);
    brief.store(id(1), Buffer.from('s1'));
    assert.equal(String(brief.find(id(1))), 's1');
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(brief.find(id(1)), null, 'expired');
  });
});

/** The warning lines redis-server logs when it refuses to start with these arguments. */
async function redisStartFailure(bin: string, args: string[]): Promise<string[]> {
  const p = spawn(bin, ['--port', '0', '--save', '', '--logfile', '', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b));
  const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
  await new Promise((resolve) => p.once('exit', resolve));
  clearTimeout(timer);
  return out
    .split('\n')
    .map((l) => /^\d+:[CM] .{24} # (.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined && !/Redis is starting|Redis version=|Configuration loaded|WARNING/.test(l));
}

describe('TLS: the same as redis-server 7.0', { skip: noOpenssl || oracleSkipReason() }, () => {
  let certs: Certs;
  let sinew: RunningServer;
  let redis: { proc: ReturnType<typeof spawn>; tlsPort: number; plainPort: number };
  let admins: RawClient[];
  const ports = () => [sinew.tlsPort, redis.tlsPort];

  before(async () => {
    certs = makeCerts();
    const [sp, st, rp, rt] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const args = Object.entries(tlsSettings(certs)).flatMap(([k, v]) => [`--${k}`, v]);
    const proc = spawn(redisServerPath()!, ['--port', String(rp), '--tls-port', String(rt), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', certs.dir, ...args], { stdio: 'ignore' });
    redis = { proc, tlsPort: rt, plainPort: rp };
    sinew = await startServer({ port: sp, 'tls-port': st, ...tlsSettings(certs) });
    await waitPort(rp);
    admins = [await RawClient.connect(sp), await RawClient.connect(rp)];
  });
  after(async () => {
    for (const a of admins ?? []) a.close();
    await sinew?.close();
    if (redis?.proc.exitCode === null) {
      const exited = new Promise((r) => redis.proc.once('exit', r));
      redis.proc.kill('SIGKILL');
      await exited;
    }
    rmSync(certs.dir, { recursive: true, force: true });
  });

  /** The same command on both servers' plain ports: the raw replies. */
  const both = (...args: string[]) => Promise.all(admins.map((a) => a.raw(...args)));

  it('the same clients are accepted and refused for each tls-auth-clients value', async () => {
    for (const mode of ['yes', 'optional', 'no']) {
      const [a, b] = await both('CONFIG', 'SET', 'tls-auth-clients', mode);
      assert.equal(a, b);
      for (const who of ['valid', 'none', 'wrong-ca'] as ClientCase[]) {
        const [ours, theirs] = await Promise.all(ports().map((p) => outcome(p, clientOptions(certs, who))));
        assert.equal(ours, theirs, `tls-auth-clients ${mode}, client certificate ${who}`);
      }
    }
    await both('CONFIG', 'SET', 'tls-auth-clients', 'yes');
  });

  it('the same CONFIG SET replies and errors', async () => {
    const missing = join(certs.dir, 'missing.pem');
    const cases: string[][] = [
      ['CONFIG', 'SET', 'tls-cert-file', missing],
      ['CONFIG', 'SET', 'tls-key-file', certs.clientKey],
      ['CONFIG', 'SET', 'tls-ca-cert-file', certs.key],
      ['CONFIG', 'SET', 'tls-ca-cert-file', ''],
      ['CONFIG', 'SET', 'tls-protocols', 'TLSv1.2  TLSv1.3'],
      ['CONFIG', 'SET', 'tls-protocols', 'SSLv3'],
      ['CONFIG', 'SET', 'tls-ciphers', 'NO-SUCH-CIPHER'],
      ['CONFIG', 'SET', 'tls-ciphersuites', 'TLS_NO_SUCH_SUITE'],
      ['CONFIG', 'SET', 'tls-dh-params-file', missing],
      ['CONFIG', 'SET', 'tls-dh-params-file', certs.ca],
      ['CONFIG', 'SET', 'tls-client-cert-file', certs.clientCert, 'tls-client-key-file', certs.key],
      ['CONFIG', 'SET', 'tls-auth-clients', 'sometimes'],
      ['CONFIG', 'SET', 'tls-session-cache-size', '-1'],
      ['CONFIG', 'SET', 'tls-prefer-server-ciphers', 'maybe'],
      ['CONFIG', 'SET', 'tls-protocols', 'tlsv1.2 TLSV1.3', 'tls-ciphersuites', 'TLS_AES_128_GCM_SHA256:TLS_NO_SUCH', 'tls-ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
      ['CONFIG', 'SET', 'tls-prefer-server-ciphers', 'yes', 'tls-session-caching', 'no', 'tls-session-cache-timeout', '60'],
      ['CONFIG', 'SET', 'tls-client-cert-file', certs.clientCert, 'tls-client-key-file', certs.clientKey],
      ['CONFIG', 'SET', 'tls-cert-file', certs.cert2, 'tls-key-file', certs.key2],
      ['CONFIG', 'SET', 'tls-ca-cert-dir', join(certs.dir, 'no-such-dir')],
    ];
    for (const args of cases) {
      const [ours, theirs] = await both(...args);
      assert.equal(ours, theirs, args.slice(2).join(' '));
    }
    const settings = async (a: RawClient) => {
      const flat = (await a.call('CONFIG', 'GET', 'tls-*')) as string[];
      const pairs = flat.flatMap((v, i) => (i % 2 === 0 ? [`${v}=${v === 'tls-port' ? 'N' : flat[i + 1]}`] : []));
      return pairs.sort();
    };
    assert.deepEqual(await settings(admins[0]), await settings(admins[1]));
    // and both still serve TLS with the certificate set last
    for (const p of ports()) assert.equal((await servedCertificate(p, certs)).subject.CN, 'renewed');
  });

  it('the same start-up failures', async () => {
    const bin = redisServerPath()!;
    const missing = join(certs.dir, 'missing.pem');
    const base = tlsSettings(certs);
    const cases: Record<string, string>[] = [
      { ...base, 'tls-cert-file': missing },
      { ...base, 'tls-key-file': missing },
      { ...base, 'tls-key-file': certs.clientKey },
      { ...base, 'tls-key-file': certs.encKey },
      { ...base, 'tls-key-file': certs.encKey, 'tls-key-file-pass': 'wrong' },
      { ...base, 'tls-ca-cert-file': missing },
      { 'tls-cert-file': certs.cert, 'tls-key-file': certs.key },
      { 'tls-key-file': certs.key },
      { ...base, 'tls-protocols': 'TLSv1.4' },
      { ...base, 'tls-ciphers': 'TLS_AES_128_GCM_SHA256' },
      { ...base, 'tls-dh-params-file': certs.key },
    ];
    for (const settings of cases) {
      const args = ['--tls-port', String(await freePort()), ...Object.entries(settings).flatMap(([k, v]) => [`--${k}`, v])];
      const theirs = await redisStartFailure(bin, args);
      let ours: string[] = [];
      try {
        const s = await startServer({ port: 0, 'tls-port': await freePort(), ...settings });
        await s.close();
      } catch (e) {
        ours = (e as Error).message.split('\n');
      }
      assert.deepEqual(ours, theirs, JSON.stringify(settings));
    }
  });
});
