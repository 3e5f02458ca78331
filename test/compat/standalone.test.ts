import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer } from '../helpers/differ.js';

describeCompat('standalone-only commands against redis-server', () => {
  const d = useDiffer();

  it('WAIT with no replicas, cluster-only commands', async (t) => {
    await d.run([
      ['WAIT', '0', '0'],
      ['WAIT', '1', '200'],
      ['WAIT', 'x', '1'],
      ['WAIT', '1', '-1'],
      ['WAIT', '1', 'y'],
      ['READONLY'],
      ['READWRITE'],
      ['ASKING'],
      ['MULTI'],
      ['WAIT', '1', '0'],
      ['EXEC'],
    ]);
  });

  it('ROLE is a master without replicas', async (t) => {
    const [a, b] = await d.pair(0);
    const ours = (await a.call('ROLE')) as unknown[];
    const theirs = (await b.call('ROLE')) as unknown[];
    assert.equal(ours[0], theirs[0]);
    assert.equal(ours[0], 'master');
    assert.equal(typeof ours[1], 'number');
    assert.deepEqual(ours[2], theirs[2]);
  });

  it('a blocked WAIT can be released by CLIENT UNBLOCK', async (t) => {
    const [a] = await d.pair(0);
    const [b] = await d.pair(1);
    const id = await a.call('CLIENT', 'ID');
    a.send('WAIT', '1', '0');
    assert.equal(await a.silent(100), true);
    assert.equal(await b.raw('CLIENT', 'UNBLOCK', String(id)), ':1\r\n');
    assert.equal(await a.nextRaw(), ':0\r\n');
  });
});
