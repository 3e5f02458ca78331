import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { Crc64, crc64 } from '../../src/persistence/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/persistence/lzf.js';
import { ListpackWriter, listpackEntries, listpackEntrySize } from '../../src/persistence/listpack.js';
import { ziplistEntries } from '../../src/persistence/ziplist.js';
import { intsetEncode, intsetDecode } from '../../src/persistence/intset.js';
import { zipmapPairs } from '../../src/persistence/zipmap.js';

// ---------------------------------------------------------------- helpers

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Bytes of a given size: 'random' (incompressible), or drawn from a small alphabet with repeats. */
function sample(r: () => number, size: number, kind: 'random' | 'compressible' | 'runs'): Buffer {
  const b = Buffer.alloc(size);
  if (kind === 'random') for (let i = 0; i < size; i++) b[i] = Math.floor(r() * 256);
  else if (kind === 'runs') {
    let i = 0;
    while (i < size) {
      const c = Math.floor(r() * 256);
      const n = 1 + Math.floor(r() * 300);
      for (let k = 0; k < n && i < size; k++) b[i++] = c;
    }
  } else {
    const words = ['alpha ', 'beta ', 'gamma ', 'delta ', 'the ', 'quick ', 'x', 'yy', '\n'];
    let i = 0;
    while (i < size) {
      if (r() < 0.1 && i > 50) {
        // copy an earlier stretch (far back sometimes, to reach large offsets)
        const back = 1 + Math.floor(r() * Math.min(i, r() < 0.5 ? 9000 : 200));
        const n = 3 + Math.floor(r() * 300);
        for (let k = 0; k < n && i < size; k++, i++) b[i] = b[i - back];
      } else {
        const w = words[Math.floor(r() * words.length)];
        for (let k = 0; k < w.length && i < size; k++) b[i++] = w.charCodeAt(k);
      }
    }
  }
  return b;
}

/** Naive LZF decoder straight from the format description, to check the compressor independently. */
function naiveLzfDecode(c: Buffer): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < c.length) {
    const ctrl = c[i++];
    if (ctrl < 32) for (let k = 0; k <= ctrl; k++) out.push(c[i++]);
    else {
      let len = ctrl >> 5;
      if (len === 7) len += c[i++];
      const off = ((ctrl & 31) << 8) + c[i++] + 1;
      for (let k = 0; k < len + 2; k++) out.push(out[out.length - off]);
    }
  }
  return Buffer.from(out);
}

/** A tiny RESP client: one command at a time, replies as Buffer / number / string / array / Error. */
type Reply = Buffer | number | string | null | Error | Reply[];
class Resp {
  private buf = Buffer.alloc(0);
  private waiting: ((r: Reply) => void)[] = [];
  constructor(private sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const r = this.parse(0);
        if (!r) break;
        this.buf = this.buf.subarray(r[1]);
        this.waiting.shift()!(r[0]);
      }
    });
  }
  static connect(port: number): Promise<Resp> {
    return new Promise((res, rej) => {
      const s = net.connect(port, '127.0.0.1', () => res(new Resp(s)));
      s.on('error', rej);
    });
  }
  private parse(p: number): [Reply, number] | null {
    const nl = this.buf.indexOf('\r\n', p);
    if (nl < 0) return null;
    const t = String.fromCharCode(this.buf[p]);
    const line = this.buf.toString('latin1', p + 1, nl);
    if (t === '+') return [line, nl + 2];
    if (t === '-') return [new Error(line), nl + 2];
    if (t === ':') return [Number(line), nl + 2];
    if (t === '$') {
      const n = Number(line);
      if (n < 0) return [null, nl + 2];
      if (this.buf.length < nl + 2 + n + 2) return null;
      return [Buffer.from(this.buf.subarray(nl + 2, nl + 2 + n)), nl + 2 + n + 2];
    }
    if (t === '*') {
      const n = Number(line);
      const arr: Reply[] = [];
      let q = nl + 2;
      for (let i = 0; i < n; i++) {
        const r = this.parse(q);
        if (!r) return null;
        arr.push(r[0]);
        q = r[1];
      }
      return [arr, q];
    }
    throw new Error('bad reply ' + t);
  }
  call(...args: (string | Buffer)[]): Promise<Reply> {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    return new Promise((res) => {
      this.waiting.push(res);
      this.sock.write(Buffer.concat(parts));
    });
  }
  close(): void {
    this.sock.end();
  }
}

