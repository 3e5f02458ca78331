import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RespParser, ProtocolError, splitArgs } from '../../src/protocol/parser.js';

/** Feeds input whole, then byte by byte, and returns the commands both ways. */
function parseAll(input: Buffer | string, splitEvery = 0): string[][] {
  const p = new RespParser();
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const out: string[][] = [];
  const step = splitEvery || buf.length || 1;
  for (let i = 0; i < buf.length; i += step) {
    p.feed(buf.subarray(i, i + step));
    for (;;) {
      const argv = p.next();
      if (argv === null) break;
      out.push(argv);
    }
  }
  return out;
}

function both(input: string): string[][] {
  const whole = parseAll(input);
  const bytewise = parseAll(input, 1);
  assert.deepEqual(bytewise, whole, 'byte-by-byte parse differs from whole parse');
  for (const split of [2, 3, 7]) assert.deepEqual(parseAll(input, split), whole);
  return whole;
}

function errorOf(input: string, split = 0): string {
  try {
    parseAll(input, split);
  } catch (e) {
    assert.ok(e instanceof ProtocolError);
    return e.message;
  }
  return 'no error';
}

describe('RESP parser', () => {
  it('parses a multibulk command whole and split at every byte', () => {
    assert.deepEqual(both('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n'), [['SET', 'key', 'value']]);
  });

  it('parses pipelines of many commands', () => {
    let s = '';
    for (let i = 0; i < 50; i++) s += `*2\r\n$3\r\nGET\r\n$${String(i).length}\r\n${i}\r\n`;
    const cmds = both(s);
    assert.equal(cmds.length, 50);
    assert.deepEqual(cmds[49], ['GET', '49']);
  });

  it('is binary safe: every byte value survives, CRLF inside bulks included', () => {
    const payload = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) payload[i] = i;
    const buf = Buffer.concat([Buffer.from('*2\r\n$3\r\nSET\r\n$256\r\n'), payload, Buffer.from('\r\n')]);
    const [cmd] = parseAll(buf, 1);
    assert.deepEqual(Buffer.from(cmd[1], 'latin1'), payload);
  });

  it('parses inline commands with quotes and escapes', () => {
    assert.deepEqual(both('PING\r\n'), [['PING']]);
    assert.deepEqual(both('SET  a   "b c"\n'), [['SET', 'a', 'b c']]);
    assert.deepEqual(both('SET k "\\x41\\n\\"q"\r\n'), [['SET', 'k', 'A\n"q']]);
    assert.deepEqual(both("SET k 'it\\'s'\r\n"), [['SET', 'k', "it's"]]);
    assert.deepEqual(both('\r\n\r\nPING\r\n'), [['PING']]);
  });

  it('skips empty multibulks', () => {
    assert.deepEqual(both('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n'), [['PING']]);
  });

  it('gives Redis protocol errors', () => {
    assert.equal(errorOf('*abc\r\n'), 'Protocol error: invalid multibulk length');
    assert.equal(errorOf('*2147483648\r\n'), 'Protocol error: invalid multibulk length');
    assert.equal(errorOf('*1\r\n$-1\r\n'), 'Protocol error: invalid bulk length');
    assert.equal(errorOf('*1\r\n$536870913\r\n'), 'Protocol error: invalid bulk length');
    assert.equal(errorOf('*1\r\nx3\r\n'), "Protocol error: expected '$', got 'x'");
    assert.equal(errorOf('SET "a b\r\n'), 'Protocol error: unbalanced quotes in request');
    assert.equal(errorOf('SET "a"b\r\n'), 'Protocol error: unbalanced quotes in request');
    assert.equal(errorOf('x'.repeat(70000)), 'Protocol error: too big inline request');
    assert.equal(errorOf('*' + '1'.repeat(70000)), 'Protocol error: too big mbulk count string');
    assert.equal(errorOf('*1\r\n$' + '1'.repeat(70000)), 'Protocol error: too big bulk count string');
  });

  it('does not reserve memory for announced lengths', () => {
    const p = new RespParser();
    p.feed(Buffer.from('*2147483647\r\n$536870888\r\nabc'));
    assert.equal(p.next(), null);
    assert.ok(p.pending < 100, 'only the bytes received are held');
  });

  it('joins a big bulk arriving in many chunks once', () => {
    const p = new RespParser();
    const size = 1024 * 1024;
    p.feed(Buffer.from(`*2\r\n$3\r\nSET\r\n$${size}\r\n`));
    assert.equal(p.next(), null);
    const chunk = Buffer.alloc(4096, 97);
    for (let sent = 0; sent < size; sent += chunk.length) {
      p.feed(chunk);
      assert.equal(p.next(), null);
    }
    p.feed(Buffer.from('\r\n'));
    const argv = p.next();
    assert.ok(argv !== null);
    assert.equal(argv[1].length, size);
  });

  it('refuses large counts before authentication', () => {
    const p = new RespParser();
    p.authenticated = false;
    p.feed(Buffer.from('*11\r\n'));
    assert.throws(() => p.next(), /unauthenticated multibulk length/);
    const q = new RespParser();
    q.authenticated = false;
    q.feed(Buffer.from('*1\r\n$16385\r\n'));
    assert.throws(() => q.next(), /unauthenticated bulk length/);
  });

  it('splitArgs follows sdssplitargs', () => {
    assert.deepEqual(splitArgs('a b  c'), ['a', 'b', 'c']);
    assert.deepEqual(splitArgs('""'), ['']);
    assert.equal(splitArgs('"abc'), null);
    assert.deepEqual(splitArgs('"\\x4"'), ['x4']);
  });
});
