/**
 * SCAN cursors: Redis's cursor syntax (strtoul), and the SCAN guarantee
 * checked against a model: every element present for the whole scan is
 * returned, whatever is added or deleted between calls; nothing is returned
 * that was never present; each call does O(COUNT) work; held cursors are
 * bounded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScanCursors, parseCursor } from '../../src/keyspace/scan.js';
import { rng } from '../helpers/rng.js';

describe('SCAN cursor syntax (strtoul, as parseScanCursorOrReply)', () => {
  it('accepts what Redis accepts', () => {
    const ok: [string, bigint][] = [
      ['0', 0n], ['', 0n], ['00', 0n], ['-0', 0n], ['+0', 0n], ['17', 17n], ['+17', 17n], ['007', 7n],
      ['18446744073709551615', 18446744073709551615n], ['-1', 18446744073709551615n],
      ['-18446744073709551615', 1n], ['5\x00junk', 5n], ['\x00', 0n], ['0000000000000000000000000042', 42n],
    ];
    for (const [s, v] of ok) assert.equal(parseCursor(s), v, JSON.stringify(s));
  });

  it('refuses what Redis refuses', () => {
    for (const s of [' 1', '\t1', '\n1', '1 ', 'abc', '1x', '0x10', '-', '+', '+-1', '--1', '1.0', '18446744073709551616',
      '-18446744073709551616', '99999999999999999999999', '1'.repeat(1000)]) {
      assert.equal(parseCursor(s), null, JSON.stringify(s));
    }
  });
});

describe('ScanCursors', () => {
  /** Runs a full scan of `map`, mutating it between calls; checks the guarantee. */
  function scanWithChurn(seed: number, initial: number, count: () => number, churn: (m: Map<string, number>, r: () => number, step: number) => void): void {
    const r = rng(seed);
    const sc = new ScanCursors();
    const m = new Map<string, number>();
    for (let i = 0; i < initial; i++) m.set(`k${i}`, i);
    const everPresent = new Set(m.keys());
    const deleted = new Set<string>();
    const seen = new Map<string, number>();
    let cursor = '0';
    let calls = 0;
    do {
      const want = count();
      let visited = 0;
      cursor = sc.step(cursor, m, want, (k) => {
        visited++;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      });
      assert.ok(visited <= want, `one call visits at most COUNT elements (${visited} > ${want})`);
      // mutate between calls
      const before = new Set(m.keys());
      churn(m, r, calls);
      for (const k of before) if (!m.has(k)) deleted.add(k);
      for (const k of m.keys()) everPresent.add(k);
      calls++;
      assert.ok(calls < 100000, 'scan terminates');
    } while (cursor !== '0');
    // every key present from the start to the end, never deleted, was returned
    for (let i = 0; i < initial; i++) {
      const k = `k${i}`;
      if (!deleted.has(k) && m.has(k)) assert.ok(seen.has(k), `${k} was present for the whole scan but not returned`);
    }
    for (const k of seen.keys()) assert.ok(everPresent.has(k), `${k} returned but never present`);
  }

  it('returns every element present for the whole scan under random adds and deletes', () => {
    for (let seed = 1; seed <= 20; seed++) {
      let next = 0;
      // (COUNT above the insertion rate, or a scan over an ever-growing map never ends)
      scanWithChurn(seed, 300, () => 4 + (seed % 13), (m, r) => {
        const n = Math.floor(r() * 3);
        for (let i = 0; i < n; i++) m.set(`new${seed}:${next++}`, 0);
        const keys = [...m.keys()];
        const dels = Math.floor(r() * 4);
        for (let i = 0; i < dels && keys.length; i++) m.delete(keys[Math.floor(r() * keys.length)]);
        // delete and re-add (moves a key to the end of the insertion order)
        if (r() < 0.3 && keys.length) {
          const k = keys[Math.floor(r() * keys.length)];
          if (m.has(k)) {
            m.delete(k);
            m.set(k, 1);
          }
        }
      });
    }
  });

  it('keeps the guarantee while the map grows a lot and shrinks to almost nothing (rehashing)', () => {
    let next = 0;
    scanWithChurn(99, 200, () => 5, (m, _r, step) => {
      if (step < 10) for (let i = 0; i < 2000; i++) m.set(`grow${next++}`, 0);
      else if (step < 20) {
        let n = 0;
        for (const k of m.keys()) {
          if (k.startsWith('grow') && n++ < 2000) m.delete(k);
        }
      }
    });
  });

  it('an exhausted scan returns cursor 0; an empty map too', () => {
    const sc = new ScanCursors();
    const m = new Map([['a', 1], ['b', 2]]);
    const got: string[] = [];
    assert.equal(sc.step('0', m, 2, (k) => got.push(k)), '0');
    assert.deepEqual(got.sort(), ['a', 'b']);
    assert.equal(sc.step('0', new Map(), 10, () => assert.fail('nothing to visit')), '0');
    assert.equal(sc.size, 0);
  });

  it('a cursor is resumed in its own canonical forms only on its own map; unknown cursors restart', () => {
    const sc = new ScanCursors();
    const m = new Map<string, number>();
    for (let i = 0; i < 10; i++) m.set(`k${i}`, i);
    const first: string[] = [];
    const c1 = sc.step('0', m, 3, (k) => first.push(k));
    assert.notEqual(c1, '0');
    // "+<cursor>" and "0<cursor>" parse to the same number
    const rest: string[] = [];
    const c2 = sc.step('+0' + c1, m, 100, (k) => rest.push(k));
    assert.equal(c2, '0');
    assert.deepEqual([...first, ...rest].sort(), [...m.keys()].sort());
    // the same cursor on another map starts that map's scan from the beginning
    const other = new Map([['x', 1], ['y', 2]]);
    const c3 = sc.step('0', m, 3, () => {});
    const seen: string[] = [];
    assert.equal(sc.step(c3, other, 10, (k) => seen.push(k)), '0');
    assert.deepEqual(seen, ['x', 'y']);
    // an unknown cursor restarts
    const all: string[] = [];
    assert.equal(sc.step('123456789', m, 100, (k) => all.push(k)), '0');
    assert.equal(all.length, 10);
  });

  it('the number of held cursors is bounded', () => {
    const sc = new ScanCursors();
    const m = new Map<string, number>();
    for (let i = 0; i < 5; i++) m.set(`k${i}`, i);
    const cursors: string[] = [];
    for (let i = 0; i < 9000; i++) cursors.push(sc.step('0', m, 1, () => {}));
    assert.ok(sc.size <= 8192, `held ${sc.size}`);
    // the newest cursors still resume
    const got: string[] = [];
    assert.equal(sc.step(cursors[8999], m, 10, (k) => got.push(k)), '0');
    assert.equal(got.length, 4);
    assert.ok(sc.size <= 8192);
  });
});