/** RDB length (rdbLoadLen): returns [value, bytes used]; special encodings as [-(enc+1), 1]. */
function rdbLen(b: Buffer, p: number): [number, number] {
  const t = b[p] >> 6;
  if (t === 0) return [b[p] & 0x3f, 1];
  if (t === 1) return [((b[p] & 0x3f) << 8) | b[p + 1], 2];
  if (t === 3) return [-((b[p] & 0x3f) + 1), 1];
  if (b[p] === 0x80) return [b.readUInt32BE(p + 1), 5];
  return [Number(b.readBigUInt64BE(p + 1)), 9];
}

/** An RDB string at p: { raw, lzf?, next }; lzf holds the compressed bytes when stored LZF (0xC3). */
function rdbString(b: Buffer, p: number): { raw: Buffer; lzf?: Buffer; next: number } {
  const [n, used] = rdbLen(b, p);
  if (n === -4) {
    const [clen, u1] = rdbLen(b, p + 1);
    const [len, u2] = rdbLen(b, p + 1 + u1);
    const s = p + 1 + u1 + u2;
    const lzf = b.subarray(s, s + clen);
    const raw = lzfDecompress(lzf, len);
    assert.ok(raw, 'redis LZF payload decompresses');
    return { raw, lzf, next: s + clen };
  }
  assert.ok(n >= 0, 'integer-encoded strings not expected here');
  return { raw: b.subarray(p + used, p + used + n), next: p + used + n };
}

/** Checks a DUMP payload's trailer (RDB version 10, CRC64 of the rest) and returns the body. */
function dumpBody(d: Buffer): Buffer {
  const body = d.subarray(0, d.length - 10);
  assert.equal(d.readUInt16LE(d.length - 10), 10, 'RDB version 10');
  assert.deepEqual(crc64(d.subarray(0, d.length - 8)), d.subarray(d.length - 8), 'crc64 trailer');
  return body;
}

// ---------------------------------------------------------------- redis-server

const REDIS = '/usr/bin/redis-server';
let server: ChildProcess | null = null;
let client: Resp | null = null;

async function startRedis(): Promise<Resp | null> {
  if (!existsSync(REDIS)) return null;
  const port = await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  server = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      return await Resp.connect(port);
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start');
}

before(async () => {
  client = await startRedis();
});
after(() => {
  client?.close();
  server?.kill();
});

// ---------------------------------------------------------------- CRC64

describe('crc64', () => {
  it('matches the check value of "123456789"', () => {
    const c = new Crc64().update(Buffer.from('123456789'));
    assert.equal(c.hex(), 'e9c6d914c4b8d9ca');
    assert.deepEqual(crc64(Buffer.from('123456789')), Buffer.from('cad9b8c414d9c6e9', 'hex'));
    assert.equal(new Crc64().hex(), '0000000000000000');
  });

  it('incremental update equals one-shot, with start/end slices', () => {
    const r = rng(1);
    const data = sample(r, 5000, 'random');
    const whole = crc64(data);
    for (let t = 0; t < 200; t++) {
      const c = new Crc64();
      let p = 0;
      while (p < data.length) {
        const n = Math.min(data.length - p, Math.floor(r() * 40));
        c.update(data, p, p + n);
        p += n;
      }
      assert.deepEqual(c.digest(), whole);
    }
    // bit-by-bit reference for short inputs
    for (let n = 0; n < 40; n++) {
      const d = data.subarray(0, n);
      let crc = 0n;
      for (const byte of d) {
        crc ^= BigInt(byte);
        for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
      }
      assert.equal(new Crc64().update(d).hex(), crc.toString(16).padStart(16, '0'));
    }
  });

  it('checksums 100 MB in well under a second', () => {
    const big = Buffer.alloc(100 * 1024 * 1024, 0x5a);
    const t0 = performance.now();
    crc64(big);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });
});

