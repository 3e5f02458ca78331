import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../src/config/config.js';
import { parseConfigText, applyDirectives, argsToConfigText, rewriteConfigFile, FatalConfigError } from '../../src/config/file.js';

function load(text: string): Config {
  const cfg = new Config();
  applyDirectives(cfg, parseConfigText(text));
  return cfg;
}

function fatal(text: string): FatalConfigError {
  try {
    load(text);
  } catch (e) {
    assert.ok(e instanceof FatalConfigError, String(e));
    return e;
  }
  assert.fail('expected a fatal config error');
}

describe('config files', () => {
  it('reads directives with quoting, comments, aliases and units', () => {
    const cfg = load(
      '# a comment\n\n  port 7001\nhz "20"\nmaxmemory 1mb\nslave-read-only no\nrequirepass "a b\\x41"\nsave ""\nbind 127.0.0.1 ::1\nclient-output-buffer-limit pubsub 1mb 2mb 3\n',
    );
    assert.equal(cfg.get('port'), '7001');
    assert.equal(cfg.get('hz'), '20');
    assert.equal(cfg.get('maxmemory'), '1048576');
    assert.equal(cfg.get('replica-read-only'), 'no');
    assert.equal(cfg.get('requirepass'), 'a bA');
    // Sinew does not save: save points are refused (see directives.test.ts)
    assert.equal(cfg.get('save'), '');
    assert.equal(cfg.get('bind'), '127.0.0.1 ::1');
    assert.match(cfg.get('client-output-buffer-limit'), /pubsub 1048576 2097152 3$/);
  });

  it('save "" clears the save points', () => {
    assert.equal(load('save ""\n').get('save'), '');
  });

  it('fatal errors carry the line number, the line and Redis reason', () => {
    let e = fatal('port 7001\nfoo bar\n');
    assert.equal(e.lineNumber, 2);
    assert.equal(e.line, 'foo bar');
    assert.equal(e.reason, 'Bad directive or wrong number of arguments');
    assert.equal(
      e.message,
      "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments",
    );
    e = fatal('hz abc\n');
    assert.equal(e.reason, "argument couldn't be parsed into an integer");
    e = fatal('hz 1 2\n');
    assert.equal(e.reason, 'wrong number of arguments');
    e = fatal('port\n');
    assert.equal(e.reason, 'wrong number of arguments');
    e = fatal('\n\nappendonly "yes\n');
    assert.equal(e.lineNumber, 3);
    assert.equal(e.reason, 'Unbalanced quotes in configuration line');
    e = fatal('loglevel nothing\n');
    assert.equal(e.reason, 'argument(s) must be one of the following: debug, verbose, notice, warning');
    e = fatal('maxmemory -1\n');
    assert.equal(e.reason, 'argument must be a memory value');
    e = fatal('maxclients 0\n');
    assert.equal(e.reason, 'argument must be between 1 and 4294967295 inclusive');
  });

  it('command-line options are appended to the file text like redis-server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-cfg-'));
    try {
      const file = join(dir, 'a.conf');
      writeFileSync(file, 'port 7001');
      const r = argsToConfigText([file, '--hz', 'x', '--save', '', '--bind', '127.0.0.1', '::1']);
      assert.equal(r.file, file);
      assert.equal(r.text, 'port 7001\nhz "x" \nsave "" \nbind "127.0.0.1" "::1" ');
      const e = fatal(r.text);
      assert.equal(e.lineNumber, 2);
      assert.equal(e.line, 'hz "x"');
      // without a file the options start on line 2, as in Redis
      const r2 = argsToConfigText(['--port', '7001', '--hz', 'a b']);
      assert.equal(r2.file, '');
      const e2 = fatal(r2.text);
      assert.equal(e2.lineNumber, 3);
      assert.equal(e2.line, 'hz "a b"');
      assert.throws(() => argsToConfigText([join(dir, 'missing.conf')]), /Fatal error, can't open config file '.*missing\.conf': No such file or directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('include: relative to the working directory, wildcards in name order, missing file fatal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-cfg-'));
    try {
      mkdirSync(join(dir, 'inc'));
      writeFileSync(join(dir, 'inc', 'a.conf'), 'hz 33\nmaxclients 5\n');
      writeFileSync(join(dir, 'inc', 'b.conf'), 'maxclients 77\n');
      writeFileSync(join(dir, 'one.conf'), 'port 7009\n');
      const cfg = new Config();
      applyDirectives(cfg, parseConfigText(`include inc/*.conf\ninclude one.conf\n`, dir));
      assert.equal(cfg.get('hz'), '33');
      assert.equal(cfg.get('maxclients'), '77');
      assert.equal(cfg.get('port'), '7009');
      // a wildcard that matches nothing is no error
      parseConfigText('include nothing-here/*.conf\n', dir);
      assert.throws(() => parseConfigText('include missing.conf\n', dir), /^Error: Fatal error, can't open config file 'missing\.conf': No such file or directory$/);
      assert.equal(fatal('include\n').reason, 'Bad directive or wrong number of arguments');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CONFIG REWRITE keeps comments and order, updates values, appends the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinew-cfg-'));
    try {
      const file = join(dir, 'r.conf');
      writeFileSync(file, '# my settings\nport 7003\nhz 20\nunknown-to-us yes\n');
      const cfg = new Config();
      cfg.set('port', '7003');
      cfg.set('hz', '30');
      cfg.set('maxmemory', '1mb');
      cfg.set('save', '');
      rewriteConfigFile(file, cfg);
      const text = readFileSync(file, 'latin1');
      const lines = text.split('\n');
      assert.equal(lines[0], '# my settings');
      assert.equal(lines[1], 'port 7003');
      assert.equal(lines[2], 'hz 30');
      assert.equal(lines[3], 'unknown-to-us yes');
      assert.ok(lines.includes('# Generated by CONFIG REWRITE'));
      assert.ok(lines.includes('maxmemory 1mb'));
      assert.ok(lines.includes('save ""'));
      assert.equal(lines[lines.indexOf('# Generated by CONFIG REWRITE') - 1], '');
      // strings quoted as Redis writes them; a second rewrite changes nothing
      assert.ok(lines.includes(`dir ${JSON.stringify(process.cwd())}`));
      rewriteConfigFile(file, cfg);
      assert.equal(readFileSync(file, 'latin1'), text);
      // the rewritten file loads back to the same values
      const again = load(text.replace('unknown-to-us yes\n', ''));
      assert.equal(again.get('hz'), '30');
      assert.equal(again.get('maxmemory'), '1048576');
      assert.equal(again.get('save'), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
