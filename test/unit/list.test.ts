import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListValue } from '../../src/types/list.js';
import { rng } from '../helpers/rng.js';

function check(l: ListValue, model: string[], label: string): void {
  assert.equal(l.length, model.length, `length after ${label}`);
  assert.deepEqual(l.toArray(), model, `contents after ${label}`);
}

describe('ListValue', () => {
  it('basic deque operations', () => {
    const l = new ListValue();
    assert.equal(l.type, 'list');
    assert.equal(l.encoding(), 'quicklist');
    assert.equal(l.popHead(), undefined);
    assert.equal(l.popTail(), undefined);
    l.pushTail('b');
    l.pushHead('a');
    l.pushTail('c');
    assert.deepEqual(l.toArray(), ['a', 'b', 'c']);
    assert.equal(l.at(-1), 'c');
    assert.equal(l.at(-3), 'a');
    assert.equal(l.at(-4), undefined);
    assert.equal(l.at(3), undefined);
    const c = l.clone();
    c.set(0, 'z');
    assert.equal(l.get(0), 'a');
    assert.deepEqual([...c], ['z', 'b', 'c']);
  });

  it('binary-safe values', () => {
    const l = ListValue.from(['\x00\xff', '', '\r\n']);
    assert.deepEqual(l.toArray(), ['\x00\xff', '', '\r\n']);
    assert.equal(l.removeValue('', 0), 1);
    assert.deepEqual(l.toArray(), ['\x00\xff', '\r\n']);
  });

  for (const seed of [1, 2, 3, 42]) {
    it(`matches an array model on random operations (seed ${seed})`, () => {
      const r = rng(seed);
      const l = new ListValue();
      const model: string[] = [];
      const val = () => String.fromCharCode(97 + Math.floor(r() * 4));
      for (let step = 0; step < 3000; step++) {
        const op = Math.floor(r() * 11);
        // bias towards growth early, towards shrinking later, so both ring wrap and shrink happen
        const growBias = step % 1000 < 600;
        let label = '';
        switch (op) {
          case 0:
          case 1: {
            const v = val();
            if (growBias || r() < 0.3) {
              l.pushHead(v);
              model.unshift(v);
              label = `pushHead ${v}`;
            }
            break;
          }
          case 2:
          case 3: {
            const v = val();
            if (growBias || r() < 0.3) {
              l.pushTail(v);
              model.push(v);
              label = `pushTail ${v}`;
            }
            break;
          }
          case 4:
            assert.equal(l.popHead(), model.shift());
            label = 'popHead';
            break;
          case 5:
            assert.equal(l.popTail(), model.pop());
            label = 'popTail';
            break;
          case 6: {
            const i = Math.floor(r() * (model.length + 1));
            const v = val();
            l.insertAt(i, v);
            model.splice(i, 0, v);
            label = `insertAt ${i}`;
            break;
          }
          case 7: {
            if (model.length === 0) break;
            const i = Math.floor(r() * model.length);
            assert.equal(l.removeAt(i), model.splice(i, 1)[0]);
            label = `removeAt ${i}`;
            break;
          }
          case 8: {
            const v = val();
            const count = Math.floor(r() * 7) - 3;
            let removed = 0;
            if (count >= 0) {
              const lim = count === 0 ? Infinity : count;
              for (let i = 0; i < model.length && removed < lim; ) {
                if (model[i] === v) {
                  model.splice(i, 1);
                  removed++;
                } else i++;
              }
            } else {
              for (let i = model.length - 1; i >= 0 && removed < -count; i--) {
                if (model[i] === v) {
                  model.splice(i, 1);
                  removed++;
                }
              }
            }
            assert.equal(l.removeValue(v, count), removed, `removeValue ${v} ${count}`);
            label = `removeValue ${v} ${count}`;
            break;
          }
          case 9: {
            const n = Math.floor(r() * 4);
            if (r() < 0.5) {
              l.dropHead(n);
              model.splice(0, n);
              label = `dropHead ${n}`;
            } else {
              l.dropTail(n);
              model.splice(Math.max(0, model.length - n), n);
              label = `dropTail ${n}`;
            }
            break;
          }
          case 10: {
            if (model.length === 0) break;
            const i = Math.floor(r() * model.length);
            const v = val();
            l.set(i, v);
            model[i] = v;
            assert.equal(l.get(i), v);
            assert.equal(l.at(i - model.length), v);
            label = `set ${i}`;
            break;
          }
        }
        if (step % 50 === 0 || label.startsWith('insert') || label.startsWith('remove')) check(l, model, `${step}: ${label}`);
        else assert.equal(l.length, model.length, `length at ${step}: ${label}`);
      }
      check(l, model, 'end');
      if (model.length > 0) {
        const s = Math.floor(model.length / 3);
        assert.deepEqual(l.slice(s, model.length - 1), model.slice(s));
      }
    });
  }
});
