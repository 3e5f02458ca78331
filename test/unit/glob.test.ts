/**
 * Glob matching as Redis's stringmatchlen (7.0.15 with the bounded-star
 * fixes): wildcards, classes, ranges compared as signed C chars, escapes,
 * case folding, malformed patterns, and pathological patterns in bounded
 * time. (test/compat/keys.test.ts checks the same against redis-server.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, isLiteralPattern } from '../../src/util/glob.js';

function check(pattern: string, yes: string[], no: string[], nocase = false): void {
  for (const s of yes) assert.equal(globMatch(pattern, s, nocase), true, `${JSON.stringify(pattern)} should match ${JSON.stringify(s)}`);
  for (const s of no) assert.equal(globMatch(pattern, s, nocase), false, `${JSON.stringify(pattern)} should not match ${JSON.stringify(s)}`);
}

describe('glob matching', () => {
  it('* and ?', () => {
    check('*', ['a', 'anything at all'], ['']); // stringmatchlen never matches an empty string with '*'
    check('', [''], ['a']);
    check('h?llo', ['hello', 'hallo', 'h\x00llo'], ['hllo', 'heello']);
    check('h*llo', ['hllo', 'hello', 'heeeello'], ['hell', 'hellox']);
    check('**a**', ['a', 'xa', 'ax', 'xax'], ['', 'b']);
    check('a*', ['a', 'ab'], ['', 'ba']);
    check('*a', ['a', 'ba'], ['ab', '']);
    check('?*', ['a', 'ab'], ['']);
    check('*?', ['a', 'ab'], ['']);
    check('a*b*c', ['abc', 'aXbYc', 'abbc', 'abcbc'], ['ab', 'acb', 'abcd']);
  });

  it('classes, negation and ranges', () => {
    check('h[ae]llo', ['hello', 'hallo'], ['hillo', 'hllo']);
    check('h[^e]llo', ['hallo', 'hbllo'], ['hello', 'hllo']);
    check('h[a-b]llo', ['hallo', 'hbllo'], ['hcllo']);
    check('h[b-a]llo', ['hallo', 'hbllo'], ['hcllo']); // reversed range
    check('[0-9][^0-9]', ['1a', '9-'], ['11', 'a1']);
    check('a[-]b', ['a-b'], ['ab']);
    // "a-]" is the range ']'..'a' and the class runs on to the end of the pattern
    check('a[a-]b', ['aa', 'a]', 'ab', 'a^'], ['aab', 'a]b', 'a-b']);
    check('a[]]b', [], ['a]b', 'ab', 'a]]b']); // '[]' is an empty class: never matches
    check('[\\]]', [']'], ['\\']);
    check('[\\-a]', ['-', 'a'], ['\\', 'b']);
  });

  it('range bounds compare as signed bytes, as C chars do', () => {
    // 0xff is -1: [a-\xff] spans -1..97, so 0xff, NUL and '0' match but 'b' and 0x80 do not
    check('[a-\xff]', ['\xff', '\x00', '0', 'a'], ['b', 'z', '\x80', '\xc8']);
    check('[\xff-a]', ['\xff', '\x00', 'a'], ['b', '\x80']);
    check('[\x80-\xff]', ['\x80', '\xc8', '\xff'], ['\x00', 'a', '\x7f']);
    check('[\x7f-\x81]', ['\x7f', '\x00', 'a', '\x81', '\xff'], ['\x80']);
    check('[^\x80-\xff]', ['a', '\x00'], ['\x90']);
  });

  it('escapes', () => {
    check('h\\*llo', ['h*llo'], ['hello']);
    check('h\\?llo', ['h?llo'], ['hello']);
    check('h\\[a]llo', ['h[a]llo'], ['hallo']);
    check('\\\\', ['\\'], ['\\\\', '']);
    check('a\\', ['a\\'], ['a']); // a trailing backslash is literal
    check('\\a', ['a'], ['\\a']);
  });

  it('malformed classes', () => {
    check('[', [], ['', '[', 'a']);
    check('[^', ['a', '['], ['', 'ab']); // an unterminated negated class matches one byte
    check('h[', [], ['h', 'h[']);
    check('[a', ['a'], ['b', '']);
    check('[^]', [']', 'a'], ['', 'ab']); // an empty negated class matches any byte
  });

  it('case folding (nocase)', () => {
    check('HeLLo', ['hello', 'HELLO'], ['hell'], true);
    check('[A-C]x', ['bX', 'Bx'], ['dx'], true);
    check('[a-c]x', ['BX'], ['DX'], true);
    check('HeLLo', [], ['hello'], false);
  });

  it('pathological patterns finish quickly', () => {
    const long = 'a'.repeat(100000);
    assert.equal(globMatch('a*a*a*a*a*a*a*a*a*a*a*a*b', long), false);
    assert.equal(globMatch('a*a*a*a*a*a*a*a*a*a*a*a*b', long + 'b'), true);
    assert.equal(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c', long), false);
    assert.equal(globMatch('?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*x', long), false);
    assert.equal(globMatch('[a]*'.repeat(50) + 'c', long.slice(0, 5000)), false);
  });

  it('star nesting is capped at 1000, as Redis does', () => {
    const s = 'a'.repeat(1200);
    assert.equal(globMatch('*a'.repeat(1000), s), true);
    assert.equal(globMatch('*a'.repeat(1001), s), false);
    assert.equal(globMatch('a*'.repeat(1000), s), true);
  });

  it('literal patterns', () => {
    assert.equal(isLiteralPattern('hello:1'), true);
    assert.equal(isLiteralPattern(''), true);
    for (const p of ['a*', 'a?', 'a[b]', 'a\\b']) assert.equal(isLiteralPattern(p), false, p);
  });
});
