/**
 * Embedding: startServer() from the package's entry point, several servers in
 * one process with nothing shared, the url field, and close() freeing the port.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';

function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function cmd(port: number, ...args: string[]): Promise<unknown> {
  const c = await RawClient.connect(port);
  try {
    c.send(...args);
    return await c.next();
  } finally {
    c.close();
  }
}

describe('embedding Sinew', () => {
  it('startServer({ port: 0 }) picks a free port and reports it in port and url', async () => {
    const s = await startServer({ port: 0 });
    try {
      assert.ok(Number.isInteger(s.port) && s.port > 0 && s.port < 65536);
      assert.equal(s.host, '127.0.0.1');
      assert.equal(s.url, `redis://127.0.0.1:${s.port}`);
      assert.equal(new URL(s.url).port, String(s.port));
      assert.equal(await cmd(s.port, 'PING'), 'PONG');
      // Clients accept the url as is.
      const io = new Redis(s.url, { lazyConnect: true });
      io.on('error', () => {});
      await io.connect();
      assert.equal(await io.set('via', 'ioredis'), 'OK');
      io.disconnect();
      const nr = createClient({ url: s.url });
      nr.on('error', () => {});
      await nr.connect();
      assert.equal(await nr.get('via'), 'ioredis');
      nr.destroy();
    } finally {
      await s.close();
    }
  });

  it('several servers in one process share no state', async () => {
    const a = await startServer({ port: 0 });
    const b = await startServer({ port: 0, databases: 2 });
    try {
      assert.notEqual(a.port, b.port);
      assert.notEqual(a.server, b.server);
      // Keyspace.
      assert.equal(await cmd(a.port, 'SET', 'k', 'in-a'), 'OK');
      assert.equal(await cmd(b.port, 'GET', 'k'), null);
      assert.equal(await cmd(b.port, 'SET', 'k', 'in-b'), 'OK');
      assert.equal(await cmd(a.port, 'GET', 'k'), 'in-a');
      assert.equal(await cmd(b.port, 'FLUSHALL'), 'OK');
      assert.equal(await cmd(a.port, 'DBSIZE'), 1);
      // Configuration: given at start and changed at run time.
      assert.equal(await cmd(a.port, 'SELECT', '5'), 'OK');
      assert.ok(String(await cmd(b.port, 'SELECT', '5')).includes('DB index is out of range'));
      assert.equal(await cmd(a.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'), 'OK');
      assert.deepEqual(await cmd(b.port, 'CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
      assert.deepEqual(await cmd(a.port, 'CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'allkeys-lru']);
      // Identity and statistics.
      const runId = (p: number) => cmd(p, 'INFO', 'server').then((x) => /run_id:(\w+)/.exec(String(x))?.[1]);
      assert.notEqual(await runId(a.port), await runId(b.port));
      const before = /total_commands_processed:(\d+)/.exec(String(await cmd(b.port, 'INFO', 'stats')))?.[1];
      for (let i = 0; i < 5; i++) await cmd(a.port, 'PING');
      const after = /total_commands_processed:(\d+)/.exec(String(await cmd(b.port, 'INFO', 'stats')))?.[1];
      assert.equal(Number(after), Number(before) + 1); // only b's own INFO call
      // Client ids count per server.
      const ca = await RawClient.connect(a.port);
      const cb = await RawClient.connect(b.port);
      try {
        ca.send('CLIENT', 'SETNAME', 'only-in-a');
        await ca.next();
        cb.send('CLIENT', 'LIST');
        assert.ok(!String(await cb.next()).includes('only-in-a'));
        // Pub/sub: a subscriber on a does not hear b's publishes.
        ca.send('SUBSCRIBE', 'ch');
        await ca.next();
        assert.equal(await cmd(b.port, 'PUBLISH', 'ch', 'x'), 0);
        assert.equal(await cmd(a.port, 'PUBLISH', 'ch', 'y'), 1);
      } finally {
        ca.close();
        cb.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('requirepass on one server does not affect another', async () => {
    const locked = await startServer({ port: 0, requirepass: 'secret' });
    const open = await startServer({ port: 0 });
    try {
      assert.match(String(await cmd(locked.port, 'GET', 'k')), /^NOAUTH Authentication required\.$/);
      assert.equal(await cmd(open.port, 'GET', 'k'), null);
      const io = new Redis({ port: locked.port, host: '127.0.0.1', password: 'secret', lazyConnect: true });
      io.on('error', () => {});
      await io.connect();
      assert.equal(await io.ping(), 'PONG');
      io.disconnect();
    } finally {
      await locked.close();
      await open.close();
    }
  });

  it('close() disconnects clients, frees the port, and the port can be reused', async () => {
    const s = await startServer({ port: 0 });
    const port = s.port;
    const c = await RawClient.connect(port);
    c.send('SET', 'k', 'v');
    assert.equal(await c.next(), 'OK');
    const closed = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (c.closed) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    await s.close();
    await closed; // the connected client was dropped
    assert.equal(await canConnect(port), false);
    // The same port is free for a new server, which starts empty.
    const again = await startServer({ port });
    try {
      assert.equal(again.port, port);
      assert.equal(await cmd(port, 'GET', 'k'), null);
    } finally {
      await again.close();
    }
    assert.equal(await canConnect(port), false);
  });

  it('a port already in use makes startServer reject', async () => {
    const s = await startServer({ port: 0 });
    try {
      await assert.rejects(startServer({ port: s.port }));
      // The running server is unaffected.
      assert.equal(await cmd(s.port, 'PING'), 'PONG');
    } finally {
      await s.close();
    }
  });

  it('many servers started and closed in a loop leave nothing listening', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await startServer({ port: 0 });
      ports.push(s.port);
      assert.equal(await cmd(s.port, 'INCR', 'n'), 1); // fresh each time
      await s.close();
    }
    for (const p of ports) assert.equal(await canConnect(p), false);
  });

  it('SHUTDOWN from a client stops an embedded server', async () => {
    const s = await startServer({ port: 0 });
    const c = await RawClient.connect(s.port);
    c.send('SHUTDOWN', 'NOSAVE');
    // Redis closes the connection without a reply.
    for (let i = 0; i < 200 && !c.closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(c.closed, true);
    for (let i = 0; i < 200 && (await canConnect(s.port)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await canConnect(s.port), false);
    await s.close(); // closing an already stopped server is harmless
  });
});
