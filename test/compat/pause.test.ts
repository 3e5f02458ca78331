/**
 * CLIENT PAUSE against redis-server: what is held back is decided from the
 * command (after lookup), held clients wait with their command and are
 * released in order by CLIENT UNPAUSE or when the pause ends.
 */
import { it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeCompat, useDiffer } from '../helpers/differ.js';
import type { RawClient } from '../helpers/raw-client.js';

async function infoField(c: RawClient, section: string, field: string): Promise<string | undefined> {
  const text = (await c.call('INFO', section)) as string;
  for (const line of text.split('\r\n')) if (line.startsWith(field + ':')) return line.slice(field.length + 1);
  return undefined;
}

describeCompat('CLIENT PAUSE against redis-server', () => {
  const d = useDiffer({ reset: false });
  beforeEach(async () => {
    await d.run([['CLIENT', 'UNPAUSE']]);
    await d.reset();
  });

  it('PAUSE WRITE holds SET, PUBLISH and scripts that may write; reads and no-writes scripts answer at once', async (t) => {
    await d.run([['SET', 'k', 'old'], ['CLIENT', 'PAUSE', '10000', 'WRITE']]);
    await d.send(['SET', 'k', 'new'], 1);
    await d.expectSilence(1, 200);
    await d.run([['GET', 'k'], ['EXISTS', 'k'], ['EVAL', "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])", '1', 'k']], { conn: 2 });
    await d.send(['PUBLISH', 'ch', 'm'], 3);
    await d.send(['EVAL', "return redis.call('GET', KEYS[1])", '1', 'k'], 4);
    await d.expectSilence(3, 100);
    await d.expectSilence(4, 100);
    // held clients count as blocked, with no timeout
    const [ours, theirs] = await d.pair(2);
    for (const c of [ours, theirs]) {
      assert.equal(await infoField(c, 'clients', 'blocked_clients'), '3');
      assert.equal(await infoField(c, 'clients', 'clients_in_timeout_table'), '0');
    }
    await d.run([['CLIENT', 'UNPAUSE']]);
    await d.expectReply(1, 'the held SET');
    await d.expectReply(3, 'the held PUBLISH');
    await d.expectReply(4, 'the held EVAL');
    await d.run([['GET', 'k']]);
  });

  it('inside MULTI a write is held while queueing; EXEC of reads runs, EXEC holding a write waits', async (t) => {
    await d.run([['SET', 'k', '1'], ['MULTI'], ['GET', 'k']], { conn: 1 });
    await d.run([['MULTI'], ['GET', 'k']], { conn: 2 });
    await d.run([['CLIENT', 'PAUSE', '10000', 'WRITE']]);
    await d.run([['EXEC']], { conn: 2 });
    await d.send(['INCR', 'k'], 1);
    await d.expectSilence(1, 150);
    await d.run([['CLIENT', 'UNPAUSE']]);
    await d.expectReply(1, 'INCR queued after the pause');
    await d.run([['EXEC']], { conn: 1 });
  });

  it('PAUSE ALL holds every command, and the pause ends by itself', async (t) => {
    await d.run([['CLIENT', 'PAUSE', '400', 'ALL']]);
    const start = Date.now();
    await d.send(['GET', 'k'], 1);
    await d.send(['PING'], 2);
    await d.expectReply(1, 'GET after the pause ended', 3000);
    await d.expectReply(2, 'PING after the pause ended', 3000);
    const waited = Date.now() - start;
    assert.ok(waited >= 300, `replies came after ${waited} ms`);
  });

  it('a held write waits for the pause to end by itself (about its length)', async (t) => {
    await d.run([['CLIENT', 'PAUSE', '500', 'WRITE']]);
    const [ours, theirs] = await d.pair(1);
    const timed = async (c: RawClient) => {
      const t0 = Date.now();
      const r = await c.raw('SET', 'k', 'v');
      return { r, ms: Date.now() - t0 };
    };
    const [a, b] = await Promise.all([timed(ours), timed(theirs)]);
    assert.equal(a.r, b.r);
    assert.ok(a.ms >= 350 && a.ms < 2000, `Sinew held SET for ${a.ms} ms`);
    assert.ok(b.ms >= 350 && b.ms < 2000, `Redis held SET for ${b.ms} ms`);
  });
});
