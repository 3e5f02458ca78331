import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RSet, compareIntStrings, SMALL } from '../../src/types/set.js';
import { rng } from '../helpers/rng.js';

function checkInvariants(s: RSet, model: Set<string>): void {
  assert.equal(s.size, model.size);
  assert.equal(new Set(s.members).size, model.size);
  if (s.index !== null) {
    assert.equal(s.index.size, model.size);
    for (let i = 0; i < s.members.length; i++) assert.equal(s.index.get(s.members[i]), i);
  } else {
    assert.ok(s.size <= SMALL, 'only small sets go without an index');
  }
  for (const m of model) assert.ok(s.has(m), `missing ${m}`);
}

describe('RSet', () => {
  it('compareIntStrings orders 64-bit integers numerically', () => {
    const xs = ['0', '-1', '1', '9', '10', '-10', '-9', '9223372036854775807', '-9223372036854775808', '123', '-123', '99', '100'];
    const sorted = xs.slice().sort(compareIntStrings);
    const expected = xs.slice().sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    assert.deepEqual(sorted, expected);
    assert.equal(compareIntStrings('5', '5'), 0);
  });

  it('matches a model under random operations, with Redis encoding rules', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const max = 1 + Math.floor(r() * 60);
      const s = new RSet(true);
      const model = new Set<string>();
      let intset = true;
      for (let step = 0; step < 400; step++) {
        const op = r();
        const m = r() < 0.01 ? 'x' + Math.floor(r() * 5) : String(Math.floor(r() * 60) - 20);
        if (op < 0.55) {
          const added = s.add(m, max);
          assert.equal(added, !model.has(m));
          if (added) {
            model.add(m);
            if (!/^(0|-?[1-9]\d*)$/.test(m) || model.size > max) intset = false;
          }
        } else if (op < 0.85) {
          assert.equal(s.delete(m), model.delete(m));
        } else if (op < 0.87) {
          s.memberMap(); // as SSCAN does: the index appears early and stays
        } else if (op < 0.95 && model.size > 0) {
          const p = s.pop();
          assert.ok(model.delete(p));
        } else {
          assert.equal(s.has(m), model.has(m));
        }
        assert.equal(s.intset, intset, `encoding at seed ${seed} step ${step}`);
        assert.equal(s.encoding(), intset ? 'intset' : 'hashtable');
        checkInvariants(s, model);
        if (step % 37 === 0) {
          const o = s.ordered();
          assert.equal(o.length, model.size);
          if (s.intset) {
            for (let i = 1; i < o.length; i++) assert.ok(BigInt(o[i - 1]) < BigInt(o[i]), 'intset order');
          }
          checkInvariants(s, model);
        }
      }
    }
  });

  it('treats only canonical integers as intset members', () => {
    for (const m of ['01', '+1', ' 1', '-0', '1.0', '9223372036854775808', '-9223372036854775809', '']) {
      const s = RSet.forMember('1');
      s.add('1', 512);
      assert.equal(s.encoding(), 'intset');
      s.add(m, 512);
      assert.equal(s.encoding(), 'hashtable', m);
    }
    assert.equal(RSet.forMember('-9223372036854775808').encoding(), 'intset');
    assert.equal(RSet.forMember('a').encoding(), 'hashtable');
  });

  it('conversion is one-way and clone is deep', () => {
    const s = RSet.from(['1', '2', '3'], 3);
    assert.equal(s.encoding(), 'intset');
    s.add('4', 3);
    assert.equal(s.encoding(), 'hashtable');
    s.delete('4');
    assert.equal(s.encoding(), 'hashtable');
    const c = s.clone();
    c.add('9', 3);
    c.delete('1');
    assert.equal(s.size, 3);
    assert.ok(s.has('1') && !s.has('9'));
    assert.equal(c.size, 3);
  });

  it('random picks every member eventually', () => {
    const s = RSet.from(['a', 'b', 'c'], 512);
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 3; i++) seen.add(s.random());
    assert.equal(seen.size, 3);
  });
});

describe('set command helpers', () => {
  it('randomPositions returns k distinct positions below n, by both strategies', async () => {
    const { randomPositions } = await import('../../src/commands/sets.js');
    for (const [n, k] of [[10, 1], [10, 9], [10, 3], [1000, 5], [1000, 400], [2, 1]]) {
      const p = randomPositions(n, k);
      assert.equal(p.length, k);
      assert.equal(new Set(p).size, k);
      for (const i of p) assert.ok(Number.isInteger(i) && i >= 0 && i < n);
    }
  });
});
