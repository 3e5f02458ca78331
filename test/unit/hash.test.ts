import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RHash, SMALL } from '../../src/types/hash.js';
import { rng } from '../helpers/rng.js';

function check(h: RHash, model: Map<string, string>): void {
  assert.equal(h.size, model.size);
  if (h.listpack) {
    assert.equal(h.table, null);
    assert.equal(h.kv.length, 2 * model.size);
    if (h.index !== null) {
      assert.equal(h.index.size, model.size);
      for (let i = 0; i < h.size; i++) assert.equal(h.index.get(h.kv[2 * i]), i);
    } else assert.ok(h.size <= SMALL, 'only small hashes go without an index');
    // a listpack keeps insertion order, updates in place: what a JS Map does
    assert.deepEqual(h.fields, [...model.keys()]);
  } else {
    // a hashtable is the field -> value Map alone
    assert.equal(h.kv.length, 0);
    assert.equal(h.index, null);
    assert.equal(h.table!.size, model.size);
  }
  const seen = new Map<string, string>();
  h.forEach((f, v) => seen.set(f, v));
  assert.deepEqual([...seen].sort(), [...model].sort());
  const pairs = h.pairs();
  assert.equal(pairs.length, 2 * model.size);
  for (let i = 0; i < pairs.length; i += 2) assert.equal(model.get(pairs[i]), pairs[i + 1]);
  const fields = h.fields;
  const values = h.values;
  for (let i = 0; i < fields.length; i++) assert.equal(model.get(fields[i]), values[i]);
  for (const [f, v] of model) {
    assert.equal(h.get(f), v);
    assert.ok(h.has(f));
  }
}

describe('RHash', () => {
  it('matches a model under random operations, with Redis encoding rules', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const maxEntries = 1 + Math.floor(r() * 60);
      const maxValue = 2 + Math.floor(r() * 6);
      const h = new RHash();
      const model = new Map<string, string>();
      let listpack = true;
      for (let step = 0; step < 400; step++) {
        const f = 'f' + Math.floor(r() * 40);
        const op = r();
        if (op < 0.6) {
          const v = 'v'.repeat(1 + Math.floor(r() * (maxValue + 1)));
          if (f.length > maxValue || v.length > maxValue) listpack = false;
          const isNew = h.set(f, v, maxEntries, maxValue);
          assert.equal(isNew, !model.has(f));
          model.set(f, v);
          if (isNew && model.size > maxEntries) listpack = false;
        } else if (op < 0.88) {
          assert.equal(h.delete(f), model.delete(f));
        } else if (op < 0.9) {
          if (model.size > 0) assert.ok(model.has(h.randomField()));
        } else {
          assert.equal(h.get(f), model.get(f));
          assert.equal(h.has(f), model.has(f));
        }
        assert.equal(h.listpack, listpack, `encoding at seed ${seed} step ${step}`);
        assert.equal(h.encoding(), listpack ? 'listpack' : 'hashtable');
        check(h, model);
      }
    }
  });

  it('tryConversion converts on any long argument, once', () => {
    const h = new RHash();
    h.set('a', '1', 512, 64);
    h.tryConversion(['hset', 'k', 'a', 'x'.repeat(64)], 2, 64);
    assert.equal(h.encoding(), 'listpack');
    h.tryConversion(['hset', 'k', 'x'.repeat(65), '1'], 2, 64);
    assert.equal(h.encoding(), 'hashtable');
    h.delete('a');
    assert.equal(h.encoding(), 'hashtable');
  });

  it('clone is deep', () => {
    const h = new RHash();
    h.set('a', '1', 512, 64);
    h.set('b', '2', 512, 64);
    const c = h.clone();
    c.set('a', 'z', 512, 64);
    c.delete('b');
    assert.equal(h.get('a'), '1');
    assert.equal(h.get('b'), '2');
    assert.equal(c.size, 1);
    assert.ok(['a', 'b'].includes(h.randomField()));
    h.convert();
    const d = h.clone();
    d.delete('a');
    assert.equal(h.get('a'), '1');
    assert.equal(d.size, 1);
  });

  it('random fields of a hashtable reach every field, roughly evenly', () => {
    const h = new RHash();
    for (let i = 0; i < 1000; i++) h.set('f' + i, 'v' + i, 128, 64);
    assert.equal(h.encoding(), 'hashtable');
    const hits = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const f = h.randomField();
      hits.set(f, (hits.get(f) ?? 0) + 1);
    }
    assert.equal(hits.size, 1000, 'every field is picked');
    // 100 picks each on average; no field should be starved or favoured tenfold
    for (const n of hits.values()) assert.ok(n > 10 && n < 1000, `a field picked ${n} times`);
  });
});
