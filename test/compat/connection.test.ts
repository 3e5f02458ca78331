import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Differ, describeCompat, useDiffer } from '../helpers/differ.js';

/** HELLO's reply with the connection id (which differs between servers) blanked. */
function normId(raw: string): string {
  return raw.replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:ID\r\n');
}

/** CLIENT INFO / LIST lines reduced to their field names and the fields both servers agree on. */
function clientShape(raw: string): string[] {
  const stable = new Set(['name', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'user', 'redir', 'resp', 'cmd', 'qbuf', 'argv-mem', 'multi-mem', 'rbs']);
  const body = raw.replace(/^[$=]\d+\r\n(txt:)?/, '').replace(/\r\n$/, '');
  return body
    .split('\n')
    .filter(Boolean)
    .map((line) =>
      line
        .split(' ')
        .map((kv) => {
          const k = kv.slice(0, kv.indexOf('='));
          return stable.has(k) ? kv : k;
        })
        .join(' '),
    );
}

describeCompat('connection commands against redis-server', () => {
  const d = useDiffer();

  it('PING, ECHO, SELECT and their errors', async (t) => {
    await d.run([
      ['PING'],
      ['PING', 'hello'],
      ['PING', 'a', 'b'],
      ['ECHO'],
      ['ECHO', 'x'],
      ['ECHO', ''],
      ['SELECT', '1'],
      ['SELECT', '15'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'x'],
      ['SELECT', '0'],
      ['SELECT'],
    ]);
  });

  it('HELLO in RESP2 and RESP3, and its errors', async (t) => {
    const [a, b] = await d.pair();
    for (const args of [['HELLO'], ['HELLO', '3'], ['HELLO'], ['HELLO', '2'], ['HELLO', '3', 'SETNAME', 'conn1'], ['HELLO', '2'], ['HELLO', '2', 'AUTH', 'default', 'anything']]) {
      const [ra, rb] = await Promise.all([a.raw(...args), b.raw(...args)]);
      assert.equal(normId(ra), normId(rb), args.join(' '));
    }
    await d.run([
      ['CLIENT', 'GETNAME'],
      ['HELLO', '4'],
      ['HELLO', '1'],
      ['HELLO', 'x'],
      ['HELLO', '3', 'foo'],
      ['HELLO', '2', 'SETNAME'],
      ['HELLO', '2', 'SETNAME', 'a b'],
      ['HELLO', '2', 'AUTH', 'a'],
      ['HELLO', '2', 'AUTH', 'nosuchuser', 'x'],
    ]);
  });

  it('AUTH without a password configured', async (t) => {
    await d.run([['AUTH', 'x'], ['AUTH', 'default', 'x'], ['AUTH', 'a', 'b', 'c'], ['AUTH']]);
  });

  it('CLIENT SETNAME / GETNAME / ID / INFO / LIST', async (t) => {
    await d.run([
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'foo'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'SETNAME', 'a\nb'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME'],
      ['CLIENT', 'ID', 'x'],
      ['CLIENT', 'HELP'],
      ['CLIENT', 'NOSUCH'],
      ['CLIENT'],
      ['CLIENT', 'LIST', 'TYPE', 'foo'],
      ['CLIENT', 'LIST', 'foo'],
      ['CLIENT', 'LIST', 'ID', 'x'],
      ['CLIENT', 'LIST', 'ID', '0'],
      ['CLIENT', 'LIST', 'ID', '999999'],
      ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
      ['CLIENT', 'KILL', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'ID', 'x'],
      ['CLIENT', 'KILL', 'ID', '999999'],
      ['CLIENT', 'KILL', 'foo', 'bar'],
      ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'SKIPME', 'maybe'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'off'],
      ['CLIENT', 'REPLY', 'maybe'],
      ['CLIENT', 'PAUSE', 'x'],
      ['CLIENT', 'PAUSE', '10', 'foo'],
      ['CLIENT', 'UNPAUSE'],
      ['CLIENT', 'UNBLOCK', 'x'],
      ['CLIENT', 'UNBLOCK', '1', 'foo'],
      ['CLIENT', 'UNBLOCK', '999999'],
      ['CLIENT', 'PAUSE', '-1'],
      ['CLIENT', 'PAUSE', '0'],
      ['CLIENT', 'KILL', 'USER', 'nosuch'],
      ['CLIENT', 'KILL', 'LADDR', '1.1.1.1:1'],
      ['CLIENT', 'KILL', 'SKIPME', 'no', 'ADDR', '1.1.1.1:1'],
      ['CLIENT', 'KILL', 'ID', '0'],
      ['CLIENT', 'SETNAME', 'a:b'],
      ['CLIENT', 'GETNAME'],
      ['SELECT', '99999999999999999999'],
    ]);
    const [a, b] = await d.pair();
    await Promise.all([a.raw('CLIENT', 'SETNAME', 'me'), b.raw('CLIENT', 'SETNAME', 'me'), a.raw('SELECT', '2'), b.raw('SELECT', '2')]);
    for (const resp of ['2', '3']) {
      await Promise.all([a.raw('HELLO', resp), b.raw('HELLO', resp)]);
      const [ia, ib] = await Promise.all([a.raw('CLIENT', 'INFO'), b.raw('CLIENT', 'INFO')]);
      assert.equal(ia[0], ib[0], 'CLIENT INFO reply type');
      assert.deepEqual(clientShape(ia), clientShape(ib), `CLIENT INFO in RESP${resp}`);
      const [la, lb] = await Promise.all([a.raw('CLIENT', 'LIST', 'TYPE', 'normal'), b.raw('CLIENT', 'LIST', 'TYPE', 'normal')]);
      assert.equal(la[0], lb[0], 'CLIENT LIST reply type');
      assert.deepEqual(clientShape(la), clientShape(lb), `CLIENT LIST in RESP${resp}`);
    }
  });

  it('CLIENT REPLY OFF / SKIP / ON and CLIENT KILL of another connection', async (t) => {
    await d.send(['CLIENT', 'REPLY', 'SKIP']);
    await d.send(['PING', 'skipped']);
    await d.run([['PING', 'visible']]);
    await d.send(['CLIENT', 'REPLY', 'OFF']);
    await d.send(['PING', 'a']);
    await d.run([['CLIENT', 'REPLY', 'ON'], ['PING', 'b']]);
    await d.run([['CLIENT', 'SETNAME', 'victim']], { conn: 1 });
    await d.run([['CLIENT', 'KILL', 'USER', 'default'], ['CLIENT', 'KILL', 'USER', 'default']]);
    const [a1, b1] = await d.pair(1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(a1.closed, true);
    assert.equal(b1.closed, true);
  });

  it('RESET puts the connection back to its defaults', async (t) => {
    await d.run([
      ['CLIENT', 'SETNAME', 'x'],
      ['SELECT', '3'],
      ['MULTI'],
      ['RESET'],
      ['CLIENT', 'GETNAME'],
      ['SET', 'k', 'v'],
      ['SELECT', '0'],
      ['GET', 'k'],
      ['RESET', 'x'],
    ]);
  });

  it('with requirepass: NOAUTH, AUTH, HELLO AUTH, RESET', async (t) => {
    const p = await Differ.open({ sinew: { requirepass: 'pw' }, redis: { requirepass: 'pw' } });
    try {
      await p.run([
        ['GET', 'k'],
        ['PING'],
        ['HELLO', '3'],
        ['HELLO', '2', 'SETNAME', 'x'],
        ['AUTH', 'wrong'],
        ['AUTH', 'default', 'wrong'],
        ['AUTH', 'nosuch', 'pw'],
        ['AUTH', 'pw'],
        ['GET', 'k'],
        ['RESET'],
        ['GET', 'k'],
        ['AUTH', 'default', 'pw'],
        ['RESET'],
      ]);
      const [a, b] = await p.pair();
      const [ra, rb] = await Promise.all([a.raw('HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'me'), b.raw('HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'me')]);
      assert.equal(normId(ra), normId(rb));
      await p.run([['CLIENT', 'GETNAME'], ['HELLO', '2', 'AUTH', 'default', 'bad']]);
    } finally {
      await p.close();
    }
  });

  it('QUIT replies OK and closes', async (t) => {
    await d.run([['QUIT']]);
  });
});

