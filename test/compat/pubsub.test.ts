import { it } from 'node:test';
import { describeCompat, useDiffer } from '../helpers/differ.js';

describeCompat('pub/sub against redis-server', () => {
  const d = useDiffer();

  it('unsubscribe with nothing subscribed, PUBSUB introspection, HELP, errors', async (t) => {
    await d.run([
      ['UNSUBSCRIBE'],
      ['PUNSUBSCRIBE'],
      ['SUNSUBSCRIBE'],
      ['PUBSUB', 'HELP'],
      ['PUBSUB', 'NUMSUB', 'a', 'b'],
      ['PUBSUB', 'NUMSUB'],
      ['PUBSUB', 'SHARDNUMSUB', 'a'],
      ['PUBSUB', 'NUMPAT'],
      ['PUBSUB', 'CHANNELS'],
      ['PUBSUB', 'SHARDCHANNELS'],
      ['PUBSUB', 'chanNels', 'a', 'b'],
      ['PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
      ['PUBSUB', 'FOO'],
      ['PUBSUB'],
      ['PUBSUB', 'NUMPAT', 'x'],
      ['PUBLISH', 'nobody', 'x'],
      ['SPUBLISH', 'nobody', 'x'],
      ['PUBLISH', 'a'],
      ['SUBSCRIBE'],
    ]);
  });

  it('subscription counts, duplicates, unsubscribe-all and leaving subscribed mode (RESP2)', async (t) => {
    await d.run([
      ['SUBSCRIBE', 'a', 'b', 'a'],
      ['SSUBSCRIBE', 'x', 'y'],
      ['PSUBSCRIBE', 'p*', 'p*', 'q?'],
      ['PING'],
      ['PING', 'hello'],
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['MULTI'],
      ['UNSUBSCRIBE', 'b', 'nope'],
      ['PUNSUBSCRIBE'],
      ['SUNSUBSCRIBE', 'y'],
    ]);
    await d.run([['PUBSUB', 'NUMPAT'], ['PUBSUB', 'NUMSUB', 'a', 'b'], ['PUBSUB', 'SHARDNUMSUB', 'x', 'y']], { conn: 1 });
    await d.run([['PUBSUB', 'CHANNELS'], ['PUBSUB', 'CHANNELS', 'a*'], ['PUBSUB', 'SHARDCHANNELS', '?']], { conn: 1, unordered: true });
    await d.run([
      ['UNSUBSCRIBE'],
      ['PING'],
      ['SUNSUBSCRIBE'],
      ['PING'],
      ['GET', 'k'],
    ]);
  });

  it('messages: channel, patterns, shard, one delivery per subscription, ordering', async (t) => {
    await d.run([['SUBSCRIBE', 'news.1', 'other']], { conn: 0 });
    await d.expectReply(0);
    await d.run([['PSUBSCRIBE', 'news.*']], { conn: 1 });
    await d.run([['SSUBSCRIBE', 'news.1']], { conn: 2 });
    await d.run([['PUBLISH', 'news.1', 'm1']], { conn: 3 });
    await d.expectReply(0, 'message on channel');
    await d.expectReply(1, 'pmessage');
    await d.expectSilence(2, 50);
    await d.run([['SPUBLISH', 'news.1', 's1']], { conn: 3 });
    await d.expectReply(2, 'smessage');
    await d.run([['PUBLISH', 'news.2', 'm2'], ['PUBLISH', 'other', 'm3'], ['PUBLISH', 'news.1', 'm4']], { conn: 3 });
    await d.expectReply(1, 'pmessage news.2');
    await d.expectReply(0, 'message other');
    await d.expectReply(0, 'message news.1');
    await d.expectReply(1, 'pmessage news.1');
    // a client subscribed to a channel and to a matching pattern gets both
    await d.run([['PSUBSCRIBE', 'oth*']], { conn: 0 });
    await d.run([['PUBLISH', 'other', 'both']], { conn: 3 });
    await d.expectReply(0, 'message');
    await d.expectReply(0, 'pmessage');
    // binary payloads
    await d.run([['PUBLISH', 'other', Buffer.from([0, 255, 13, 10, 200])]], { conn: 3 });
    await d.expectReply(0, 'binary message');
    await d.expectReply(0, 'binary pmessage');
  });

  it('RESP3: confirmations and messages are push frames, interleaved with replies', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([
      ['UNSUBSCRIBE'],
      ['PUNSUBSCRIBE', 'x'],
      ['SUBSCRIBE', 'c1'],
      ['PSUBSCRIBE', 'c*'],
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['PUBSUB', 'NUMSUB', 'c1'],
      ['PING'],
      ['PING', 'x'],
    ]);
    // publishing to itself: the messages come before the PUBLISH reply
    await d.send(['PUBLISH', 'c1', 'self']);
    await d.expectReply(0, 'message');
    await d.expectReply(0, 'pmessage');
    await d.expectReply(0, 'publish reply');
    await d.run([['PUBLISH', 'c1', 'x']], { conn: 1 });
    await d.expectReply(0, 'message');
    await d.expectReply(0, 'pmessage');
    await d.run([['UNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['GET', 'k']]);
  });

  it('subscribe inside MULTI, SSUBSCRIBE refused there, RESET leaves subscribed mode', async (t) => {
    await d.run([
      ['MULTI'],
      ['SUBSCRIBE', 'q'],
      ['SSUBSCRIBE', 'z'],
      ['PUBLISH', 'q', 'in-multi'],
      ['EXEC'],
      ['GET', 'x'],
      ['EXEC'],
      ['DISCARD'],
      ['RESET'],
      ['GET', 'x'],
      ['PUBSUB', 'NUMSUB', 'q'],
    ]);
  });

  it('a closed subscriber is removed', async (t) => {
    await d.run([['SUBSCRIBE', 'gone']], { conn: 1 });
    const [a, b] = await d.pair(1);
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 50));
    await d.run([['PUBLISH', 'gone', 'x'], ['PUBSUB', 'NUMSUB', 'gone'], ['PUBSUB', 'CHANNELS']]);
  });

  it('RESP3: pushes still arrive while replies are off or skipped, own keyspace events before the reply', async (t) => {
    await d.run([['HELLO', '3']], { typeOnly: true });
    await d.run([['SUBSCRIBE', 'x']]);
    await d.send(['CLIENT', 'REPLY', 'OFF']);
    await d.send(['PUBLISH', 'x', 'self']);
    await d.expectReply(0, 'own message with replies off');
    await d.run([['PUBLISH', 'x', 'other']], { conn: 1 });
    await d.expectReply(0, 'message with replies off');
    await d.run([['CLIENT', 'REPLY', 'ON']]);
    await d.send(['CLIENT', 'REPLY', 'SKIP']);
    await d.send(['PUBLISH', 'x', 'skipped']);
    await d.expectReply(0, 'own message, reply skipped');
    await d.run([['PING']]);
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']], { conn: 1 });
    await d.run([['PSUBSCRIBE', '__key*__:*']]);
    await d.send(['SET', 'k', 'v']);
    await d.expectReply(0, 'keyspace event');
    await d.expectReply(0, 'keyevent event');
    await d.expectReply(0, 'SET reply');
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', '']], { conn: 1 });
  });
});

describeCompat('subscriptions under CLIENT REPLY OFF against redis-server', () => {
  const d = useDiffer({ reset: false });

  for (const resp of ['2', '3']) {
    it(`confirmations and messages still arrive (RESP${resp})`, async (t) => {
      await d.run([['HELLO', resp]], { typeOnly: true, conn: Number(resp) });
      await d.send(['CLIENT', 'REPLY', 'OFF'], Number(resp));
      await d.send(['SUBSCRIBE', 'ch', 'other'], Number(resp));
      await d.expectReply(Number(resp), 'subscribe confirmation');
      await d.expectReply(Number(resp), 'second subscribe confirmation');
      await d.send(['PSUBSCRIBE', 'c*'], Number(resp));
      await d.expectReply(Number(resp), 'psubscribe confirmation');
      await d.run([['PUBLISH', 'ch', 'hello' + resp]]);
      await d.expectReply(Number(resp), 'message');
      await d.expectReply(Number(resp), 'pmessage');
      await d.send(['UNSUBSCRIBE', 'other'], Number(resp));
      await d.expectReply(Number(resp), 'unsubscribe confirmation');
      await d.expectSilence(Number(resp), 50);
    });
  }
});
