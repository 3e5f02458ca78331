import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { encodeCommand } from '../../src/protocol/reply-reader.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every connection's bytes are read into one buffer that the next read
 * overwrites: whatever a client has not consumed yet must survive other
 * clients' reads.
 */
describe('connections: reads into a shared buffer', () => {
  it("a blocked client's pipelined commands survive other clients' reads", async () => {
    const s = await startServer({ port: 0 });
    try {
      const a = await RawClient.connect(s.port);
      const b = await RawClient.connect(s.port);
      a.writeRaw(Buffer.concat([encodeCommand(['BLPOP', 'q', '0']), encodeCommand(['SET', 'x', 'from-a']), encodeCommand(['GET', 'x'])]));
      await sleep(50);
      // other clients' reads go through the same buffer meanwhile
      const filler = 'f'.repeat(30000);
      for (let i = 0; i < 5; i++) assert.equal(await b.call('SET', `k${i}`, filler), 'OK');
      assert.equal(await b.call('GET', 'x'), null, 'the blocked client ran nothing after BLPOP');
      assert.equal(await b.call('RPUSH', 'q', 'v'), 1);
      assert.deepEqual(await a.next(), ['q', 'v']);
      assert.equal(await a.next(), 'OK');
      assert.equal(await a.next(), 'from-a');
      a.close();
      b.close();
    } finally {
      await s.close();
    }
  });

  it('frames split across reads, interleaved with other clients, arrive intact', async () => {
    const s = await startServer({ port: 0 });
    try {
      const a = await RawClient.connect(s.port);
      const b = await RawClient.connect(s.port);
      // a big bulk (gathered in pieces) and a small one, each sent in parts
      const big = Buffer.alloc(200_000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
      const small = Buffer.from('abc\x00\xff\r\ndef');
      for (const [key, value] of [['big', big], ['small', small]] as const) {
        const frame = encodeCommand(['SET', key, value]);
        const cuts = [1, 9, 17, Math.floor(frame.length / 2), frame.length - 3, frame.length];
        let at = 0;
        for (const cut of cuts) {
          if (cut <= at) continue;
          a.writeRaw(frame.subarray(at, cut));
          at = cut;
          await sleep(5);
          assert.equal(await b.call('SET', 'noise', 'n'.repeat(5000)), 'OK');
        }
        assert.equal(await a.next(), 'OK');
      }
      const got = await new Promise<Buffer>((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1');
        const parts: Buffer[] = [];
        sock.on('data', (d) => {
          parts.push(d);
          const all = Buffer.concat(parts);
          if (all.length >= big.length + 11) {
            sock.destroy();
            resolve(all);
          }
        });
        sock.on('error', reject);
        sock.write(encodeCommand(['GET', 'big']));
      });
      assert.equal(got.subarray(0, 10).toString('latin1'), '$200000\r\n' + String.fromCharCode(big[0]));
      assert.ok(got.subarray(9, 9 + big.length).equals(big), 'the big value is byte for byte what was sent');
      const r = await a.call('STRLEN', 'small');
      assert.equal(r, small.length);
      const c = await RawClient.connect(s.port);
      assert.equal(await c.raw('GET', 'small'), `$${small.length}\r\n${small.toString('latin1')}\r\n`);
      a.close();
      b.close();
      c.close();
    } finally {
      await s.close();
    }
  });

  it('a client that does not read is paused, then served in full once it reads again', async () => {
    const s = await startServer({ port: 0 });
    try {
      const setup = await RawClient.connect(s.port);
      const big = 'b'.repeat(1024 * 1024);
      assert.equal(await setup.call('SET', 'big', big), 'OK');
      const n = 24;
      const expected = n * (big.length + '$1048576\r\n\r\n'.length) + '$4\r\ndone\r\n'.length;
      const got = await new Promise<number>((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1');
        let total = 0;
        let tail = '';
        sock.on('error', reject);
        sock.on('connect', () => {
          sock.pause(); // replies pile up (24 MB): the server stops reading this client
          const frames: Buffer[] = [];
          for (let i = 0; i < n; i++) frames.push(encodeCommand(['GET', 'big']));
          sock.write(Buffer.concat(frames));
          // sent once the server has stopped reading: served only after it resumes
          setTimeout(() => sock.write(encodeCommand(['ECHO', 'done'])), 100);
          setTimeout(() => {
            sock.on('data', (d: Buffer) => {
              total += d.length;
              tail = (tail + d.toString('latin1')).slice(-12);
              if (tail.endsWith('$4\r\ndone\r\n')) {
                sock.destroy();
                resolve(total);
              }
            });
            sock.resume();
          }, 300);
        });
      });
      assert.equal(got, expected, 'every reply arrives, in order, after the pause');
      // the server kept serving others meanwhile and still does
      assert.equal(await setup.call('PING'), 'PONG');
      setup.close();
    } finally {
      await s.close();
    }
  });

  it('a half-closed client gets its replies, then the connection closes', async () => {
    const s = await startServer({ port: 0 });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1');
        let out = '';
        sock.on('data', (d) => (out += d.toString('latin1')));
        sock.on('close', () => resolve(out));
        sock.on('error', reject);
        sock.end('PING\r\nECHO hi\r\n');
      });
      assert.equal(reply, '+PONG\r\n$2\r\nhi\r\n');
    } finally {
      await s.close();
    }
  });
});