// ---------------------------------------------------------------- LZF

describe('lzf', () => {
  it('round trips random, compressible and run data of many sizes', () => {
    const r = rng(2);
    for (const kind of ['random', 'compressible', 'runs'] as const) {
      for (const size of [1, 2, 3, 4, 5, 7, 16, 31, 32, 33, 64, 100, 255, 264, 265, 1000, 4096, 8191, 8192, 8193, 20000, 70000]) {
        const input = sample(r, size, kind);
        const out = Buffer.alloc(size + (size >> 4) + 64); // worst case: a header per 32 literals
        const n = lzfCompress(input, out);
        assert.ok(n > 0, `${kind} ${size} compresses into a roomy buffer`);
        const c = out.subarray(0, n);
        assert.deepEqual(lzfDecompress(c, size), input, `${kind} ${size}`);
        assert.deepEqual(naiveLzfDecode(c), input, `${kind} ${size} (naive decoder)`);
        if (kind !== 'random' && size >= 1000) assert.ok(n < size / 2, `${kind} ${size} compresses (${n})`);
        // as Redis calls it: room for len - 4 bytes, 0 when it does not fit
        if (size > 4) {
          const tight = Buffer.alloc(size - 4);
          const m = lzfCompress(input, tight);
          if (m > 0) assert.deepEqual(tight.subarray(0, m), c);
          else assert.ok(n > size - 4 - 5, 'lzf_compress gives up only within its few bytes of safety margin');
          // every smaller output buffer either fits exactly the same bytes or reports 0
          const small = Buffer.alloc(Math.max(1, n - 1));
          assert.equal(lzfCompress(input, small), 0);
        }
      }
    }
    assert.equal(lzfCompress(Buffer.alloc(0), Buffer.alloc(10)), 0);
    assert.deepEqual(lzfDecompress(Buffer.alloc(0), 0), Buffer.alloc(0));
  });

  it('rejects malformed input without throwing', () => {
    // back reference before the start
    assert.equal(lzfDecompress(Buffer.from([0x20, 0x00]), 3), null);
    assert.equal(lzfDecompress(Buffer.from([0x00, 0x61, 0x20, 0x01]), 4), null);
    // truncated literal run, truncated back reference
    assert.equal(lzfDecompress(Buffer.from([0x05, 0x61]), 6), null);
    assert.equal(lzfDecompress(Buffer.from([0x00, 0x61, 0x20]), 4), null);
    assert.equal(lzfDecompress(Buffer.from([0x00, 0x61, 0xe0, 0x05]), 20), null);
    // output overrun, and output shorter than promised
    assert.equal(lzfDecompress(Buffer.from([0x02, 0x61, 0x62, 0x63]), 2), null);
    assert.equal(lzfDecompress(Buffer.from([0x02, 0x61, 0x62, 0x63]), 4), null);
    assert.deepEqual(lzfDecompress(Buffer.from([0x00, 0x61, 0x20, 0x00]), 4), Buffer.from('aaaa'));

    const r = rng(3);
    let nulls = 0;
    for (let t = 0; t < 3000; t++) {
      const input = sample(r, 1 + Math.floor(r() * 3000), t % 3 === 0 ? 'runs' : 'compressible');
      const out = Buffer.alloc(input.length + (input.length >> 4) + 64);
      const c = Buffer.from(out.subarray(0, lzfCompress(input, out)));
      const flips = 1 + Math.floor(r() * 3);
      for (let k = 0; k < flips; k++) c[Math.floor(r() * c.length)] ^= 1 << Math.floor(r() * 8);
      const cut = r() < 0.3 ? c.subarray(0, Math.floor(r() * c.length)) : c;
      const len = r() < 0.2 ? Math.floor(r() * input.length * 2) : input.length;
      const d = lzfDecompress(cut, len);
      if (d === null) nulls++;
      else assert.equal(d.length, len);
    }
    assert.ok(nulls > 0);
  });

  it('produces the bytes redis-server writes in DUMP payloads', async (t) => {
    if (!client) return t.skip('redis-server not installed');
    const r = rng(4);
    const inputs: Buffer[] = [
      Buffer.from('a'.repeat(100)),
      Buffer.from(
        'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again, ' +
          'and then the lazy dog jumps over the quick brown fox. Repeats: abcabcabcabcabcabcabcabc, ' +
          'xyzxyzxyzxyz, the end of the quick brown fox story, with the lazy dog sleeping soundly ever after.',
      ),
      Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'), // incompressible: stored raw
    ];
    for (let i = 0; i < 40; i++) {
      const size = 21 + Math.floor(r() * (i < 30 ? 3000 : 40000));
      inputs.push(sample(r, size, i % 4 === 0 ? 'runs' : i % 7 === 0 ? 'random' : 'compressible'));
    }
    for (let n = 30; n < 60; n++) inputs.push(Buffer.from('q' + 'ab'.repeat(n) + 'Z'.repeat(n % 5)));
    // A match starting 19 or 20 bytes before the end (maxlen 17 or 18): lzf_c.c's
    // unrolled 16-byte compare lets it run to the last byte, past maxlen; a plain
    // `while (len < maxlen)` loop would stop 2 bytes short and emit a literal run.
    const edge: Buffer[] = [];
    const P = Buffer.from('Zkq3jv8w0pLmN4rT6yXbC1dF9gH2sA5eU7iO');
    for (const tail of [17, 18, 19, 20, 21, 22, 35]) edge.push(Buffer.concat([Buffer.from('#'), P, P.subarray(0, tail)]));
    inputs.push(...edge);
    let compared = 0;
    for (const input of inputs) {
      await client.call('SET', 'k', input);
      const d = (await client.call('DUMP', 'k')) as Buffer;
      const body = dumpBody(d);
      assert.equal(body[0], 0, 'string type');
      const s = rdbString(body, 1);
      assert.equal(s.next, body.length);
      assert.deepEqual(s.raw, input);
      const tight = Buffer.alloc(input.length - 4);
      const n = lzfCompress(input, tight);
      if (s.lzf) {
        assert.deepEqual(tight.subarray(0, n), s.lzf, `LZF bytes for a ${input.length}-byte input`);
        compared++;
      } else {
        assert.equal(n, 0, 'redis stored it raw, so compression must not fit');
      }
    }
    assert.ok(compared > 30);
    // the edge case above really is one (a 19-byte match in 42 bytes of output)
    const e19 = Buffer.alloc(100);
    assert.equal(lzfCompress(edge[2], e19), 42);
  });

  it('gives the same bytes whatever was compressed before (hash table reuse)', () => {
    const r = rng(9);
    const x = sample(r, 5000, 'compressible');
    const o1 = Buffer.alloc(6000);
    const n1 = lzfCompress(x, o1);
    lzfCompress(sample(r, 70000, 'compressible'), Buffer.alloc(80000));
    const o2 = Buffer.alloc(6000);
    assert.equal(lzfCompress(x, o2), n1);
    assert.deepEqual(o2.subarray(0, n1), o1.subarray(0, n1));
  });
});

