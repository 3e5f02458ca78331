/**
 * Values at Redis's 512 MB limit, against redis-server: every path that reads
 * a stored string as a number (or a sort key) gets Redis's reply instead of
 * turning half a gigabyte into one JS string. Replies here are short; the
 * bytes of a whole 512 MB value are checked in test/commands/hardening.
 */
import { it } from 'node:test';
import { describeCompat, useDiffer } from '../helpers/differ.js';

describeCompat('512 MB values against redis-server', () => {
  const d = useDiffer();

  it('counters on a 512 MB string and on a maximal bitmap', async (t) => {
    await d.run([
      ['SETRANGE', 'k', '536870911', 'x'],
      ['INCR', 'k'],
      ['DECR', 'k'],
      ['INCRBY', 'k', '1'],
      ['DECRBY', 'k', '1'],
      ['INCRBYFLOAT', 'k', '1'],
      ['STRLEN', 'k'],
      ['SETBIT', 'b', '4294967295', '1'],
      ['INCR', 'b'],
      ['INCRBY', 'b', '5'],
      ['DECRBY', 'b', '5'],
      ['INCRBYFLOAT', 'b', '1.5'],
      ['GETRANGE', 'b', '-3', '-1'],
      ['APPEND', 'b', 'x'],
      ['SETRANGE', 'b', '536870911', 'yz'],
      ['STRLEN', 'b'],
      ['DEL', 'k', 'b'],
    ]);
  });

  it('INCRBYFLOAT reads at most 5 KB as a number', async (t) => {
    await d.run([
      ['SET', 'f', '1'.repeat(5121)],
      ['INCRBYFLOAT', 'f', '1'],
      ['SET', 'f', '0'.repeat(5000) + '1'],
      ['INCRBYFLOAT', 'f', '1'],
      ['SETRANGE', 'g', '6000', '1'],
      ['INCRBYFLOAT', 'g', '1'],
    ]);
  });

  it('SORT BY a 512 MB value', async (t) => {
    await d.run([
      ['RPUSH', 'l', '1', '2', '3'],
      ['SETRANGE', 'w_1', '536870911', '7'],
      ['SET', 'w_2', '5'],
      ['SET', 'w_3', '-1'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'w_*', 'DESC'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'BY', 'w_*', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['DEL', 'w_1'],
    ]);
  });
});
