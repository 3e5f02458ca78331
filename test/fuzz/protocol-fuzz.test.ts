/**
 * Protocol fuzzing against an in-process server: seeded random and mutated
 * RESP (multibulk and inline), sent in randomly split pieces over many
 * connections. The server must never crash, must release every connection,
 * and a fresh connection must still be served afterwards. Bounded: a fixed
 * number of iterations, a few seconds in all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawClient } from '../helpers/raw-client.js';
import { encodeCommand } from '../../src/protocol/reply-reader.js';
import { rng } from '../helpers/rng.js';
import { useSinew } from '../helpers/suite.js';

/** Commands safe to run at random (nothing that stops, blocks for long, or reconfigures the server). */
const COMMANDS: string[][] = [
  ['PING'], ['ECHO', '*'], ['SET', '*', '*'], ['GET', '*'], ['DEL', '*', '*'], ['UNLINK', '*'], ['EXISTS', '*', '*'], ['TYPE', '*'],
  ['KEYS', '*'], ['SCAN', '*'], ['SCAN', '0', 'MATCH', '*', 'COUNT', '*'], ['SCAN', '*', 'TYPE', '*'], ['RANDOMKEY'],
  ['RENAME', '*', '*'], ['RENAMENX', '*', '*'], ['COPY', '*', '*', 'DB', '*'], ['MOVE', '*', '*'], ['DBSIZE'], ['TOUCH', '*'],
  ['EXPIRE', '*', '*'], ['PEXPIRE', '*', '*', '*'], ['EXPIREAT', '*', '*'], ['PEXPIREAT', '*', '*'], ['TTL', '*'], ['PTTL', '*'],
  ['EXPIRETIME', '*'], ['PEXPIRETIME', '*'], ['PERSIST', '*'], ['OBJECT', 'ENCODING', '*'], ['OBJECT', 'HELP'],
  ['INCR', '*'], ['APPEND', '*', '*'], ['SET', '*', '*', 'PX', '*'], ['SELECT', '*'], ['SWAPDB', '*', '*'], ['MULTI'], ['EXEC'],
  ['DISCARD'], ['HELLO', '*'], ['NOSUCHCOMMAND', '*'], ['FLUSHDB'],
];

function randomArg(r: () => number): string {
  const kind = Math.floor(r() * 8);
  switch (kind) {
    case 0:
      return String(Math.floor(r() * 20) - 5);
    case 1:
      return ['9223372036854775807', '-9223372036854775808', '18446744073709551616', '2147483648', '0', '-1', '1e3', ''][Math.floor(r() * 8)];
    case 2:
      return ['*', '?', '[a-z]*', 'k*', 'a*a*a*a*b', '\\', '['][Math.floor(r() * 7)];
    case 3: {
      let s = '';
      const n = Math.floor(r() * 12);
      for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
      return s;
    }
    case 4:
      return ['string', 'list', 'NX', 'XX', 'GT', 'LT', 'REPLACE', '3', '2'][Math.floor(r() * 9)];
    default:
      return `k${Math.floor(r() * 10)}`;
  }
}

function validCommand(r: () => number): Buffer {
  const tpl = COMMANDS[Math.floor(r() * COMMANDS.length)];
  return encodeCommand(tpl.map((a) => (a === '*' ? Buffer.from(randomArg(r), 'latin1') : a)));
}

function inlineCommand(r: () => number): Buffer {
  const tpl = COMMANDS[Math.floor(r() * COMMANDS.length)];
  const parts = tpl.map((a) => {
    if (a !== '*') return a;
    const v = randomArg(r).replace(/[\r\n\0]/g, '');
    const q = r();
    if (q < 0.2) return `"${v.replace(/"/g, '\\"')}"`;
    if (q < 0.3) return `'${v}`;
    if (q < 0.4) return `"\\x${Math.floor(r() * 256).toString(16)}${v}"`;
    return v.replace(/\s/g, '') || 'x';
  });
  return Buffer.from(parts.join(r() < 0.5 ? ' ' : '\t') + (r() < 0.8 ? '\r\n' : '\n'), 'latin1');
}

const SPECIAL = [0x2a, 0x24, 0x0d, 0x0a, 0x00, 0x2d, 0x22, 0x27, 0x5c, 0x20, 0x30, 0x39, 0xff];

