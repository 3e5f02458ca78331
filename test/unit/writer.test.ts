import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWriter } from '../../src/protocol/writer.js';
import { rng } from '../helpers/rng.js';

/** A latin1 string of n bytes covering every byte value, CR and LF included. */
function bytes(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

/** Everything the writer holds, through take() or view()+settle() as a connection would. */
function drain(w: ReplyWriter, viaView: boolean): string {
  if (viaView) {
    const v = w.view();
    if (v !== null) {
      const out = v.toString('latin1');
      w.settle(true);
      return out;
    }
  }
  const list = w.take();
  return list === null ? '' : Buffer.concat(list).toString('latin1');
}

describe('ReplyWriter', () => {
  it('writes any mix of replies byte for byte, whatever the sizes and the order of drains', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const w = new ReplyWriter();
      let expected = '';
      let got = '';
      for (let step = 0; step < 400; step++) {
        const op = r();
        if (op < 0.45) {
          // bulk sizes around every threshold: short, gathered, copied, big
          const sizes = [0, 1, 48, 49, 64, 100, 1023, 1024, 5000, 70_000];
          const n = sizes[Math.floor(r() * sizes.length)];
          const s = bytes(r, n);
          w.bulk(s);
          expected += `$${n}\r\n${s}\r\n`;
        } else if (op < 0.55) {
          const n = Math.floor(r() * 1e6) - 5e5;
          w.int(n);
          expected += `:${n}\r\n`;
        } else if (op < 0.65) {
          const n = Math.floor(r() * 200);
          w.array(n);
          expected += `*${n}\r\n`;
        } else if (op < 0.7) {
          w.ok();
          expected += '+OK\r\n';
        } else if (op < 0.75) {
          w.nullBulk();
          expected += '$-1\r\n';
        } else if (op < 0.8) {
          w.error('ERR some error');
          expected += '-ERR some error\r\n';
        } else if (op < 0.85) {
          const b = Buffer.from(bytes(r, Math.floor(r() * 300)), 'latin1');
          w.bulkBuffer(b);
          expected += `$${b.length}\r\n${b.toString('latin1')}\r\n`;
        } else if (op < 0.9) {
          w.raw('+raw\r\n');
          expected += '+raw\r\n';
        } else {
          assert.equal(w.length, expected.length - got.length, 'length counts every pending byte');
          got += drain(w, r() < 0.5);
        }
      }
      got += drain(w, r() < 0.5);
      assert.equal(w.length, 0);
      assert.equal(got.length, expected.length, `seed ${seed}`);
      assert.ok(got === expected, `seed ${seed}: output differs`);
    }
  });

  it('a long run of gathered bulks comes out whole and in order', () => {
    const w = new ReplyWriter();
    const v = 'v'.repeat(100);
    w.array(100_000);
    for (let i = 0; i < 100_000; i++) w.bulk(v);
    const out = drain(w, false);
    assert.equal(out.length, '*100000\r\n'.length + 100_000 * (v.length + 8));
    assert.ok(out.endsWith(`$100\r\n${v}\r\n`));
  });
});