// ---------------------------------------------------------------- listpack

const HASH_VALUES = [
  '0', '1', '127', '128', '-1', '4095', '-4096', '4096', '-4097', '32767', '-32768', '32768', '8388607', '-8388608',
  '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '-9223372036854775809', '007', '-0', '+1', '1.5', ' 1', '', 'x', 'x'.repeat(63),
  'y'.repeat(64), 'z'.repeat(127), 'w'.repeat(128), 'v'.repeat(4095), 'u'.repeat(4096), '\x00\xff\x80bin',
  '12345678901234567890', '99999999999999999999',
];

describe('listpack', () => {
  it('writer output equals the listpack in a redis-server DUMP of a small hash', async (t) => {
    if (!client) return t.skip('redis-server not installed');
    assert.equal(await client.call('CONFIG', 'SET', 'hash-max-listpack-value', '100000'), 'OK');
    await client.call('DEL', 'h');
    const w = new ListpackWriter();
    for (let i = 0; i < HASH_VALUES.length; i++) {
      const f = i % 3 === 0 ? String(i) : `f${i}`;
      await client.call('HSET', 'h', f, HASH_VALUES[i]);
      w.appendString(f);
      w.appendString(HASH_VALUES[i]);
    }
    assert.equal(String(await client.call('OBJECT', 'ENCODING', 'h')), 'listpack');
    const body = dumpBody((await client.call('DUMP', 'h')) as Buffer);
    assert.equal(body[0], 16, 'RDB_TYPE_HASH_LISTPACK');
    const s = rdbString(body, 1);
    assert.equal(s.next, body.length);
    const mine = w.finish();
    assert.equal(w.bytes, mine.length);
    assert.equal(w.count, HASH_VALUES.length * 2);
    assert.deepEqual(mine, s.raw);
    if (s.lzf) {
      const tight = Buffer.alloc(mine.length - 4);
      assert.deepEqual(tight.subarray(0, lzfCompress(mine, tight)), s.lzf, 'LZF of the listpack blob');
    }
    const entries = listpackEntries(s.raw)!;
    const canon = (v: string) => (/^-?[1-9][0-9]{0,18}$|^0$/.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n ? BigInt(v).toString() : v);
    assert.deepEqual(entries.filter((_, i) => i % 2 === 1), HASH_VALUES.map(canon));
    // entry sizes add up to the blob
    let total = 7;
    for (let i = 0; i < HASH_VALUES.length; i++) total += listpackEntrySize(i % 3 === 0 ? String(i) : `f${i}`) + listpackEntrySize(HASH_VALUES[i]);
    assert.equal(total, mine.length);
  });

  it('listpack of a small list matches redis-server too (quicklist node)', async (t) => {
    if (!client) return t.skip('redis-server not installed');
    await client.call('DEL', 'l');
    const vals = ['a', '1', '-5', '300', 'hello world', '70000', '-70000', 'b'.repeat(70)];
    await client.call('RPUSH', 'l', ...vals);
    const body = dumpBody((await client.call('DUMP', 'l')) as Buffer);
    assert.equal(body[0], 18, 'RDB_TYPE_LIST_QUICKLIST_2');
    let p = 1;
    const [nodes, u] = rdbLen(body, p);
    assert.equal(nodes, 1);
    p += u;
    const [container, u2] = rdbLen(body, p);
    assert.equal(container, 2, 'QUICKLIST_NODE_CONTAINER_PACKED');
    p += u2;
    const s = rdbString(body, p);
    const w = new ListpackWriter();
    for (const v of vals) w.appendString(v);
    assert.deepEqual(w.finish(), s.raw);
  });

  it('encodes every width, with appendInt for numbers and bigints', () => {
    const w = new ListpackWriter();
    const ints: (number | bigint)[] = [0, 127, 128, -1, 4095, -4096, 4096, 32767, -32769, 8388607, -8388609, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53), 2n ** 63n - 1n, -(2n ** 63n)];
    for (const v of ints) w.appendInt(v);
    const lp = w.finish();
    assert.deepEqual(listpackEntries(lp), ints.map(String));
    assert.throws(() => new ListpackWriter().appendInt(2n ** 63n));
    assert.throws(() => new ListpackWriter().appendInt(1.5));
    // sizes: 1-byte encodings of 7-bit uints, 13-bit in 2 bytes, etc (+1 backlen)
    assert.deepEqual(['5', '-5', '5000', '-70000', '3000000000', 'abc', 'a'.repeat(64), 'a'.repeat(4096)].map(listpackEntrySize), [2, 3, 4, 5, 10, 5, 67, 4101 + 2]);
    const big = new ListpackWriter();
    big.appendString('a'.repeat(16383 - 5));
    big.appendString('b'.repeat(16383 - 4));
    big.appendString('c'.repeat(2097151 - 5));
    const e = listpackEntries(big.finish())!;
    assert.deepEqual(e.map((x) => x.length), [16378, 16379, 2097146]);
  });

  it('round trips many entries; header count saturates at 65535', () => {
    const r = rng(5);
    const vals: string[] = [];
    const w = new ListpackWriter();
    for (let i = 0; i < 70000; i++) {
      const k = r();
      const v = k < 0.3 ? String(Math.floor((r() - 0.5) * 2 ** (1 + Math.floor(r() * 60)))) : k < 0.9 ? 'v' + i : sample(r, Math.floor(r() * 100), 'random').toString('latin1');
      vals.push(v);
      w.appendString(v);
    }
    const lp = w.finish();
    assert.equal(lp.readUInt16LE(4), 65535);
    const got = listpackEntries(lp)!;
    assert.equal(got.length, vals.length);
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      const asInt = /^(0|-?[1-9][0-9]*)$/.test(v) && v.length <= 20 && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n;
      assert.equal(got[i], asInt ? BigInt(v).toString() : v);
    }
  });

  it('rejects truncations, bit flips and bad headers without throwing', () => {
    const w = new ListpackWriter();
    for (const v of HASH_VALUES) w.appendString(v);
    const lp = w.finish();
    assert.ok(listpackEntries(lp));
    assert.equal(listpackEntries(lp.subarray(0, 6)), null);
    for (let n = 0; n < lp.length; n++) {
      const cut = Buffer.from(lp.subarray(0, n));
      assert.equal(listpackEntries(cut), null);
      if (n >= 7) {
        // a consistent-looking header and terminator on a truncated body
        cut.writeUInt32LE(n, 0);
        cut[n - 1] = 0xff;
        assert.equal(listpackEntries(cut), null, `cut at ${n}`);
      }
    }
    const wrongCount = Buffer.from(lp);
    wrongCount.writeUInt16LE(3, 4);
    assert.equal(listpackEntries(wrongCount), null);
    wrongCount.writeUInt16LE(65535, 4);
    assert.ok(listpackEntries(wrongCount));
    const badBacklen = new ListpackWriter();
    badBacklen.appendString('abc');
    badBacklen.appendString('de');
    const bb = badBacklen.finish();
    bb[10] = 5; // backlen of 'abc' should be 4
    assert.equal(listpackEntries(bb), null);
    assert.deepEqual(listpackEntries(bb, false), ['abc', 'de']);
    const r = rng(6);
    let accepted = 0;
    for (let t = 0; t < 20000; t++) {
      const m = Buffer.from(lp);
      const flips = 1 + Math.floor(r() * 2);
      for (let k = 0; k < flips; k++) m[Math.floor(r() * m.length)] ^= 1 << Math.floor(r() * 8);
      const e = listpackEntries(m, r() < 0.5);
      if (e) accepted++;
    }
    assert.ok(accepted < 20000);
  });
});