function mutate(buf: Buffer, r: () => number): Buffer {
  const b = Buffer.from(buf);
  const out: number[] = [...b];
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const op = Math.floor(r() * 7);
    const pos = Math.floor(r() * (out.length + 1));
    switch (op) {
      case 0: // flip a byte
        if (out.length) out[Math.min(pos, out.length - 1)] = Math.floor(r() * 256);
        break;
      case 1: // insert a special byte
        out.splice(pos, 0, SPECIAL[Math.floor(r() * SPECIAL.length)]);
        break;
      case 2: // delete a byte
        out.splice(pos, 1);
        break;
      case 3: // truncate
        out.length = pos;
        break;
      case 4: { // replace a length with something hostile
        const s = Buffer.from(out).toString('latin1');
        const m = /[*$](\d+)/g;
        const all = [...s.matchAll(m)];
        if (all.length) {
          const hit = all[Math.floor(r() * all.length)];
          const rep = ['2147483647', '-1', '-2', '0', '536870912', '1073741824', '99999999999999999999', '18', '+1', '01', ' 1'][Math.floor(r() * 11)];
          const start = hit.index! + 1;
          const next = Buffer.from(s.slice(0, start) + rep + s.slice(start + hit[1].length), 'latin1');
          out.length = 0;
          out.push(...next);
        }
        break;
      }
      case 5: { // duplicate a slice
        const len = Math.floor(r() * 16);
        out.splice(pos, 0, ...out.slice(pos, pos + len));
        break;
      }
      default: // random garbage
        for (let i = 0, n = Math.floor(r() * 8); i < n; i++) out.splice(pos, 0, Math.floor(r() * 256));
    }
  }
  return Buffer.from(out);
}

function payload(r: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.35) parts.push(validCommand(r));
    else if (k < 0.5) parts.push(inlineCommand(r));
    else if (k < 0.85) parts.push(mutate(r() < 0.7 ? validCommand(r) : inlineCommand(r), r));
    else {
      const g = Buffer.alloc(Math.floor(r() * 64));
      for (let j = 0; j < g.length; j++) g[j] = r() < 0.3 ? SPECIAL[Math.floor(r() * SPECIAL.length)] : Math.floor(r() * 256);
      parts.push(g);
    }
  }
  return Buffer.concat(parts);
}

/** Sends `data` in random pieces, half-closes, and waits until the server closes (or a timeout). */
function session(port: number, data: Buffer, r: () => number): Promise<void> {
  const cuts: number[] = [];
  for (let i = 0; i < data.length; i++) if (r() < 0.15) cuts.push(i);
  cuts.push(data.length);
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.on('error', () => {});
    s.on('data', () => {});
    const t = setTimeout(() => {
      s.destroy();
      resolve();
    }, 2000);
    s.on('close', () => {
      clearTimeout(t);
      resolve();
    });
    s.once('connect', async () => {
      let from = 0;
      for (const c of cuts) {
        if (s.destroyed) break;
        s.write(data.subarray(from, c));
        from = c;
        await new Promise((res) => setImmediate(res));
      }
      s.end();
    });
  });
}

describe('protocol fuzzing', () => {
  const { server: srv } = useSinew({}, { client: false });

  it('random and mutated RESP never crashes the server; it keeps serving', async () => {
    const r = rng(20261129);
    const ITER = 800;
    const PAR = 4;
    for (let i = 0; i < ITER; i += PAR) {
      const batch: Promise<void>[] = [];
      for (let j = 0; j < PAR; j++) batch.push(session(srv.port, payload(r), r));
      await Promise.all(batch);
      if (i % 100 === 0) {
        const c = await RawClient.connect(srv.port);
        assert.equal(await c.raw('PING'), '+PONG\r\n');
        c.close();
      }
    }
    // a fresh connection is served, and the keyspace is still walkable
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.raw('PING'), '+PONG\r\n');
    assert.equal(typeof (await c.call('DBSIZE')), 'number');
    let cursor = '0';
    let calls = 0;
    do {
      const reply = (await c.call('SCAN', cursor, 'COUNT', '50')) as [string, string[]];
      cursor = reply[0];
      assert.ok(++calls < 10000);
    } while (cursor !== '0');
    assert.ok(Array.isArray(await c.call('KEYS', '*')));
    // every fuzzing connection was released
    const deadline = Date.now() + 2000;
    while (srv.server.clients.size > 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    assert.equal(srv.server.clients.size, 1, 'only the checking client is left');
    c.close();
  });
});