describeCompat('CLIENT LIST sizes against redis-server', () => {
  const d = useDiffer({ reset: false });

  it('qbuf of the running command (inline and multibulk), argv-mem of running and blocked commands, multi-mem of a queue', async (t) => {
    await d.run([['MULTI'], ['SET', 'a', 'b'], ['GET', 'a']], { conn: 1 });
    await d.send(['BLPOP', 'q', '0'], 2);
    await d.expectSilence(2, 50);
    const [a, b] = await d.pair(0);
    const pick = (raw: string, id: number) => {
      const lines = raw.split('\n').filter((l) => l.includes(' argv-mem='));
      return lines.map((l) => l.split(' ').filter((kv) => /^(qbuf|argv-mem|multi-mem|multi|flags|cmd)=/.test(kv)).join(' '))[id];
    };
    for (const inline of [false, true]) {
      let ra: string;
      let rb: string;
      if (inline) {
        a.writeRaw('CLIENT LIST\r\n');
        b.writeRaw('CLIENT LIST\r\n');
        [ra, rb] = await Promise.all([a.nextRaw(), b.nextRaw()]);
      } else {
        [ra, rb] = await Promise.all([a.raw('CLIENT', 'LIST'), b.raw('CLIENT', 'LIST')]);
      }
      for (let i = 0; i < 3; i++) assert.equal(pick(ra, i), pick(rb, i), `client ${i}${inline ? ' (inline request)' : ''}`);
    }
    await d.run([['RPUSH', 'q', 'x']]);
    await d.expectReply(2, 'BLPOP served');
    await d.run([['EXEC']], { conn: 1 });
  });
});