// ---------------------------------------------------------------- ziplist

/** Ziplist built by hand from ziplist.c's format description. */
function zipEntry(prevlen: number, enc: number[], data: number[]): number[] {
  const pl = prevlen < 254 ? [prevlen] : [0xfe, prevlen & 0xff, (prevlen >>> 8) & 0xff, (prevlen >>> 16) & 0xff, prevlen >>> 24];
  return [...pl, ...enc, ...data];
}
function zipStr(s: string): [number[], number[]] {
  const n = s.length;
  const data = [...Buffer.from(s, 'latin1')];
  if (n < 64) return [[n], data];
  if (n < 16384) return [[0x40 | (n >> 8), n & 0xff], data];
  return [[0x80, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff], data];
}
function le(v: bigint, bytes: number): number[] {
  const out: number[] = [];
  let u = BigInt.asUintN(bytes * 8, v);
  for (let i = 0; i < bytes; i++, u >>= 8n) out.push(Number(u & 0xffn));
  return out;
}
function buildZiplist(items: [number[], number[]][], opts: { count?: number } = {}): Buffer {
  const body: number[] = [];
  let prev = 0;
  let tail = 10;
  for (const [enc, data] of items) {
    tail = 10 + body.length;
    const e = zipEntry(prev, enc, data);
    prev = e.length;
    body.push(...e);
  }
  const size = 10 + body.length + 1;
  const hdr = [...le(BigInt(size), 4), ...le(BigInt(tail), 4), ...le(BigInt(opts.count ?? items.length), 2)];
  return Buffer.from([...hdr, ...body, 0xff]);
}

