/**
 * The package as a newcomer gets it: `npm pack` ships what runs and nothing
 * else; the tarball installs into an empty project, which imports it by its
 * name and serves PING; the installed sinew-server command runs. And the
 * sinew.conf at the root starts a server whose CONFIG GET matches the file.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, untilReady } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

const ROOT = join(fileURLToPath(import.meta.url), '../../../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
};

/** Why npm cannot be used here, or false. In CI it is always there. */
function npmSkipReason(): string | false {
  const r = spawnSync('npm', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return false;
  const msg = `npm is not on PATH (${r.error?.message ?? `exit ${r.status}`})`;
  if (process.env.CI === 'true') throw new Error(`CI requires it: ${msg}`);
  process.stderr.write(`# SKIP: ${msg}\n`);
  return msg;
}

/** Runs a command to completion (killed after ms); rejects on a non-zero exit. */
function exec(cmd: string, args: string[], opts: { cwd: string; ms?: number; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b));
    p.stderr.on('data', (b: Buffer) => (err += b));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.ms ?? 30000);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${out}\n${err}`));
    });
  });
}

/** The paths in a .tgz, read from the tar headers themselves. */
function tarballPaths(file: string): string[] {
  const tar = gunzipSync(readFileSync(file));
  const paths: string[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const name = field(0, 100);
    const prefix = field(345, 155);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (type === '0' || type === '') paths.push(prefix ? `${prefix}/${name}` : name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return paths;
}

/**
 * Copies the package's runtime dependencies (and theirs) from this checkout's
 * node_modules into dir/node_modules, so installing the tarball needs no
 * registry: npm finds them already installed.
 */
function copyRuntimeDependencies(dir: string): string[] {
  const copied: string[] = [];
  const visit = (name: string, from: string) => {
    if (copied.includes(name)) return;
    // Node's lookup: the requiring package's node_modules, then upwards.
    let src: string | null = null;
    for (let d = from; ; d = dirname(d)) {
      const candidate = join(d, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) {
        src = realpathSync(candidate);
        break;
      }
      if (dirname(d) === d) break;
    }
    if (src === null) throw new Error(`${name} (needed by the package) is not installed in this checkout: run npm ci`);
    copied.push(name);
    cpSync(src, join(dir, 'node_modules', name), { recursive: true, dereference: true });
    const pkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, src);
  };
  for (const dep of Object.keys(PKG.dependencies ?? {})) visit(dep, ROOT);
  return copied;
}

describe('the npm package', () => {
  let skip: string | false = false;
  let work = '';
  let tarball = '';
  before(async () => {
    skip = npmSkipReason();
    if (skip) return;
    work = mkdtempSync(join(tmpdir(), 'sinew-pack-'));
    // The tests run from a fresh build (dist/test is compiled with dist/src),
    // so `prepare` (tsc) need not run again here.
    const out = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, ms: 60000 });
    const info = JSON.parse(out) as { filename: string }[];
    tarball = join(work, info[0].filename);
  });
  after(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('is named as the README installs and imports it, and compiles on prepare', (t) => {
    if (skip) return t.skip(skip);
    assert.ok(PKG.name.startsWith('@'), `a scoped name (the unscoped one on npm belongs to another project): ${PKG.name}`);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.includes(`import { startServer } from '${PKG.name}';`), 'the README embed example imports the package by its name');
    assert.match(PKG.scripts.prepare, /\btsc\b/, 'npm pack and installing from git compile dist/ first');
  });

  it('ships dist/src, bin, sinew.conf, README, LICENSE and package.json; no tests, sources or examples', (t) => {
    if (skip) return t.skip(skip);
    const paths = tarballPaths(tarball);
    for (const p of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/command/meta/commands.json', 'bin/sinew-server.js', 'sinew.conf', 'README.md', 'LICENSE', 'package.json']) {
      assert.ok(paths.includes(`package/${p}`), `the tarball has ${p}`);
    }
    const unwanted = paths.filter((p) => /^package\/(test|dist\/test|src|bench|examples|scripts|docs|node_modules)\//.test(p) || p.endsWith('.map'));
    assert.deepEqual(unwanted, [], 'nothing but what runs');
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /BSD 3-Clause License[\s\S]*The Sinew authors/);
  });

  it('installs into an empty project, which imports it by name and serves PING; its sinew-server runs', async (t) => {
    if (skip) return t.skip(skip);
    const proj = join(work, 'app');
    mkdirSync(join(proj, 'node_modules'), { recursive: true });
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    const deps = copyRuntimeDependencies(proj);
    t.diagnostic(`runtime dependencies copied from this checkout: ${deps.join(', ')}`);
    await exec('npm', ['install', tarball, '--offline', '--no-save', '--no-audit', '--no-fund'], { cwd: proj, ms: 60000 });
    assert.ok(existsSync(join(proj, 'node_modules', ...PKG.name.split('/'), 'dist', 'src', 'index.js')));

    writeFileSync(
      join(proj, 'smoke.mjs'),
      `import net from 'node:net';
