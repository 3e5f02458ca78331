import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ZSet, ZTree, cmpKey } from '../../src/types/zset.js';
import { strtodWhole } from '../../src/commands/zsets.js';
import { rng } from '../helpers/rng.js';

/** The model: a plain sorted array of [score, member]. */
class Model {
  items: [number, string][] = [];
  private find(m: string): number {
    return this.items.findIndex((x) => x[1] === m);
  }
  set(m: string, s: number): void {
    const i = this.find(m);
    if (i >= 0) this.items.splice(i, 1);
    this.items.push([s, m]);
    this.items.sort((a, b) => cmpKey(a[0], a[1], b[0], b[1]));
  }
  delete(m: string): boolean {
    const i = this.find(m);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  rank(m: string): number {
    return this.find(m);
  }
}

function contents(z: ZSet): [number, string][] {
  const out: [number, string][] = [];
  z.tree.each(0, z.size, false, (m, s) => {
    out.push([s, m]);
  });
  return out;
}

function randMember(r: () => number, space: number): string {
  const n = Math.floor(r() * space);
  // a few binary members and shared prefixes to exercise byte order
  if (n % 7 === 0) return 'm\x00' + n;
  if (n % 11 === 0) return '\xff' + n;
  return 'm' + n;
}

function randScore(r: () => number): number {
  const x = r();
  if (x < 0.3) return Math.floor(r() * 10); // many equal scores
  if (x < 0.35) return [Infinity, -Infinity, 0, -0][Math.floor(r() * 4)];
  return (r() - 0.5) * 1000;
}

describe('ZTree / ZSet against a sorted array model', () => {
  for (const [seed, ops, space] of [
    [1, 3000, 50],
    [2, 6000, 400],
    [3, 20000, 3000],
  ] as const) {
    it(`random operations (seed ${seed}, ${ops} ops, ${space} members)`, () => {
      const r = rng(seed);
      const z = new ZSet();
      z.listpack = false; // keep -0 as given, like a skiplist
      const model = new Model();
      for (let op = 0; op < ops; op++) {
        const x = r();
        if (x < 0.45) {
          const m = randMember(r, space);
          const s = randScore(r);
          const old = z.score(m);
          z.set(m, s);
          if (old === undefined || old !== s) model.set(m, s);
        } else if (x < 0.7) {
          const m = randMember(r, space);
          assert.equal(z.delete(m), model.delete(m));
        } else if (x < 0.8) {
          const m = randMember(r, space);
          assert.equal(z.rank(m), model.rank(m));
        } else if (x < 0.85 && model.items.length > 0) {
          // range deletion by rank
          const a = Math.floor(r() * model.items.length);
          const len = Math.floor(r() * Math.min(200, model.items.length - a + 1));
          const removed: string[] = [];
          const n = z.deleteRange(a, a + len, (m) => removed.push(m));
          const gone = model.items.splice(a, len);
          assert.equal(n, gone.length);
          assert.deepEqual(removed, gone.map((g) => g[1]));
        } else if (x < 0.9 && model.items.length > 0) {
          const k = Math.floor(r() * model.items.length);
          assert.equal(z.tree.memberAt(k), model.items[k][1]);
          assert.equal(z.tree.scoreAt(k), model.items[k][0]);
        } else if (x < 0.95) {
          // countBefore with a score bound, and reverse iteration
          const b = randScore(r);
          const got = z.tree.countBefore((s) => s < b);
          assert.equal(got, model.items.filter((it) => it[0] < b).length);
          const lo = Math.floor(r() * (model.items.length + 1));
          const hi = Math.min(model.items.length, lo + Math.floor(r() * 100));
          const rev: string[] = [];
          z.tree.each(lo, hi, true, (m) => {
            rev.push(m);
          });
          assert.deepEqual(rev, model.items.slice(lo, hi).map((i) => i[1]).reverse());
        } else {
          // lex bound
          const b = randMember(r, space);
          assert.equal(
            z.tree.countBefore((s, m) => cmpKey(s, m, 5, b) < 0),
            model.items.filter((it) => cmpKey(it[0], it[1], 5, b) < 0).length,
          );
        }
        if (op % 500 === 0) z.tree.check();
        assert.equal(z.size, model.items.length);
      }
      z.tree.check();
      assert.deepEqual(contents(z), model.items);
      const c = z.clone();
      c.tree.check();
      assert.deepEqual(contents(c), model.items);
      assert.equal(c.size, z.size);
    });
  }

  it('deletes everything in ranges and by popping, and stays consistent', () => {
    const z = new ZSet();
    for (let i = 0; i < 5000; i++) z.set('k' + i, i % 97);
    z.tree.check();
    assert.equal(z.deleteRange(100, 4000), 3900);
    z.tree.check();
    assert.equal(z.size, 1100);
    while (z.size > 0) {
      const m = z.tree.memberAt(z.size - 1);
      assert.ok(z.delete(m));
    }
    z.tree.check();
    assert.equal(z.tree.size, 0);
    z.set('a', 1);
    assert.equal(z.rank('a'), 0);
    z.tree.check();
  });

  it('keeps its invariants through big range deletions and regrowth (three levels)', () => {
    const r = rng(4);
    const z = new ZSet();
    z.listpack = false;
    const model: [number, string][] = [];
    const add = (m: string, s: number) => {
      if (z.has(m)) return;
      z.set(m, s);
      model.push([s, m]);
    };
    for (let i = 0; i < 20000; i++) add('k' + Math.floor(r() * 1e9), Math.floor(r() * 1000));
    model.sort((a, b) => cmpKey(a[0], a[1], b[0], b[1]));
    z.tree.check();
    for (let round = 0; round < 60; round++) {
      const a = Math.floor(r() * model.length);
      const len = Math.floor(r() * (round % 3 === 0 ? 5000 : 300));
      const n = z.deleteRange(a, a + len);
      const gone = model.splice(a, len);
      assert.equal(n, gone.length);
      for (const g of gone) assert.equal(z.score(g[1]), undefined);
      for (let i = 0; i < 200; i++) {
        const m = 'n' + Math.floor(r() * 1e9);
        const s = Math.floor(r() * 1000);
        if (!z.has(m)) {
          z.set(m, s);
          const pos = model.findIndex((x) => cmpKey(x[0], x[1], s, m) > 0);
          model.splice(pos < 0 ? model.length : pos, 0, [s, m]);
        }
      }
      z.tree.check();
      assert.equal(z.size, model.length);
      assert.equal(z.tree.size, model.length);
      const k = Math.floor(r() * model.length);
      assert.equal(z.tree.memberAt(k), model[k][1]);
      assert.equal(z.rank(model[k][1]), k);
    }
    assert.deepEqual(contents(z), model);
    assert.equal(z.deleteRange(0, z.size), model.length);
    z.tree.check();
    assert.equal(z.size, 0);
  });

  it('builds from unsorted pairs', () => {
    const ms: string[] = [];
    const ss: number[] = [];
    for (let i = 0; i < 3000; i++) {
      ms.push('x' + ((i * 7919) % 3000));
      ss.push((i * 31) % 17);
    }
    const z = ZSet.fromPairs(ms, ss);
    z.tree.check();
    const sorted = ms.map((m, i) => [ss[i], m] as [number, string]).sort((a, b) => cmpKey(a[0], a[1], b[0], b[1]));
    assert.deepEqual(contents(z), sorted);
    for (let i = 0; i < 3000; i += 37) assert.equal(z.rank(sorted[i][1]), i);
    assert.equal(ZTree.fromSorted([], []).size, 0);
  });

  it('orders members as bytes and keeps -0 only outside listpacks', () => {
    const z = new ZSet();
    z.set('b', 1);
    z.set('a\xff', 1);
    z.set('a', 1);
    z.set('a\x00', 1);
    assert.deepEqual(contents(z).map((x) => x[1]), ['a', 'a\x00', 'a\xff', 'b']);
    z.set('z', -0);
    assert.ok(Object.is(z.score('z'), 0));
    z.listpack = false;
    z.set('y', -0);
    assert.ok(Object.is(z.score('y'), -0));
    z.set('y', 0); // equal score: no change
    assert.ok(Object.is(z.score('y'), -0));
  });

  it('tracks the listpack encoding limits', () => {
    const z = new ZSet();
    assert.equal(z.encoding(), 'listpack');
    z.checkGrowth(128, 64, 128, 64);
    assert.equal(z.encoding(), 'listpack');
    z.checkGrowth(129, 1, 128, 64);
    assert.equal(z.encoding(), 'skiplist');
    const y = new ZSet();
    y.checkGrowth(1, 65, 128, 64);
    assert.equal(y.clone().encoding(), 'skiplist');
  });

  it('parses range bounds with strtod rules', () => {
    const cases: [string, number | null][] = [
      ['', 0],
      ['1.5', 1.5],
      [' \t1', 1],
      ['   ', null],
      ['1 ', null],
      ['1\x00junk', 1],
      ['\x00', 0],
      ['inf', Infinity],
      ['-Infinity', -Infinity],
      ['nan', null],
      ['1e400', Infinity],
      ['-1e400', -Infinity],
      ['1e-400', 0],
      ['0x10', 16],
      ['0x1p-2', 0.25],
      ['0x.8', 0.5],
      ['0x', null],
      ['.5', 0.5],
      ['5.', 5],
      ['+3', 3],
      ['abc', null],
      ['--1', null],
    ];
    for (const [input, want] of cases) assert.equal(strtodWhole(input), want, JSON.stringify(input));
  });
});