describe('ziplist', () => {
  const items: [number[], number[]][] = [
    zipStr('hello'),
    zipStr(''),
    zipStr('x'.repeat(300)), // 14-bit length, and a 5-byte prevlen after it
    zipStr('y'.repeat(17000)), // 32-bit length
    [[0xfe], le(-5n, 1)],
    [[0xc0], le(-30000n, 2)],
    [[0xf0], le(-8000000n, 3)],
    [[0xd0], le(2000000000n, 4)],
    [[0xe0], le(-(2n ** 63n), 8)],
    [[0xf1], []],
    [[0xfd], []],
    zipStr('end'),
  ];
  const expected = ['hello', '', 'x'.repeat(300), 'y'.repeat(17000), '-5', '-30000', '-8000000', '2000000000', '-9223372036854775808', '0', '12', 'end'];

  it('reads every encoding', () => {
    assert.deepEqual(ziplistEntries(buildZiplist(items)), expected);
    assert.deepEqual(ziplistEntries(buildZiplist([])), []);
    assert.deepEqual(ziplistEntries(buildZiplist(items, { count: 65535 })), expected);
  });

  it('rejects malformed ziplists without throwing', () => {
    const zl = buildZiplist(items);
    assert.equal(ziplistEntries(buildZiplist(items, { count: 3 })), null);
    const badTail = Buffer.from(zl);
    badTail.writeUInt32LE(10, 4);
    assert.equal(ziplistEntries(badTail), null);
    const badBytes = Buffer.from(zl);
    badBytes.writeUInt32LE(zl.length + 1, 0);
    assert.equal(ziplistEntries(badBytes), null);
    const badPrev = Buffer.from(zl);
    badPrev[10 + 7] = 6; // prevlen of the 2nd entry ('hello' entry is 7 bytes)
    assert.equal(ziplistEntries(badPrev), null);
    const badEnc = Buffer.from(zl);
    badEnc[11] = 0xff; // encoding byte of the first entry
    assert.equal(ziplistEntries(badEnc), null);
    for (let n = 0; n < zl.length; n += 97) {
      const cut = Buffer.from(zl.subarray(0, n + 1));
      if (cut.length >= 11) {
        cut.writeUInt32LE(cut.length, 0);
        cut[cut.length - 1] = 0xff;
      }
      if (n + 1 < zl.length) assert.equal(ziplistEntries(cut), null, `cut at ${n}`);
    }
    const small = buildZiplist(items.filter((_, i) => i !== 3));
    const r = rng(7);
    for (let t = 0; t < 20000; t++) {
      const m = Buffer.from(small);
      m[Math.floor(r() * m.length)] ^= 1 << Math.floor(r() * 8);
      ziplistEntries(m);
    }
  });
});

