import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDouble, formatG } from '../../src/protocol/numbers.js';

/** C's "%.<prec>g" the long way (exact digits from toExponential/toFixed), for comparison. */
function reference(d: number, prec: number): string {
  const e = d.toExponential(prec - 1);
  const ei = e.indexOf('e');
  const exp = parseInt(e.slice(ei + 1), 10);
  const strip = (x: string) => (x.indexOf('.') >= 0 ? x.replace(/0+$/, '').replace(/\.$/, '') : x);
  if (exp < -4 || exp >= prec) {
    const ae = Math.abs(exp);
    return strip(e.slice(0, ei)) + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  return strip(d.toFixed(Math.max(0, prec - 1 - exp)));
}

describe('number formatting', () => {
  it('"%.17g" of integers takes the short way and agrees with the long one', () => {
    const cases = [1, -1, 7, 10, 99, 100, 123456789, 2 ** 31, -(2 ** 31), 2 ** 32 + 1, 1e15, 1e15 + 1, 1e16 - 2, 2 ** 53 - 1, -(2 ** 53 - 1)];
    // beyond 2^53 and at 1e17 and above: the long way (exponent form from 1e17)
    const big = [2 ** 53, 2 ** 53 + 2, 2 ** 60, 1e17, 1e17 + 16, 123456789012345680, 1e21, -1e22];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      cases.push(seed * (i % 2 ? 1 : -1) * (i % 7 === 0 ? 4096 : 1));
    }
    for (const d of [...cases, ...big]) {
      assert.equal(formatDouble(d), reference(d, 17), String(d));
      assert.equal(formatG(d, 17), reference(d, 17), String(d));
    }
    assert.equal(formatDouble(1e17), '1e+17');
    assert.equal(formatDouble(2 ** 60), '1.152921504606847e+18');
    assert.equal(formatDouble(9007199254740993), '9007199254740992');
  });

  it('fractions, zero, infinities and NaN as C prints them', () => {
    assert.equal(formatDouble(0.1), '0.10000000000000001');
    assert.equal(formatDouble(1.5), '1.5');
    assert.equal(formatDouble(-2.25), '-2.25');
    assert.equal(formatDouble(1e-5), '1.0000000000000001e-05');
    assert.equal(formatDouble(0), '0');
    assert.equal(formatDouble(-0), '-0');
    assert.equal(formatDouble(Infinity), 'inf');
    assert.equal(formatDouble(-Infinity), '-inf');
    assert.equal(formatDouble(NaN), 'nan');
    // a small precision keeps its rounding, integers included
    assert.equal(formatG(123456789, 5), '1.2346e+08');
    assert.equal(formatG(12345, 5), '12345');
  });
});