import { startServer } from '${PKG.name}';

const s = await startServer({ port: 0 });
const reply = await new Promise((resolve, reject) => {
  const c = net.connect(s.port, '127.0.0.1');
  let got = '';
  c.on('data', (d) => {
    got += d;
    if (got.endsWith('\\r\\n')) {
      c.end();
      resolve(got);
    }
  });
  c.on('error', reject);
  c.write('*1\\r\\n$4\\r\\nPING\\r\\n');
});
await s.close();
console.log(JSON.stringify({ url: s.url, reply }));
`,
    );
    const out = JSON.parse(await exec(process.execPath, ['smoke.mjs'], { cwd: proj, ms: 20000 })) as { url: string; reply: string };
    assert.match(out.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(out.reply, '+PONG\r\n');

    const version = await exec(join(proj, 'node_modules', '.bin', 'sinew-server'), ['--version'], { cwd: proj, ms: 20000 });
    assert.match(version, new RegExp(`^Sinew server v=${PKG.version.replace(/\./g, '\\.')} `));
  });
});

/** The directives of a config file: name -> arguments (quotes removed); repeated names keep every line. */
function directives(text: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.match(/"[^"]*"|\S+/g) ?? [];
    const [name, ...args] = words.map((w) => (w.startsWith('"') ? w.slice(1, -1) : w));
    const key = name.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), args]);
  }
  return out;
}

/** A memory size as CONFIG GET reports it (bytes). */
function bytes(v: string): string {
  const m = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(v);
  if (m === null || m[2] === undefined) return v;
  const unit = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 }[m[2].toLowerCase() as 'k'];
  return String(Number(m[1]) * unit);
}

describe('sinew.conf', () => {
  const file = join(ROOT, 'sinew.conf');
  const conf = directives(readFileSync(file, 'latin1'));

  it('sets no directive Sinew does not support yet, nor TLS (they are comments only)', () => {
    for (const name of ['replicaof', 'slaveof', 'tls-port', 'tls-cert-file', 'tls-key-file', 'daemonize']) {
      assert.ok(!conf.has(name), `${name} is not set`);
    }
  });

  it('sinew-server ./sinew.conf --port N serves PING, and CONFIG GET matches the file', async () => {
    const port = await freePort();
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'sinew-server.js'), './sinew.conf', '--port', String(port), '--save', '', '--dir', tmpdir()], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    p.stdout.on('data', (b: Buffer) => (log += b));
    p.stderr.on('data', (b: Buffer) => (log += b));
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    try {
      await untilReady(() => log, p, 20000);
      assert.match(log, /Configuration loaded/);
      const c = await RawClient.connect(port);
      try {
        assert.equal(await c.call('PING'), 'PONG');
        assert.deepEqual(await c.call('CONFIG', 'GET', 'port'), ['port', String(port)], 'the command line wins over the file');
        let checked = 0;
        for (const [name, lines] of conf) {
          // port, save and dir come from the command line (no snapshot lands in the checkout)
          if (name === 'port' || name === 'save' || name === 'dir' || name === 'client-output-buffer-limit') continue;
          const expected = lines[lines.length - 1].map(bytes).join(' ');
          const got = (await c.call('CONFIG', 'GET', name)) as string[];
          assert.equal(got[1], expected, `CONFIG GET ${name}`);
          checked++;
        }
        assert.ok(checked >= 15, `${checked} directives compared`);
        const limits = ((await c.call('CONFIG', 'GET', 'client-output-buffer-limit')) as string[])[1];
        for (const [cls, ...rest] of conf.get('client-output-buffer-limit') ?? []) {
          assert.ok(limits.includes(`${cls} ${rest.map(bytes).join(' ')}`), `client-output-buffer-limit ${cls}: ${limits}`);
        }
      } finally {
        c.close();
      }
    } finally {
      p.kill('SIGTERM');
      await exited;
    }
  });
});