// ---------------------------------------------------------------- intset

describe('intset', () => {
  it('round trips at each width', () => {
    const cases: [bigint[], number][] = [
      [[1n, 2n, 3n], 2],
      [[-32768n, 0n, 32767n], 2],
      [[-32769n, 5n], 4],
      [[1n, 32768n], 4],
      [[-2147483648n, 2147483647n], 4],
      [[-2147483649n, 0n], 8],
      [[0n, 2147483648n, 9223372036854775807n], 8],
      [[-9223372036854775808n], 8],
    ];
    for (const [vals, enc] of cases) {
      const b = intsetEncode(vals);
      assert.equal(b.readUInt32LE(0), enc);
      assert.equal(b.readUInt32LE(4), vals.length);
      assert.equal(b.length, 8 + enc * vals.length);
      assert.deepEqual(intsetDecode(b), vals.map(String));
      assert.deepEqual(intsetEncode(vals.map(String)), b);
    }
    assert.deepEqual(intsetEncode(['1', '2']), Buffer.from([2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0]));
  });

  it('rejects bad blobs', () => {
    const good = intsetEncode([1n, 2n, 3n]);
    assert.equal(intsetDecode(good.subarray(0, 7)), null);
    assert.equal(intsetDecode(good.subarray(0, good.length - 1)), null);
    const badEnc = Buffer.from(good);
    badEnc.writeUInt32LE(3, 0);
    assert.equal(intsetDecode(badEnc), null);
    const badLen = Buffer.from(good);
    badLen.writeUInt32LE(4, 4);
    assert.equal(intsetDecode(badLen), null);
    assert.equal(intsetDecode(intsetEncode([])), null, 'empty intset');
    assert.equal(intsetDecode(intsetEncode([2n, 1n])), null, 'out of order');
    assert.equal(intsetDecode(intsetEncode([1n, 1n])), null, 'duplicate');
    assert.equal(intsetDecode(intsetEncode([1n, 1n << 40n, 1n << 40n])), null);
  });

  it('matches the intset in a redis-server DUMP', async (t) => {
    if (!client) return t.skip('redis-server not installed');
    await client.call('DEL', 's');
    await client.call('SADD', 's', '5', '-3', '100000', '7');
    const body = dumpBody((await client.call('DUMP', 's')) as Buffer);
    assert.equal(body[0], 11, 'RDB_TYPE_SET_INTSET');
    const s = rdbString(body, 1);
    assert.deepEqual(intsetEncode(['-3', '5', '7', '100000']), s.raw);
  });
});

