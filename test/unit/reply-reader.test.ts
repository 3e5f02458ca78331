/**
 * The reply decoder every differential test leans on: each RESP2 and RESP3
 * type decoded from a whole buffer and fed one byte at a time, raw capture
 * byte for byte, several replies in one buffer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyReader, RespError, RespMap, RespSet, RespPush, RespDouble, RespVerbatim, encodeCommand, toPlain, type RespValue } from '../../src/protocol/reply-reader.js';

const CASES: [string, string, RespValue][] = [
  ['simple string', '+OK\r\n', 'OK'],
  ['empty simple string', '+\r\n', ''],
  ['error', '-ERR wrong\r\n', new RespError('ERR wrong')],
  ['integer', ':42\r\n', 42],
  ['negative integer', ':-7\r\n', -7],
  ['integer past 2^53', ':9223372036854775807\r\n', 9223372036854775807n],
  ['bulk', '$5\r\nhello\r\n', 'hello'],
  ['empty bulk', '$0\r\n\r\n', ''],
  ['bulk holding CRLF and high bytes', '$6\r\na\r\n\xff\x00b\r\n', 'a\r\n\xff\x00b'],
  ['null bulk', '$-1\r\n', null],
  ['null array', '*-1\r\n', null],
  ['empty array', '*0\r\n', []],
  ['nested array', '*2\r\n*1\r\n:1\r\n$1\r\nx\r\n', [[1], 'x']],
  ['RESP3 null', '_\r\n', null],
  ['RESP3 booleans', '*2\r\n#t\r\n#f\r\n', [true, false]],
  ['RESP3 double', ',3.5\r\n', new RespDouble('3.5')],
  ['RESP3 infinite double', ',-inf\r\n', new RespDouble('-inf')],
  ['RESP3 big number', '(123456789012345678901234567890\r\n', 123456789012345678901234567890n],
  ['RESP3 blob error', '!9\r\nERR a\r\nb!\r\n', new RespError('ERR a\r\nb!')],
  ['RESP3 verbatim', '=15\r\ntxt:Some string\r\n', new RespVerbatim('txt', 'Some string')],
  ['RESP3 map', '%2\r\n+a\r\n:1\r\n$1\r\nb\r\n_\r\n', new RespMap([['a', 1], ['b', null]])],
  ['RESP3 set', '~2\r\n+x\r\n+y\r\n', new RespSet(['x', 'y'])],
  ['RESP3 push', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', new RespPush(['message', 'ch', 'hi'])],
  ['RESP3 attribute before a value', '|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n', 'v'],
];

describe('ReplyReader', () => {
  for (const [name, frame, expected] of CASES) {
    it(`${name}: whole, byte by byte, and raw`, () => {
      const bytes = Buffer.from(frame, 'latin1');
      const whole = new ReplyReader();
      whole.feed(bytes);
      assert.deepEqual(whole.next(), expected);
      assert.equal(whole.next(), undefined);

      const split = new ReplyReader();
      for (let i = 0; i < bytes.length; i++) {
        split.feed(bytes.subarray(i, i + 1));
        const v = split.next();
        if (i < bytes.length - 1) assert.equal(v, undefined, `complete after ${i + 1} of ${bytes.length} bytes`);
        else assert.deepEqual(v, expected);
      }

      const raw = new ReplyReader();
      raw.feed(bytes);
      assert.deepEqual(raw.nextRaw(), bytes);
    });
  }

  it('several replies in one buffer come out in order, the last one once its bytes arrive', () => {
    const r = new ReplyReader();
    const all = CASES.map(([, f]) => f).join('');
    const bytes = Buffer.from(all, 'latin1');
    r.feed(bytes.subarray(0, bytes.length - 1));
    const got: RespValue[] = [];
    for (let v = r.next(); v !== undefined; v = r.next()) got.push(v);
    assert.equal(got.length, CASES.length - 1);
    r.feed(bytes.subarray(bytes.length - 1));
    got.push(r.next()!);
    assert.deepEqual(got, CASES.map(([, , e]) => e));
  });

  it('an unknown type byte is an error, not a guess', () => {
    const r = new ReplyReader();
    r.feed(Buffer.from('?what\r\n'));
    assert.throws(() => r.next(), /bad reply type byte/);
  });

  it('encodeCommand and toPlain', () => {
    assert.equal(encodeCommand(['SET', 'k', Buffer.from([0, 255]), 7]).toString('latin1'), '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\x00\xff\r\n$1\r\n7\r\n');
    assert.deepEqual(toPlain(new RespMap([['a', new RespSet([1n, new RespDouble('2.5')])], ['e', new RespError('ERR x')]])), { a: ['1', 2.5], e: { error: 'ERR x' } });
  });
});