// ---------------------------------------------------------------- zipmap

describe('zipmap', () => {
  function zmLen(n: number): number[] {
    return n < 254 ? [n] : [254, ...le(BigInt(n), 4)];
  }
  function buildZipmap(pairs: [string, string, number?][], count?: number): Buffer {
    const out: number[] = [count ?? (pairs.length < 254 ? pairs.length : 254)];
    for (const [f, v, free = 0] of pairs) {
      out.push(...zmLen(f.length), ...Buffer.from(f, 'latin1'), ...zmLen(v.length), free, ...Buffer.from(v, 'latin1'), ...new Array(free).fill(0));
    }
    out.push(0xff);
    return Buffer.from(out);
  }
  const pairs: [string, string, number?][] = [['foo', 'bar'], ['', 'empty field', 2], ['long', 'z'.repeat(300)], ['f'.repeat(260), '', 4]];

  it('reads pairs, skipping free bytes', () => {
    assert.deepEqual(zipmapPairs(buildZipmap(pairs)), pairs.flatMap(([f, v]) => [f, v]));
    assert.deepEqual(zipmapPairs(buildZipmap(pairs, 254)), pairs.flatMap(([f, v]) => [f, v]));
  });

  it('rejects malformed zipmaps without throwing', () => {
    const zm = buildZipmap(pairs);
    assert.equal(zipmapPairs(buildZipmap(pairs, 3)), null);
    assert.equal(zipmapPairs(buildZipmap([])), null, 'empty');
    assert.equal(zipmapPairs(Buffer.from([0xff])), null);
    for (let n = 1; n < zm.length; n++) {
      const cut = Buffer.from(zm.subarray(0, n));
      cut[n - 1] = 0xff;
      const e = zipmapPairs(cut);
      if (e) assert.ok(e.length < pairs.length * 2); // only a clean cut between pairs parses
    }
    const r = rng(8);
    for (let t = 0; t < 20000; t++) {
      const m = Buffer.from(zm);
      m[Math.floor(r() * m.length)] ^= 1 << Math.floor(r() * 8);
      zipmapPairs(m);
    }
  });
});
