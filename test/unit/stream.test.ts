import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Stream,
  StreamGroup,
  StreamErr,
  MIN_ID,
  MAX_ID,
  INVALID_ENTRIES_READ,
  DEFAULT_NODE_LIMITS,
  makeId,
  makeIdBig,
  idMs,
  idSeq,
  formatId,
  compareIds,
  incrId,
  decrId,
  parseStreamId,
  parseXaddId,
  xaddIdError,
  parseRangeStart,
  parseRangeEnd,
  isStreamId,
  counterI64,
  defaultTrimLimit,
  encodeNodeListpack,
  decodeNodeListpack,
  type StreamId,
  type StreamNodeLimits,
  type Counter,
} from '../../src/types/stream.js';
import { IdMap } from '../../src/types/ordered-map.js';
import { NameMap } from '../../src/types/name-map.js';
import { rng } from '../helpers/rng.js';
import { redisOracle, oracleSkipReason, type OracleServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { RespError, type RespValue } from '../../src/protocol/reply-reader.js';

const U64 = 18446744073709551615n;
const id = (text: string): StreamId => {
  const r = parseStreamId(text);
  assert.ok(r !== null, `valid id ${text}`);
  return r;
};
const fmt = (x: StreamId | null): string | null => (x === null ? null : formatId(x));

describe('stream IDs', () => {
  it('make, format and take apart exactly over 0..2^64-1', () => {
    assert.equal(formatId(MIN_ID), '0-0');
    assert.equal(formatId(MAX_ID), '18446744073709551615-18446744073709551615');
    assert.equal(formatId(makeId(1526919030474, 55)), '1526919030474-55');
    assert.equal(formatId(makeId(2 ** 53 - 1, 2 ** 32)), '9007199254740991-4294967296');
    assert.equal(formatId(makeIdBig(2n ** 53n + 1n, U64 - 1n)), '9007199254740993-18446744073709551614');
    assert.equal(formatId(makeId(5, 6), '.'), '5.6');
    const x = makeIdBig(12345678901234567890n, 9876543210987654321n);
    assert.equal(idMs(x), 12345678901234567890n);
    assert.equal(idSeq(x), 9876543210987654321n);
    assert.equal(x.length, 16);
    assert.equal(makeId(7, 0), makeIdBig(7n, 0n));
  });

  it('compare as 128-bit numbers', () => {
    const ids = ['0-0', '0-1', '0-18446744073709551615', '1-0', '255-0', '256-0', '4294967296-0', '18446744073709551615-18446744073709551614', '18446744073709551615-18446744073709551615'].map(id);
    for (let i = 0; i < ids.length; i++) {
      for (let j = 0; j < ids.length; j++) {
        assert.equal(compareIds(ids[i], ids[j]), Math.sign(i - j));
        assert.equal(ids[i] < ids[j], i < j);
      }
    }
  });

  it('increment and decrement with overflow', () => {
    assert.equal(fmt(incrId(id('5-18446744073709551615'))), '6-0');
    assert.equal(fmt(incrId(id('4294967295-4294967295'))), '4294967295-4294967296');
    assert.equal(fmt(incrId(id('18446744073709551615-18446744073709551614'))), '18446744073709551615-18446744073709551615');
    assert.equal(incrId(MAX_ID), null);
    assert.equal(fmt(decrId(id('6-0'))), '5-18446744073709551615');
    assert.equal(fmt(decrId(id('4294967296-0'))), '4294967295-18446744073709551615');
    assert.equal(fmt(decrId(id('0-1'))), '0-0');
    assert.equal(decrId(MIN_ID), null);
  });

  it('parse strict IDs as streamParseStrictIDOrReply', () => {
    const ok: [string, string][] = [
      ['0', '0-0'],
      ['0-0', '0-0'],
      ['5', '5-0'],
      ['18446744073709551615-18446744073709551615', '18446744073709551615-18446744073709551615'],
      ['9223372036854775808-1', '9223372036854775808-1'],
      // strtoull's lenient forms (when string2ll refuses them)
      ['05', '5-0'],
      ['+5', '5-0'],
      [' \t5', '5-0'],
      ['1--05', '1-18446744073709551611'],
      ['1--18446744073709551615', '1-1'],
      ['1-+7', '1-7'],
      ['00000000000000000000000000000042-1', '42-1'],
      // a C string ends at its first NUL
      ['7\0garbage', '7-0'],
      ['7-1\0-x', '7-1'],
    ];
    for (const [text, want] of ok) {
      assert.equal(fmt(parseStreamId(text)), want, JSON.stringify(text));
    }
    const bad = [
      '',
      '-',
      '+',
      '-0',
      '-5',
      '1--5',
      '18446744073709551616',
      '1-18446744073709551616',
      '5 ',
      '5-',
      '-5-5',
      '1-2-3',
      'abc',
      '0x10',
      '1-*',
      '*',
      '\0',
      '1'.repeat(128),
      ' ',
      '+',
      '1-+',
    ];
    for (const text of bad) assert.equal(parseStreamId(text), null, JSON.stringify(text));
    assert.equal(parseStreamId('0'.repeat(127)), MIN_ID);
    assert.equal(parseStreamId('0'.repeat(128)), null);
    // incomplete IDs for a range end, and the non-strict - and + (XGROUP SETID)
    assert.equal(fmt(parseStreamId('5', { missingSeq: 'max' })), '5-18446744073709551615');
    assert.equal(parseStreamId('-', { strict: false }), MIN_ID);
    assert.equal(parseStreamId('+', { strict: false }), MAX_ID);
    assert.equal(parseStreamId('-\0x', { strict: false }), MIN_ID);
  });

  it('parse XADD IDs: *, ms-*, explicit', () => {
    assert.deepEqual(parseXaddId('*'), { id: null, seqGiven: false });
    assert.deepEqual(parseXaddId('*\0zz'), { id: null, seqGiven: false });
    const a = parseXaddId('12-*');
    assert.ok(a !== null && a.id !== null);
    assert.equal(formatId(a.id), '12-0');
    assert.equal(a.seqGiven, false);
    const b = parseXaddId('12-3');
    assert.ok(b !== null && b.id !== null);
    assert.equal(formatId(b.id), '12-3');
    assert.equal(b.seqGiven, true);
    const c = parseXaddId('12');
    assert.ok(c !== null && c.id !== null && c.seqGiven);
    assert.equal(formatId(c.id), '12-0');
    for (const t of ['**', '12-**', '-', '+', '*-1', '12-*1', 'x-*']) assert.equal(parseXaddId(t), null, t);
    assert.equal(xaddIdError(parseXaddId('0-0')!), StreamErr.xaddZero);
    assert.equal(xaddIdError(parseXaddId('0')!), StreamErr.xaddZero);
    assert.equal(xaddIdError(parseXaddId('0-*')!), null);
    assert.equal(xaddIdError(parseXaddId('*')!), null);
    assert.equal(xaddIdError(parseXaddId('0-1')!), null);
  });

  it('parse range bounds: incomplete, - +, exclusive', () => {
    const s = (t: string): string => {
      const r = parseRangeStart(t);
      return isStreamId(r) ? formatId(r) : r;
    };
    const e = (t: string): string => {
      const r = parseRangeEnd(t);
      return isStreamId(r) ? formatId(r) : r;
    };
    assert.equal(s('-'), '0-0');
    assert.equal(s('+'), '18446744073709551615-18446744073709551615');
    assert.equal(e('-'), '0-0');
    assert.equal(e('+'), '18446744073709551615-18446744073709551615');
    assert.equal(s('5'), '5-0');
    assert.equal(e('5'), '5-18446744073709551615');
    assert.equal(s('(5'), '5-1');
    assert.equal(e('(5'), '5-18446744073709551614');
    assert.equal(s('(5-18446744073709551615'), '6-0');
    assert.equal(e('(5-0'), '4-18446744073709551615');
    assert.equal(s('(18446744073709551615-18446744073709551615'), StreamErr.invalidStart);
    assert.equal(s('(18446744073709551615'), '18446744073709551615-1'); // the missing seq is 0, then incremented
    assert.equal(e('(0-0'), StreamErr.invalidEnd);
    assert.equal(e('(0'), '0-18446744073709551614');
    assert.equal(e('(0-1'), '0-0');
    for (const t of ['(', '(-', '(+', '((5', 'x', '']) {
      assert.equal(s(t), StreamErr.invalidId, t);
      assert.equal(e(t), StreamErr.invalidId, t);
    }
  });
});

describe('Stream appends', () => {
  it('generates IDs as streamAppendItem: *, ms-*, explicit', () => {
    const s = new Stream();
    assert.equal(s.type, 'stream');
    assert.equal(s.encoding(), 'stream');
    const add = (now: number, given: string | null, fv = ['f', 'v']): string => {
      let r;
      if (given === null) r = s.append(fv, now);
      else {
        const p = parseXaddId(given);
        assert.ok(p !== null && p.id !== null);
        r = s.append(fv, now, DEFAULT_NODE_LIMITS, p.id, p.seqGiven);
      }
      return isStreamId(r) ? formatId(r) : r;
    };
    assert.equal(add(1000, null), '1000-0');
    assert.equal(add(1000, null), '1000-1');
    assert.equal(add(999, null), '1000-2'); // the clock went back
    assert.equal(add(1001, null), '1001-0');
    assert.equal(add(0, '1001-*'), '1001-1');
    assert.equal(add(0, '1005-*'), '1005-0');
    assert.equal(add(0, '1003-*'), StreamErr.xaddSmaller);
    assert.equal(add(0, '1005-0'), StreamErr.xaddSmaller);
    assert.equal(add(0, '1005-1'), '1005-1');
    assert.equal(add(0, '1005-18446744073709551615'), '1005-18446744073709551615');
    assert.equal(add(0, '1005-*'), StreamErr.tooLarge); // what 7.0.15 answers (errno is not EDOM)
    assert.equal(add(0, null), '1006-0');
    assert.equal(s.length, 9);
    assert.equal(s.entriesAdded, 9);
    assert.equal(formatId(s.firstId), '1000-0');
    assert.equal(add(0, '18446744073709551615-18446744073709551615'), '18446744073709551615-18446744073709551615');
    assert.ok(s.isExhausted());
    assert.equal(add(0, null), StreamErr.xaddSmaller);
    const t = new Stream();
    const r = parseXaddId('0-*')!;
    assert.equal(formatId(t.append(['a', 'b'], 0, DEFAULT_NODE_LIMITS, r.id, r.seqGiven) as StreamId), '0-1');
  });

  it('refuses more than 1 GB of fields and values', () => {
    const s = new Stream();
    let big = 'x'.repeat(1 << 20);
    for (let i = 0; i < 8; i++) big = big + big; // 256 MB as a rope: only its length is read
    assert.equal(s.append(['a', big, 'b', big, 'c', big, 'd', big, 'e', 'x'], 1), StreamErr.tooLarge);
    assert.equal(s.length, 0);
    assert.equal(formatId(s.append(['a', big, 'b', big, 'c', big], 1) as StreamId), '1-0'); // 768 MB fit
    assert.equal(s.length, 1);
  });
});

// ---------------------------------------------------------------------------
// The model: a plain array of entries and plain maps for the groups.
// ---------------------------------------------------------------------------

interface MEntry {
  id: StreamId;
  fv: string[];
}
interface MNack {
  consumer: string;
  time: number;
  count: number;
}
interface MGroup {
  lastId: StreamId;
  entriesRead: number;
  pel: Map<StreamId, MNack>;
  consumers: Map<string, number>;
}

class Model {
  entries: MEntry[] = [];
  lastId = MIN_ID;
  maxDeleted = MIN_ID;
  added = 0;
  groups = new Map<string, MGroup>();

  get first(): StreamId {
    return this.entries.length ? this.entries[0].id : MIN_ID;
  }

  index(x: StreamId): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const y = this.entries[mid].id;
      if (y < x) lo = mid + 1;
      else if (y > x) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  has(x: StreamId): boolean {
    return this.index(x) >= 0;
  }

  add(x: StreamId, fv: string[]): void {
    this.entries.push({ id: x, fv: fv.slice() });
    this.lastId = x;
    this.added++;
  }

  del(x: StreamId): boolean {
    const i = this.index(x);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    if (x > this.maxDeleted) this.maxDeleted = x;
    return true;
  }

  range(start: StreamId, end: StreamId, count: number, rev: boolean): MEntry[] {
    let r = this.entries.filter((e) => e.id >= start && e.id <= end);
    if (rev) r = r.reverse();
    return count ? r.slice(0, count) : r;
  }

  tombstonesFrom(x: StreamId): boolean {
    const md = this.maxDeleted;
    if (!this.entries.length || md === MIN_ID || this.first > md) return false;
    return x <= md;
  }

  estimate(x: StreamId): number {
    if (!this.added) return 0;
    const len = this.entries.length;
    if (!len && x <= this.lastId) return this.added;
    if (x === this.lastId) return this.added;
    if (x > this.lastId) return -1;
    if (this.maxDeleted === MIN_ID || this.maxDeleted < this.first) {
      if (x < this.first) return this.added - len;
      if (x === this.first) return this.added - len + 1;
    }
    return -1;
  }

  lag(g: MGroup): number | null {
    if (!this.added) return 0;
    if (g.entriesRead !== -1 && !this.tombstonesFrom(g.lastId)) return this.added - g.entriesRead;
    const er = this.estimate(g.lastId);
    return er !== -1 ? this.added - er : null;
  }

  readNew(g: MGroup, consumer: string, count: number, noack: boolean, now: number): StreamId[] {
    g.consumers.set(consumer, now);
    const out: StreamId[] = [];
    for (const e of this.entries) {
      if (e.id <= g.lastId) continue;
      if (g.entriesRead !== -1 && !this.tombstonesFrom(e.id)) g.entriesRead++;
      else if (this.added) g.entriesRead = this.estimate(e.id);
      g.lastId = e.id;
      if (!noack) g.pel.set(e.id, { consumer, time: now, count: 1 });
      out.push(e.id);
      if (count && out.length === count) break;
    }
    return out;
  }
}

function sortedPel(g: MGroup, consumer?: string): [StreamId, MNack][] {
  return [...g.pel.entries()].filter(([, n]) => consumer === undefined || n.consumer === consumer).sort((a, b) => compareIds(a[0], b[0]));
}

function entriesOf(s: Stream, start: StreamId, end: StreamId, count: number, rev: boolean): MEntry[] {
  const out: MEntry[] = [];
  s.range(start, end, count, rev, (x, data, from, to) => {
    out.push({ id: x, fv: data.slice(from, to) });
  });
  return out;
}

function compare(s: Stream, m: Model, label: string, full: boolean): void {
  assert.equal(s.length, m.entries.length, `length after ${label}`);
  assert.equal(formatId(s.lastId), formatId(m.lastId), `lastId after ${label}`);
  assert.equal(formatId(s.firstId), formatId(m.first), `firstId after ${label}`);
  assert.equal(formatId(s.maxDeletedId), formatId(m.maxDeleted), `maxDeletedId after ${label}`);
  assert.equal(s.entriesAdded, m.added, `entriesAdded after ${label}`);
  if (full) {
    assert.deepEqual(entriesOf(s, MIN_ID, MAX_ID, 0, false), m.entries, `entries after ${label}`);
    s.check();
  }
  assert.equal(s.groupCount, m.groups.size);
  for (const g of s.groups()) {
    const mg = m.groups.get(g.name);
    assert.ok(mg, `group ${g.name}`);
    const where = `group ${g.name} after ${label}`;
    assert.equal(formatId(g.lastId), formatId(mg.lastId), `lastId of ${where}`);
    assert.equal(g.entriesRead, mg.entriesRead, `entriesRead of ${where}`);
    assert.equal(s.groupLag(g), m.lag(mg), `lag of ${where}`);
    const pel: [StreamId, MNack][] = [];
    g.pel.forEach((n, k) => {
      pel.push([k as StreamId, { consumer: n.consumer!.name, time: n.deliveryTime, count: n.deliveryCount }]);
    });
    assert.deepEqual(pel, sortedPel(mg), `PEL of ${where}`);
    const consumers: [string, number, number][] = [];
    g.consumers.forEach((c) => {
      consumers.push([c.name, c.seenTime, c.pel.size]);
      const own: StreamId[] = [];
      c.pel.forEach((_n, k) => {
        own.push(k as StreamId);
      });
      assert.deepEqual(own, sortedPel(mg, c.name).map((x) => x[0]), `PEL of consumer ${c.name} in ${where}`);
    });
    const mc = [...mg.consumers.entries()].map(([n, t]): [string, number, number] => [n, t, sortedPel(mg, n).length]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    assert.deepEqual(consumers, mc, `consumers of ${where}`);
  }
}

const FIELD_SETS = [['a', 'b'], ['a', 'b'], ['a', 'b'], ['a'], ['x', 'y', 'z'], ['a', 'c'], ['1', '-2']];

function randValue(r: () => number): string {
  const x = r();
  if (x < 0.15) return String(Math.floor(r() * 100000) - 500);
  if (x < 0.2) return ['9223372036854775807', '9223372036854775808', '-9223372036854775808', '007', '-0', '0', ''][Math.floor(r() * 7)];
  if (x < 0.25) return '\x00\xff'.repeat(Math.floor(r() * 40));
  return 'v'.repeat(Math.floor(r() * (x < 0.3 ? 300 : 30)));
}

function randFields(r: () => number): string[] {
  const names = FIELD_SETS[Math.floor(r() * FIELD_SETS.length)];
  const fv: string[] = [];
  for (const n of names) fv.push(n, randValue(r));
  return fv;
}

describe('Stream against an array model', () => {
  const cases: [number, number, StreamNodeLimits][] = [
    [1, 2500, { maxEntries: 100, maxBytes: 4096 }],
    [2, 2500, { maxEntries: 5, maxBytes: 0 }],
    [3, 2500, { maxEntries: 0, maxBytes: 300 }],
    [4, 2500, { maxEntries: 1, maxBytes: 4096 }],
    [5, 4000, { maxEntries: 16, maxBytes: 700 }],
    [6, 2500, { maxEntries: 0, maxBytes: 0 }],
  ];
  for (const [seed, ops, limits] of cases) {
    it(`random XADD/XDEL/XTRIM/ranges/groups (seed ${seed}, ${ops} ops, nodes ${limits.maxEntries} entries / ${limits.maxBytes} bytes)`, () => {
      const r = rng(seed);
      const s = new Stream();
      const m = new Model();
      let now = 1_700_000_000_000;
      const pick = (): StreamId => {
        // an existing ID, a deleted one, or one in between
        const x = r();
        if (m.entries.length && x < 0.6) return m.entries[Math.floor(r() * m.entries.length)].id;
        if (x < 0.8) return makeId(now - Math.floor(r() * 60), Math.floor(r() * 4));
        return [MIN_ID, MAX_ID, m.lastId, m.first][Math.floor(r() * 4)];
      };
      const consumerName = (): string => ['alice', 'bob', 'carol', 'Bob', 'b\x00b'][Math.floor(r() * 5)];
      for (let op = 0; op < ops; op++) {
        now += Math.floor(r() * 3) - (r() < 0.05 ? 5 : 0);
        const x = r();
        let label: string;
        if (x < 0.3) {
          // XADD: auto, ms-* or explicit
          const fv = randFields(r);
          const kind = r();
          let got: string;
          if (kind < 0.6) {
            label = 'XADD *';
            const want = s.nextId(now);
            got = s.append(fv, now, limits);
            assert.equal(got, want);
          } else if (kind < 0.8) {
            label = 'XADD ms-*';
            const ms = Number(idMs(m.lastId)) + Math.floor(r() * 3) - 1;
            const p = parseXaddId(`${Math.max(ms, 0)}-*`)!;
            got = s.append(fv, now, limits, p.id, false);
          } else {
            label = 'XADD explicit';
            const base = Number(idMs(m.lastId));
            const target = makeId(Math.max(0, base + Math.floor(r() * 3) - 1), Math.floor(r() * 3));
            got = s.append(fv, now, limits, target, true);
            if (target <= m.lastId) assert.equal(got, StreamErr.xaddSmaller);
            else assert.equal(got, target);
          }
          if (isStreamId(got)) {
            assert.ok(got > m.lastId);
            m.add(got, fv);
          } else assert.equal(got, StreamErr.xaddSmaller);
        } else if (x < 0.4) {
          label = 'XDEL';
          const ids = [pick(), pick()];
          let want = 0;
          for (const d of ids) if (m.del(d)) want++;
          assert.equal(s.deleteIds(ids), want);
        } else if (x < 0.44) {
          label = 'XTRIM MAXLEN =';
          const maxlen = Math.floor(r() * (m.entries.length + 5));
          const want = Math.max(0, m.entries.length - maxlen);
          m.entries.splice(0, want);
          assert.equal(s.trimByLength(maxlen, false), want);
        } else if (x < 0.47) {
          label = 'XTRIM MINID =';
          const minid = pick();
          let want = 0;
          while (want < m.entries.length && m.entries[want].id < minid) want++;
          m.entries.splice(0, want);
          assert.equal(s.trimById(minid, false), want);
        } else if (x < 0.5) {
          label = 'XTRIM ~';
          const byLen = r() < 0.5;
          const limit = r() < 0.5 ? 0 : Math.floor(r() * 50);
          let n: number;
          if (byLen) {
            const maxlen = Math.floor(r() * (m.entries.length + 5));
            n = s.trimByLength(maxlen, true, limit);
            assert.ok(m.entries.length - n >= Math.min(maxlen, m.entries.length), 'approx MAXLEN never goes below maxlen');
          } else {
            const minid = pick();
            n = s.trimById(minid, true, limit);
            for (let i = 0; i < n; i++) assert.ok(m.entries[i].id < minid, 'approx MINID only removes smaller IDs');
          }
          if (limit) assert.ok(n <= limit);
          m.entries.splice(0, n);
        } else if (x < 0.62) {
          label = 'XRANGE';
          let a = pick();
          let b = pick();
          if (r() < 0.8 && a > b) [a, b] = [b, a];
          const count = r() < 0.4 ? 0 : Math.floor(r() * 6) + 1;
          const rev = r() < 0.5;
          assert.deepEqual(entriesOf(s, a, b, count, rev), m.range(a, b, count, rev), `range ${formatId(a)} ${formatId(b)} count ${count} rev ${rev}`);
          const p = pick();
          assert.equal(s.has(p), m.has(p));
          const e = s.get(p);
          assert.deepEqual(e, m.has(p) ? m.entries[m.index(p)].fv : null);
          assert.equal(fmt(s.lastLiveId()), m.entries.length ? formatId(m.entries[m.entries.length - 1].id) : null);
          assert.equal(formatId(s.edgeId(true, true)), m.entries.length ? formatId(m.entries[0].id) : formatId(MAX_ID));
        } else {
          // groups
          const names = ['g1', 'g2', 'g\xff'];
          const gname = names[Math.floor(r() * names.length)];
          const g = s.getGroup(gname);
          const mg = m.groups.get(gname);
          assert.equal(g === undefined, mg === undefined);
          const y = r();
          if (g === undefined || mg === undefined) {
            label = 'XGROUP CREATE';
            const at = r() < 0.3 ? s.lastId : r() < 0.5 ? MIN_ID : pick();
            const er = r() < 0.2 ? Math.floor(r() * 10) : INVALID_ENTRIES_READ;
            assert.ok(s.createGroup(gname, at, er) !== null);
            assert.equal(s.createGroup(gname, at, er), null);
            m.groups.set(gname, { lastId: at, entriesRead: er, pel: new Map(), consumers: new Map() });
          } else if (y < 0.35) {
            label = 'XREADGROUP >';
            const cname = consumerName();
            const count = Math.floor(r() * 4);
            const noack = r() < 0.1;
            const c = g.lookupConsumer(cname, now) ?? g.createConsumer(cname, now)!;
            const got: StreamId[] = [];
            s.readGroupNew(g, c, count, noack, now, (rid, data, from, to, nack) => {
              got.push(rid);
              assert.deepEqual(data.slice(from, to), m.entries[m.index(rid)].fv);
              assert.equal(nack === null, noack);
            });
            assert.deepEqual(got, m.readNew(mg, cname, count, noack, now));
          } else if (y < 0.45) {
            label = 'XREADGROUP history';
            const cname = consumerName();
            const c = g.lookupConsumer(cname, now);
            if (c !== undefined) {
              mg.consumers.set(cname, now);
              const start = r() < 0.5 ? MIN_ID : pick();
              const count = Math.floor(r() * 3);
              const got: [StreamId, string[] | null][] = [];
              s.readHistory(c, start, count, now, (rid, data, from, to) => {
                got.push([rid, data === null ? null : data.slice(from, to)]);
              });
              let want = sortedPel(mg, cname).filter(([k]) => k >= start);
              if (count) want = want.slice(0, count);
              assert.deepEqual(
                got,
                want.map(([k]) => [k, m.has(k) ? m.entries[m.index(k)].fv : null]),
              );
              for (const [k, n] of want) {
                if (m.has(k)) {
                  n.time = now;
                  n.count++;
                }
              }
            }
          } else if (y < 0.6) {
            label = 'XACK';
            const pending = sortedPel(mg);
            const ids = [pick(), pending.length ? pending[Math.floor(r() * pending.length)][0] : pick()];
            for (const k of ids) assert.equal(g.ack(k), mg.pel.delete(k));
          } else if (y < 0.72) {
            label = 'XCLAIM';
            const cname = consumerName();
            const pending = sortedPel(mg);
            const ids = [pick(), pending.length ? pending[Math.floor(r() * pending.length)][0] : pick(), pick()];
            const minIdle = r() < 0.5 ? 0 : Math.floor(r() * 4);
            const force = r() < 0.3;
            const justId = r() < 0.3;
            const retryCount = r() < 0.2 ? Math.floor(r() * 5) : -1;
            const deliveryTime = r() < 0.3 ? now - Math.floor(r() * 5) : r() < 0.1 ? now + 10 : undefined;
            const got: StreamId[] = [];
            const dropped: StreamId[] = [];
            const created: string[] = [];
            s.claim(g, cname, ids, now, { minIdle, force, justId, retryCount, deliveryTime }, {
              claimed: (k) => got.push(k),
              dropped: (k) => dropped.push(k),
              consumerCreated: (c) => created.push(c.name),
            });
            // the model
            const want: StreamId[] = [];
            const wantDropped: StreamId[] = [];
            let dt = deliveryTime ?? now;
            if (dt < 0 || dt > now) dt = now;
            let haveConsumer = false;
            const hadConsumer = mg.consumers.has(cname);
            for (const k of ids) {
              let n = mg.pel.get(k);
              if (!m.has(k)) {
                if (n) {
                  mg.pel.delete(k);
                  wantDropped.push(k);
                }
                continue;
              }
              let fresh = false;
              if (force && !n) {
                n = { consumer: '', time: now, count: 1 };
                mg.pel.set(k, n);
                fresh = true;
              }
              if (!n) continue;
              if (!fresh && minIdle && now - n.time < minIdle) continue;
              if (!haveConsumer) {
                haveConsumer = true;
                mg.consumers.set(cname, now);
              }
              n.consumer = cname;
              n.time = dt;
              if (retryCount >= 0) n.count = retryCount;
              else if (!justId) n.count++;
              want.push(k);
            }
            assert.deepEqual(got, want);
            assert.deepEqual(dropped, wantDropped);
            assert.deepEqual(created, haveConsumer && !hadConsumer ? [cname] : []);
          } else if (y < 0.8) {
            label = 'XAUTOCLAIM';
            const cname = consumerName();
            const start = r() < 0.5 ? MIN_ID : pick();
            const count = Math.floor(r() * 4) + 1;
            const minIdle = r() < 0.5 ? 0 : Math.floor(r() * 4);
            const justId = r() < 0.3;
            const got: StreamId[] = [];
            const res = s.autoclaim(g, cname, minIdle, start, count, justId, now, { claimed: (k) => got.push(k) });
            // the model
            const keys = sortedPel(mg).map(([k]) => k).filter((k) => k >= start);
            let attempts = count * 10;
            let left = count;
            let i = 0;
            const want: StreamId[] = [];
            const deleted: StreamId[] = [];
            while (attempts-- > 0 && left > 0 && i < keys.length) {
              const k = keys[i++];
              const n = mg.pel.get(k)!;
              if (!m.has(k)) {
                mg.pel.delete(k);
                deleted.push(k);
                left--;
                continue;
              }
              if (minIdle && now - n.time < minIdle) continue;
              mg.consumers.set(cname, now);
              n.consumer = cname;
              n.time = now;
              if (!justId) n.count++;
              want.push(k);
              left--;
            }
            assert.deepEqual(got, want);
            assert.deepEqual(res.deleted, deleted);
            assert.equal(formatId(res.next), formatId(i < keys.length ? keys[i] : MIN_ID));
          } else if (y < 0.86) {
            label = 'XGROUP DELCONSUMER';
            const cname = consumerName();
            const had = mg.consumers.has(cname);
            const want = sortedPel(mg, cname).length;
            assert.equal(g.deleteConsumer(cname), had ? want : undefined);
            for (const [k] of sortedPel(mg, cname)) mg.pel.delete(k);
            mg.consumers.delete(cname);
          } else if (y < 0.92) {
            label = 'XGROUP SETID';
            const at = r() < 0.3 ? s.lastId : pick();
            const er = r() < 0.3 ? Math.floor(r() * 20) : INVALID_ENTRIES_READ;
            g.setId(at, er);
            mg.lastId = at;
            mg.entriesRead = er;
          } else if (y < 0.96) {
            label = 'XGROUP CREATECONSUMER';
            const cname = consumerName();
            const c = g.createConsumer(cname, now);
            assert.equal(c === null, mg.consumers.has(cname));
            if (c !== null) mg.consumers.set(cname, now);
          } else {
            label = 'XGROUP DESTROY';
            assert.equal(s.destroyGroup(gname), true);
            assert.equal(s.destroyGroup(gname), false);
            m.groups.delete(gname);
          }
        }
        compare(s, m, `${label} (op ${op})`, op % 10 === 0 || ops - op < 3);
      }
      // a deep copy is equal and independent
      const c = s.clone();
      c.check();
      compare(c, m, 'clone', true);
      for (const g of c.groups()) {
        for (const k of [...g.pel.keys()]) g.ack(k as StreamId);
      }
      c.trimByLength(0, false);
      compare(s, m, 'changes to a clone', true);
    });
  }
});

describe('Stream details', () => {
  it('lag and entries-read as the Redis tests expect (stream-cgroups.tcl)', () => {
    const s = new Stream();
    for (let i = 1; i <= 5; i++) s.append(['data', String.fromCharCode(96 + i)], 0, DEFAULT_NODE_LIMITS, makeId(i, 0));
    s.deleteIds([makeId(3, 0)]);
    const g1 = s.createGroup('g1', MIN_ID)!;
    const g2 = s.createGroup('g2', MIN_ID)!;
    const c = g1.createConsumer('c11', 0)!;
    assert.equal(g1.entriesRead, -1);
    assert.equal(s.groupLag(g1), null);
    for (let i = 0; i < 3; i++) {
      s.readGroupNew(g1, c, 1, false, 0);
      assert.equal(g1.entriesRead, -1);
      assert.equal(s.groupLag(g1), null);
    }
    s.readGroupNew(g1, c, 1, false, 0);
    assert.equal(g1.entriesRead, 5);
    assert.equal(s.groupLag(g1), 0);
    s.append(['data', 'f'], 0, DEFAULT_NODE_LIMITS, makeId(6, 0));
    assert.equal(g1.entriesRead, 5);
    assert.equal(s.groupLag(g1), 1);
    s.trimById(makeId(3, 0), false);
    assert.equal(s.groupLag(g1), 1);
    assert.equal(g2.entriesRead, -1);
    assert.equal(s.groupLag(g2), 3);
    s.trimById(makeId(5, 0), false);
    assert.equal(s.groupLag(g1), 1);
    assert.equal(s.groupLag(g2), 2);

    const e = new Stream();
    const g = e.createGroup('g', MIN_ID)!;
    assert.equal(e.groupLag(g), 0);
    e.append(['data', 'a'], 0, DEFAULT_NODE_LIMITS, makeId(1, 0));
    e.deleteIds([makeId(1, 0)]);
    assert.equal(formatId(e.maxDeletedId), '1-0');
    assert.equal(e.entriesAdded, 1);
    assert.equal(e.groupLag(g), 0);
  });

  it('recorded first entry and max deleted ID (stream.tcl)', () => {
    const s = new Stream();
    for (let i = 1; i <= 5; i++) s.append(['data', 'a'], 0, DEFAULT_NODE_LIMITS, makeId(i, 0));
    s.deleteIds([makeId(2, 0)]);
    assert.equal(formatId(s.firstId), '1-0');
    assert.equal(formatId(s.maxDeletedId), '2-0');
    s.deleteIds([makeId(1, 0)]);
    assert.equal(formatId(s.firstId), '3-0');
    assert.equal(formatId(s.maxDeletedId), '2-0');
    s.trimByLength(2, false);
    assert.equal(formatId(s.firstId), '4-0');
    assert.equal(formatId(s.maxDeletedId), '2-0'); // trimming does not move it
  });

  it('XSETID checks', () => {
    const s = new Stream();
    assert.equal(s.setId(makeId(5, 0), 3, makeId(1, 0)), null); // an empty stream takes anything
    assert.equal(formatId(s.lastId), '5-0');
    assert.equal(s.entriesAdded, 3);
    s.append(['a', '1'], 0, DEFAULT_NODE_LIMITS, makeId(6, 0));
    s.append(['a', '1'], 0, DEFAULT_NODE_LIMITS, makeId(7, 0));
    assert.equal(s.setId(makeId(6, 5)), StreamErr.xsetidSmaller);
    assert.equal(s.setId(makeId(7, 0), 1), StreamErr.xsetidEntriesAdded);
    s.deleteIds([makeId(7, 0)]);
    assert.equal(s.setId(makeId(6, 0)), null); // at the last live entry
    assert.equal(formatId(s.lastId), '6-0');
    assert.equal(s.setId(makeId(9, 0), 9223372036854775807n), null);
    assert.equal(s.entriesAdded, 9223372036854775807n);
    s.append(['a', '1'], 0, DEFAULT_NODE_LIMITS, makeId(10, 0));
    assert.equal(s.entriesAdded, 9223372036854775808n);
    assert.equal(counterI64(s.entriesAdded), -9223372036854775808n); // as addReplyLongLong prints it
  });

  it('default approximate trim limit', () => {
    assert.equal(defaultTrimLimit(100), 10000);
    assert.equal(defaultTrimLimit(0), 10000);
    assert.equal(defaultTrimLimit(3), 300);
    assert.equal(defaultTrimLimit(20000), 1000000);
    assert.equal(defaultTrimLimit(2 ** 62), 10000); // 100 * 2^62 wraps to 0 in 64 bits
  });

  it('approximate trimming removes whole nodes only, up to the limit', () => {
    const s = new Stream();
    const lim = { maxEntries: 10, maxBytes: 0 };
    for (let i = 1; i <= 95; i++) s.append(['f', 'v'], 0, lim, makeId(i, 0));
    assert.equal(s.nodeCount, 10);
    assert.equal(s.trimByLength(55, true), 40);
    assert.equal(s.trimByLength(50, true), 0);
    assert.equal(s.trimByLength(0, true, 25), 20); // two nodes fit in 25
    assert.equal(s.length, 35);
    assert.equal(s.trimById(makeId(72, 0), true), 10);
    assert.equal(formatId(s.firstId), '71-0');
    assert.equal(s.trimById(makeId(72, 0), false), 1);
    assert.equal(formatId(s.firstId), '72-0');
    assert.equal(s.nodeCount, 3);
    // MINID past every live entry of a node whose last entry is a tombstone
    // at or above minid: the node stays with no live entry, as in Redis
    const t = new Stream();
    for (let i = 1; i <= 5; i++) t.append(['f', 'v'], 0, lim, makeId(i, 0));
    t.deleteIds([makeId(5, 0)]);
    assert.equal(t.trimById(makeId(5, 0), false), 4);
    assert.equal(t.length, 0);
    assert.equal(t.nodeCount, 1);
    assert.equal(formatId(t.firstId), '0-0');
    t.append(['f', 'v'], 0, lim, makeId(6, 0));
    assert.equal(t.nodeCount, 1);
    assert.deepEqual(entriesOf(t, MIN_ID, MAX_ID, 0, false).map((e) => formatId(e.id)), ['6-0']);
    t.check();
    assert.equal(formatId(t.edgeId(true, false)), '1-0'); // tombstones count for the propagated MINID
  });

  it('XSETID below a node kept without live entries: nodes before it, and one replacing it (as redis-server 7.0.15)', () => {
    const lim = { maxEntries: 4, maxBytes: 0 };
    const ids = (s: Stream, rev = false, count = 0): string[] => entriesOf(s, MIN_ID, MAX_ID, count, rev).map((e) => formatId(e.id));
    const setup = (): Stream => {
      const s = new Stream();
      for (let i = 1; i <= 3; i++) s.append(['f', 'v'], 0, lim, makeId(i, 0));
      s.deleteIds([makeId(3, 0)]);
      assert.equal(s.trimById(makeId(3, 0), false), 2); // stops at the deleted 3-0: the node stays, no live entry
      assert.equal(s.length, 0);
      assert.equal(s.nodeCount, 1);
      assert.equal(s.setId(makeId(0, 5)), null);
      assert.equal(s.append(['f', 'w'], 0, lim, makeId(0, 6)), makeId(0, 6)); // fills the node (4 entries)
      return s;
    };
    // a new node whose key is below the full last node goes before it; appends keep going to that last node
    const s = setup();
    s.append(['f', 'x'], 0, lim, makeId(0, 7));
    s.append(['f', 'y'], 0, lim, makeId(0, 8));
    assert.equal(s.length, 3);
    assert.equal(s.nodeCount, 3);
    assert.deepEqual(ids(s), ['0-7', '0-8', '0-6']);
    assert.deepEqual(ids(s, true, 2), ['0-6', '0-8']);
    assert.equal(formatId(s.firstId), '0-6'); // set when the length became 1, as Redis does
    s.check();
    // a new node under the same key replaces the old one: its entry is lost, still counted
    const t = setup();
    t.append(['f', 'z'], 0, lim, makeId(1, 0));
    assert.equal(t.length, 2);
    assert.equal(t.nodeCount, 1);
    assert.deepEqual(ids(t), ['1-0']);
    t.check();
  });

  it('nodes break where streamAppendItem breaks them (entries, bytes, same fields)', () => {
    const s = new Stream();
    const lim = { maxEntries: 0, maxBytes: 100 };
    s.append(['field', 'value'], 0, lim, makeId(1, 0));
    const [n] = [...s.nodes()];
    // header 7 + count 2 + deleted 2 + master(num 2 + "field" 7 + zero 2) + entry(flags 2 + 2 + 2 + "value" 7 + lp-count 2)
    assert.equal(n.lpBytes(), 37);
    s.append(['field', '12345'], 0, lim, makeId(1, 1)); // an integer value: 4 bytes (16-bit) instead of 7
    assert.equal(n.lpBytes(), 37 + 2 + 2 + 2 + 4 + 2);
    s.append(['other', 'x'], 0, lim, makeId(1, 2)); // other fields: num-fields and field names stored
    assert.equal(n.lpBytes(), 49 + 2 + 2 + 2 + 2 + 7 + 3 + 2);
    assert.equal(n.lpBytes(), 69);
    s.append(['field', 'v'.repeat(21)], 0, lim, makeId(1, 3)); // 69 + 26 < 100: same node
    assert.equal(s.nodeCount, 1);
    const before = n.lpBytes();
    s.append(['field', 'v'.repeat(1)], 0, lim, makeId(1, 4)); // before + 6 >= 100: a new node
    assert.ok(before + 6 >= 100);
    assert.equal(s.nodeCount, 2);
    s.check();
  });

  it('packed nodes: closed nodes pack their strings, reads give them back, appends reopen a packed tail', () => {
    const lim = { maxEntries: 4, maxBytes: 0 };
    const s = new Stream();
    const vals = ['', 'a', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(16383), 'w'.repeat(70000), '\x00\xff\x80', '12345', '-7', '\u20ac'];
    const want: string[][] = [];
    for (let i = 0; i < 30; i++) {
      const fv = i % 3 === 2 ? ['other', vals[i % vals.length], 'f' + i, vals[(i * 7) % vals.length]] : ['a', vals[i % vals.length], 'b', vals[(i * 3) % vals.length]];
      s.append(fv, 0, lim, makeId(100 + i, 0));
      want.push(fv);
    }
    s.check();
    const nodes = [...s.nodes()];
    assert.ok(nodes.slice(0, -1).every((n) => n.packed), 'closed nodes are packed');
    assert.equal(nodes[nodes.length - 1].packed, false, 'the tail is open');
    const got = entriesOf(s, MIN_ID, MAX_ID, 0, false);
    assert.deepEqual(got.map((e) => e.fv), want);
    assert.deepEqual(entriesOf(s, MIN_ID, MAX_ID, 0, true).map((e) => e.fv), want.slice().reverse());
    assert.deepEqual(s.get(makeId(105, 0)), want[5]);
    // a loaded node is packed; appending to it (the tail) opens it again
    const t = new Stream();
    for (const n of nodes) {
      const back = decodeNodeListpack(n.masterId, encodeNodeListpack(n))!;
      assert.ok(back.packed);
      t.appendNode(back);
    }
    t.lastId = s.lastId;
    t.firstId = s.firstId;
    t.append(['a', 'late', 'b', 'x'.repeat(200)], 0, { maxEntries: 100, maxBytes: 0 }, makeId(1000, 0));
    t.check();
    // (listpacks hold bytes: the one non-latin1 test string comes back as its low byte)
    const bytes = (fv: string[]): string[] => fv.map((x) => Buffer.from(x, 'latin1').toString('latin1'));
    assert.deepEqual(entriesOf(t, MIN_ID, MAX_ID, 0, false).map((e) => e.fv), [...want.map(bytes), ['a', 'late', 'b', 'x'.repeat(200)]]);
    // copies share the packed strings and read the same
    const c = s.clone();
    c.check();
    assert.deepEqual(entriesOf(c, MIN_ID, MAX_ID, 0, false).map((e) => e.fv), want);
    s.append(['a', 'after', 'b', ''], 0, lim, makeId(2000, 0));
    assert.deepEqual(entriesOf(c, MIN_ID, MAX_ID, 0, false).map((e) => e.fv), want);
  });

  it('listpack bytes encode and decode', () => {
    const r = rng(77);
    const s = new Stream();
    const lim = { maxEntries: 50, maxBytes: 6000 };
    for (let i = 0; i < 600; i++) {
      const ms = r() < 0.05 ? 2 ** 40 + i : 1000 + i * 3;
      const seq = r() < 0.3 ? Math.floor(r() * 2 ** 32) : r() < 0.05 ? Number.MAX_SAFE_INTEGER : 0;
      const x = r() < 0.01 ? makeIdBig(U64 - BigInt(600 - i), U64) : makeId(ms, seq);
      if (x > s.lastId) s.append(randFields(r), 0, lim, x);
    }
    s.deleteIds(entriesOf(s, MIN_ID, MAX_ID, 0, false).filter(() => r() < 0.2).map((e) => e.id));
    s.check();
    for (const node of s.nodes()) {
      const lp = encodeNodeListpack(node);
      assert.equal(lp.length, node.lpBytes());
      const back = decodeNodeListpack(node.masterId, lp);
      assert.ok(back !== null);
      assert.equal(back.size, node.size);
      for (let i = 0; i < node.size; i++) {
        assert.equal(back.idAt(i), node.idAt(i));
        assert.equal(back.flagsAt(i), node.flagsAt(i));
      }
      for (let i = 0; i < node.size; i++) assert.deepEqual(back.fieldsAt(i), node.fieldsAt(i));
      assert.equal(back.lpBytes(), node.lpBytes());
      assert.equal(decodeNodeListpack(node.masterId, lp.subarray(0, lp.length - 1)), null);
    }
  });

  it('rax node count (XINFO radix-tree-nodes) of a few key sets', () => {
    const s = new Stream();
    assert.equal(s.radixTreeNodes(), 1);
    const lim = { maxEntries: 1, maxBytes: 0 };
    s.append(['a', 'b'], 0, lim, makeId(1, 0));
    assert.equal(s.radixTreeNodes(), 2);
    s.append(['a', 'b'], 0, lim, makeId(2, 0));
    // root: 7 common bytes compressed -> branch {01, 02} -> each: 8 more bytes compressed -> leaf
    assert.equal(s.radixTreeNodes(), 6);
  });
});

describe('IdMap against a sorted array', () => {
  for (const [seed, ops, space] of [
    [4, 5000, 60],
    [5, 20000, 3000],
    [6, 30000, 200000],
  ] as const) {
    it(`random operations (seed ${seed})`, () => {
      const r = rng(seed);
      const m = new IdMap<number>();
      const keys: string[] = []; // sorted
      const vals = new Map<string, number>();
      const lower = (k: string): number => {
        let lo = 0;
        let hi = keys.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (keys[mid] < k) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      const key = (): string => {
        const n = Math.floor(r() * space);
        // 16-byte keys: words above 2^31 and shared prefixes
        const hi = n % 3 === 0 ? 0xfffffff0 + (n % 16) : n % 3 === 1 ? 0 : 0x80000000;
        return makeIdBig((BigInt(hi) << 32n) | BigInt(n >> 4), BigInt(n % 16) << 60n);
      };
      for (let op = 0; op < ops; op++) {
        const x = r();
        const k = key();
        const i = lower(k);
        const present = i < keys.length && keys[i] === k;
        if (x < 0.5) {
          assert.equal(m.set(k, op), !present);
          if (!present) keys.splice(i, 0, k);
          vals.set(k, op);
        } else if (x < 0.8) {
          assert.equal(m.delete(k), present);
          if (present) keys.splice(i, 1);
          vals.delete(k);
        } else {
          assert.equal(m.get(k), vals.get(k));
          assert.equal(m.has(k), present);
          const o = (['>=', '>', '<=', '<'] as const)[Math.floor(r() * 4)];
          const at = o === '>=' ? i : o === '>' ? (present ? i + 1 : i) : o === '<=' ? (present ? i : i - 1) : i - 1;
          const c = m.seek(k, o);
          assert.equal(c.valid ? c.key : undefined, keys[at]);
          if (c.valid) {
            assert.equal(c.value, vals.get(c.key));
            if (r() < 0.5) {
              c.next();
              assert.equal(c.valid ? c.key : undefined, keys[at + 1]);
            } else {
              c.prev();
              assert.equal(c.valid ? c.key : undefined, keys[at - 1]);
            }
          }
          const fl = present ? i : i - 1;
          assert.equal(m.floorValue(k), fl >= 0 ? vals.get(keys[fl]) : undefined);
        }
        if (op % 1000 === 0 || op === ops - 1) {
          m.check();
          assert.equal(m.size, keys.length);
          assert.deepEqual([...m.keys()], keys);
          assert.equal(m.firstKey(), keys[0]);
          assert.equal(m.lastKey(), keys[keys.length - 1]);
          const back: string[] = [];
          m.forEach((_v, k2) => {
            back.push(k2);
          }, true);
          assert.deepEqual(back, keys.slice().reverse());
        }
      }
      const c = m.clone();
      c.check();
      assert.deepEqual([...c.entries()], [...m.entries()]);
    });
  }

  it('keys in order (appends, then deletes from both ends and the middle)', () => {
    const m = new IdMap<number>();
    for (let i = 0; i < 100000; i++) m.set(makeId(i, 0), i);
    m.check();
    for (let i = 0; i < 100000; i += 2) m.delete(makeId(i, 0));
    m.check();
    for (let i = 99999; i > 60000; i -= 2) m.delete(makeId(i, 0));
    for (let i = 1; i < 30000; i += 2) m.delete(makeId(i, 0));
    m.check();
    assert.equal(m.size, 15000);
    assert.equal(m.firstKey(), makeId(30001, 0));
    assert.equal(m.lastKey(), makeId(59999, 0));
    assert.equal(m.floorValue(makeId(40000, 7)), 39999);
    assert.equal(m.floorValue(makeId(1, 0)), undefined);
  });
});

describe('NameMap against a Map and sorting with <', () => {
  for (const [seed, ops, space] of [
    [1, 5000, 60],
    [2, 20000, 3000],
    [3, 20000, 200000],
  ] as const) {
    it(`random operations, listed in byte order (seed ${seed})`, () => {
      const r = rng(seed);
      const m = new NameMap<number>();
      const model = new Map<string, number>();
      const byLt = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
      // names of bytes 0..255: NULs, bytes >= 0x80, prefixes of each other, empty
      const name = (): string => {
        const n = Math.floor(r() * space);
        const x = r();
        if (x < 0.3) return String.fromCharCode(n & 255, n >> 8);
        if (x < 0.4) return String.fromCharCode(n & 255);
        if (x < 0.45) return n % 7 === 0 ? '' : '\0'.repeat(n % 4) + String.fromCharCode(0xff, n & 255);
        if (x < 0.6) return 'k' + n.toString(36) + String.fromCharCode(0x80 + (n & 127));
        return 'k' + n.toString(36);
      };
      for (let op = 0; op < ops; op++) {
        const x = r();
        const k = name();
        const present = model.has(k);
        if (x < 0.5) {
          assert.equal(m.set(k, op), !present);
          model.set(k, op);
        } else if (x < 0.8) {
          assert.equal(m.delete(k), present);
          model.delete(k);
        } else {
          assert.equal(m.get(k), model.get(k));
          assert.equal(m.has(k), present);
        }
        // listings between changes (sorted lazily) and after runs of changes
        if (r() < 0.02 || op % 1000 === 0 || op === ops - 1) {
          m.check();
          assert.equal(m.size, model.size);
          const want = [...model.keys()].sort(byLt);
          assert.deepEqual(m.names(), want);
          const seen: [string, number][] = [];
          m.forEach((v, k2) => {
            seen.push([k2, v]);
          });
          assert.deepEqual(
            seen,
            want.map((k2) => [k2, model.get(k2)]),
          );
          m.check();
        }
      }
      const c = m.clone((v) => v + 1);
      c.check();
      assert.deepEqual(c.names(), m.names());
      c.forEach((v, k2) => {
        assert.equal(v, m.get(k2)! + 1);
      });
      // the copy and the original change independently
      const first = m.names()[0];
      if (first !== undefined) {
        assert.ok(c.delete(first));
        assert.equal(m.get(first), model.get(first));
        assert.equal(m.names()[0], first);
        assert.notEqual(c.names()[0], first);
      }
      c.set('\0new', 1);
      assert.ok(!m.has('\0new'));
      c.check();
      m.check();
    });
  }

  it('byte order: NUL and high bytes, shorter prefix first', () => {
    const m = new NameMap<number>();
    const names = ['b', 'a\xff', 'a', '\xff', '\x80', 'a\0', '', '\0', '\0\0', 'A', 'a\x7f', 'ab'];
    names.forEach((n, i) => m.set(n, i));
    assert.deepEqual(m.names(), ['', '\0', '\0\0', 'A', 'a', 'a\0', 'ab', 'a\x7f', 'a\xff', 'b', '\x80', '\xff']);
    assert.deepEqual(
      m.names(),
      [...m.names()].sort((x, y) => Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1'))),
    );
  });
});

// ---------------------------------------------------------------------------
// Against redis-server 7.0: the module is driven directly, Redis over RESP.
// ---------------------------------------------------------------------------

/** The rax keys and listpacks of a DUMP payload (rdbcompression no). */
function dumpNodes(payload: string): [string, Buffer][] {
  const b = Buffer.from(payload, 'latin1');
  let p = 0;
  const type = b[p++];
  assert.ok(type === 19 || type === 15, `stream RDB type, got ${type}`);
  const len = (): number => {
    const c = b[p];
    if (c >> 6 === 0) {
      p++;
      return c & 63;
    }
    if (c >> 6 === 1) {
      const v = ((c & 63) << 8) | b[p + 1];
      p += 2;
      return v;
    }
    if (c === 0x80) {
      const v = b.readUInt32BE(p + 1);
      p += 5;
      return v;
    }
    throw new Error(`unexpected RDB length byte ${c}`);
  };
  const str = (): Buffer => {
    const n = len();
    const s = b.subarray(p, p + n);
    p += n;
    return s;
  };
  const out: [string, Buffer][] = [];
  for (let n = len(); n > 0; n--) out.push([str().toString('latin1'), Buffer.from(str())]);
  return out;
}

function infoMap(v: RespValue): Map<string, RespValue> {
  assert.ok(Array.isArray(v), `XINFO reply ${String(v)}`);
  const m = new Map<string, RespValue>();
  for (let i = 0; i < v.length; i += 2) m.set(String(v[i]), v[i + 1]);
  return m;
}

const oracleSkip = oracleSkipReason();

describe('Stream nodes and groups against redis-server 7.0', { skip: oracleSkip === false ? false : oracleSkip }, () => {
  let oracle: OracleServer;
  let cl: RawClient;
  before(async () => {
    oracle = await redisOracle({ rdbcompression: 'no' });
    cl = await RawClient.connect(oracle.port);
  });
  after(async () => {
    cl?.close();
    await oracle?.close();
  });

  const pipeline = async (cmds: (string | number)[][]): Promise<RespValue[]> => {
    for (const c of cmds) cl.send(...c);
    const out: RespValue[] = [];
    for (let i = 0; i < cmds.length; i++) out.push(await cl.next());
    return out;
  };

  const compareStream = async (s: Stream, label: string): Promise<void> => {
    const info = infoMap(await cl.call('XINFO', 'STREAM', 'k'));
    assert.equal(info.get('length'), s.length, `length ${label}`);
    assert.equal(info.get('radix-tree-keys'), s.nodeCount, `radix-tree-keys ${label}`);
    assert.equal(info.get('radix-tree-nodes'), s.radixTreeNodes(), `radix-tree-nodes ${label}`);
    assert.equal(info.get('last-generated-id'), formatId(s.lastId), `last-generated-id ${label}`);
    assert.equal(info.get('max-deleted-entry-id'), formatId(s.maxDeletedId), `max-deleted-entry-id ${label}`);
    assert.equal(info.get('entries-added'), s.entriesAdded, `entries-added ${label}`);
    assert.equal(info.get('recorded-first-entry-id'), formatId(s.firstId), `recorded-first-entry-id ${label}`);
    const nodes = dumpNodes(String(await cl.call('DUMP', 'k')));
    const ours = [...s.nodes()];
    assert.equal(nodes.length, ours.length, `node count in DUMP ${label}`);
    for (let i = 0; i < nodes.length; i++) {
      assert.equal(nodes[i][0], ours[i].masterId, `node ${i} key ${label}`);
      assert.ok(nodes[i][1].equals(encodeNodeListpack(ours[i])), `node ${i} listpack bytes ${label}`);
      const back = decodeNodeListpack(nodes[i][0] as StreamId, nodes[i][1]);
      assert.ok(back !== null, `node ${i} decodes ${label}`);
      assert.equal(back.size, ours[i].size);
      assert.equal(back.sorted, ours[i].sorted);
      assert.equal(back.lpBytes(), ours[i].lpBytes());
      for (let j = 0; j < back.size; j++) assert.deepEqual(back.fieldsAt(j), ours[i].fieldsAt(j));
      for (let j = 0; j < back.size; j++) {
        assert.equal(back.idAt(j), ours[i].idAt(j));
        assert.equal(back.flagsAt(j), ours[i].flagsAt(j));
      }
    }
  };

  const configs: [string, number, number, (r: () => number, i: number) => string[]][] = [
    ['defaults, small values', 100, 4096, (r) => ['sensor', String(Math.floor(r() * 1000)), 'reading', 'x'.repeat(Math.floor(r() * 10))]],
    ['defaults, 20-200 byte values', 100, 4096, (r) => ['a', 'v'.repeat(20 + Math.floor(r() * 180))]],
    ['10 entries, no byte limit', 10, 0, (r) => ['f', 'v'.repeat(Math.floor(r() * 50))]],
    ['no entry limit, 500 bytes', 0, 500, (r) => ['f', 'v'.repeat(Math.floor(r() * 300)), 'g', 'w']],
    ['7 entries, 300 bytes, mixed fields and integers', 7, 300, (r) => randFields(r)],
    ['defaults, values past the byte limit', 100, 4096, (r) => ['big', 'b'.repeat(1000 + Math.floor(r() * 4000))]],
    ['3 entries, 4096 bytes, long strings (12 and 32 bit lengths)', 3, 4096, (r) => ['s', 'q'.repeat(r() < 0.5 ? 70 : 5000)]],
    ['1 entry', 1, 0, (r) => ['a', String(r())]],
  ];
  for (const [name, maxEntries, maxBytes, gen] of configs) {
    it(`node boundaries and approximate trims: ${name}`, async () => {
      const r = rng(maxEntries * 7919 + maxBytes + name.length);
      const lim = { maxEntries, maxBytes };
      await pipeline([['DEL', 'k'], ['CONFIG', 'SET', 'stream-node-max-entries', maxEntries], ['CONFIG', 'SET', 'stream-node-max-bytes', maxBytes]]);
      const s = new Stream();
      const cmds: (string | number)[][] = [];
      let ms = 1_600_000_000_000;
      let seq = 0;
      for (let i = 0; i < 1200; i++) {
        const jump = r();
        if (jump < 0.3) {
          ms += jump < 0.01 ? 2 ** 33 : Math.floor(r() * 5) + 1;
          seq = r() < 0.8 ? 0 : Math.floor(r() * 70000);
        } else seq += r() < 0.01 ? 2 ** 31 : 1;
        const x = makeId(ms, seq);
        const fv = gen(r, i);
        assert.equal(s.append(fv, 0, lim, x), x);
        cmds.push(['XADD', 'k', formatId(x), ...fv]);
      }
      const ids = entriesOf(s, MIN_ID, MAX_ID, 0, false).map((e) => e.id);
      const dels = ids.filter(() => r() < 0.1);
      for (const d of dels) cmds.push(['XDEL', 'k', formatId(d)]);
      assert.equal(s.deleteIds(dels), dels.length);
      await pipeline(cmds);
      await compareStream(s, 'after XADD and XDEL');
      for (let round = 0; round < 12 && s.length > 0; round++) {
        const kind = r();
        let cmd: (string | number)[];
        let n: number;
        if (kind < 0.5) {
          const maxlen = Math.floor(s.length * (0.5 + r() * 0.5));
          const limit = r() < 0.3 ? Math.floor(r() * 300) : 0;
          cmd = ['XTRIM', 'k', 'MAXLEN', '~', maxlen, ...(limit ? ['LIMIT', limit] : [])];
          n = s.trimByLength(maxlen, true, limit || defaultTrimLimit(maxEntries));
        } else if (kind < 0.8) {
          const live = entriesOf(s, MIN_ID, MAX_ID, 0, false);
          const minid = live[Math.floor(r() * live.length * 0.5)].id;
          cmd = ['XTRIM', 'k', 'MINID', '~', formatId(minid)];
          n = s.trimById(minid, true, defaultTrimLimit(maxEntries));
        } else if (kind < 0.9) {
          const maxlen = Math.floor(s.length * (0.7 + r() * 0.3));
          cmd = ['XTRIM', 'k', 'MAXLEN', '=', maxlen];
          n = s.trimByLength(maxlen, false);
        } else {
          // XADD with MAXLEN ~ trims after the append
          const x = incrId(s.lastId)!;
          const fv = gen(r, 0);
          const maxlen = Math.floor(s.length * 0.8);
          const got = await cl.call('XADD', 'k', 'MAXLEN', '~', maxlen, formatId(x), ...fv);
          assert.equal(got, formatId(s.append(fv, 0, lim, x) as StreamId));
          s.trimByLength(maxlen, true, defaultTrimLimit(maxEntries));
          await compareStream(s, `after XADD MAXLEN ~ ${maxlen}`);
          continue;
        }
        assert.equal(await cl.call(...cmd), n, cmd.join(' '));
        await compareStream(s, `after ${cmd.join(' ')}`);
      }
      s.check();
    });
  }

  it('XSETID below deleted entries: unsorted nodes scanned, looked up and trimmed as Redis does', async () => {
    const lim = { maxEntries: 6, maxBytes: 0 };
    await pipeline([['DEL', 'k'], ['CONFIG', 'SET', 'stream-node-max-entries', 6], ['CONFIG', 'SET', 'stream-node-max-bytes', 0]]);
    const r = rng(2024);
    const s = new Stream();
    let unsortedSteps = 0;
    let disorderedSteps = 0;
    const topMs = (): number => Number(idMs(s.lastId));
    const near = (): StreamId => makeId(Math.max(0, topMs() - 3 + Math.floor(r() * 5)), Math.floor(r() * 4));
    // keys of the nodes kept without live entries, to aim XADDs at them
    const keys = (): StreamId[] => [...s.nodes()].filter((n) => n.live === 0).map((n) => n.masterId);
    const rangeArg = (): string => {
      const x = r();
      if (x < 0.1) return '-';
      if (x < 0.2) return '+';
      const ms = Math.max(0, topMs() - 6 + Math.floor(r() * 8));
      if (x < 0.35) return String(ms);
      return (r() < 0.3 ? '(' : '') + `${ms}-${Math.floor(r() * 4)}`;
    };
    for (let step = 0; step < 1200; step++) {
      const x = r();
      let cmd: (string | number)[];
      let want: RespValue;
      if (x < 0.3) {
        const zl = keys();
        const target = zl.length && r() < 0.2 ? zl[0] : near();
        const got = target === MIN_ID ? StreamErr.xaddZero : s.append(['f', String(step)], 0, lim, target); // the command refuses 0-0 first
        cmd = ['XADD', 'k', formatId(target), 'f', String(step)];
        want = isStreamId(got) ? formatId(got) : new RespError(got);
      } else if (x < 0.45) {
        // mostly the last entries, to leave deleted ones at the end of a node
        const last: StreamId[] = [];
        s.range(MIN_ID, MAX_ID, 3, true, (k) => {
          last.push(k);
        });
        const ids = [last.length && r() < 0.7 ? last[Math.floor(r() * last.length)] : near(), near()];
        cmd = ['XDEL', 'k', ...ids.map((k) => formatId(k))];
        want = s.deleteIds(ids);
      } else if (x < 0.47) {
        // empty the stream but keep its last node (deleted entries only), then
        // set the last ID far below that node's key: new nodes go before it
        const last: StreamId[] = [];
        s.range(MIN_ID, MAX_ID, 1, true, (k) => {
          last.push(k);
        });
        if (last.length === 0) continue;
        assert.equal(await cl.call('XDEL', 'k', formatId(last[0])), s.deleteIds([last[0]]));
        assert.equal(await cl.call('XTRIM', 'k', 'MINID', '=', formatId(last[0])), s.trimById(last[0], false));
        if (s.length !== 0) continue;
        const low = makeId(Math.floor(r() * 2), Math.floor(r() * 3));
        assert.equal(await cl.call('XSETID', 'k', formatId(low)), 'OK');
        assert.equal(s.setId(low), null);
        for (let n = Math.floor(r() * 8); n > 0; n--) {
          const next = incrId(s.lastId)!;
          assert.equal(await cl.call('XADD', 'k', formatId(next), 'f', 'low'), formatId(s.append(['f', 'low'], 0, lim, next) as StreamId));
        }
        const target = r() < 0.3 ? keys()[0] ?? incrId(s.lastId)! : incrId(s.lastId)!;
        cmd = ['XADD', 'k', formatId(target), 'f', 'last'];
        const got = s.append(['f', 'last'], 0, lim, target);
        want = isStreamId(got) ? formatId(got) : new RespError(got);
      } else if (x < 0.5) {
        // delete the last entry, set the last ID to the entry before it, add
        // right after that: the new entry follows a greater (or equal) deleted ID
        const last2: StreamId[] = [];
        s.range(MIN_ID, MAX_ID, 2, true, (k) => {
          last2.push(k);
        });
        if (last2.length < 2) continue;
        assert.equal(await cl.call('XDEL', 'k', formatId(last2[0])), s.deleteIds([last2[0]]));
        const set = s.setId(last2[1]);
        assert.deepEqual(await cl.call('XSETID', 'k', formatId(last2[1])), set === null ? 'OK' : new RespError(set));
        const target = r() < 0.5 ? last2[0] : incrId(last2[1])!;
        cmd = ['XADD', 'k', formatId(target), 'f', String(step)];
        const got = s.append(['f', String(step)], 0, lim, target);
        want = isStreamId(got) ? formatId(got) : new RespError(got);
      } else if (x < 0.55) {
        // below the last deleted entries, or anywhere once the stream is empty
        const top = s.lastLiveId();
        const at = r() < 0.2 ? makeId(Math.floor(r() * 3), 1) : near();
        cmd = ['XSETID', 'k', formatId(at)];
        if ((await cl.call('EXISTS', 'k')) !== 1) continue;
        const err = s.setId(at);
        want = err === null ? 'OK' : new RespError(err);
        if (top !== null && at >= top) assert.equal(err, null);
      } else if (x < 0.62) {
        const minid = r() < 0.5 ? near() : makeId(Math.max(0, topMs() - 8 + Math.floor(r() * 6)), Math.floor(r() * 4));
        const approx = r() < 0.3;
        cmd = ['XTRIM', 'k', 'MINID', approx ? '~' : '=', formatId(minid)];
        want = s.trimById(minid, approx, approx ? defaultTrimLimit(6) : 0);
      } else if (x < 0.66) {
        const maxlen = Math.floor(r() * (s.length + 1));
        cmd = ['XTRIM', 'k', 'MAXLEN', maxlen];
        want = s.trimByLength(maxlen, false);
      } else {
        const rev = r() < 0.5;
        const a = rangeArg();
        const b = rangeArg();
        const count = r() < 0.5 ? 0 : Math.floor(r() * 3) + 1;
        cmd = [rev ? 'XREVRANGE' : 'XRANGE', 'k', a, b, ...(count ? ['COUNT', count] : [])];
        const st = parseRangeStart(rev ? b : a);
        const en = parseRangeEnd(rev ? a : b);
        if (!isStreamId(st)) want = new RespError(st);
        else if (!isStreamId(en)) want = new RespError(en);
        else {
          const items: RespValue[] = [];
          s.range(st, en, count, rev, (k, data, from, to) => {
            items.push([formatId(k), data.slice(from, to)]);
          });
          want = items;
        }
      }
      const got = await cl.call(...cmd);
      if (want instanceof RespError) {
        assert.ok(got instanceof RespError, `${cmd.join(' ')}: expected an error (step ${step})`);
        assert.equal(got.message, want.message, cmd.join(' '));
      } else assert.deepEqual(got, want, `reply of ${cmd.join(' ')} (step ${step})`);
      if ((await cl.call('EXISTS', 'k')) === 1) await compareStream(s, `after ${cmd.join(' ')} (step ${step})`);
      for (const n of s.nodes()) if (!n.sorted) unsortedSteps++;
      if ((s as unknown as { disordered: boolean }).disordered) disorderedSteps++;
    }
    assert.ok(unsortedSteps > 40, `unsorted nodes seen in ${unsortedSteps} steps`);
    assert.ok(disorderedSteps > 20, `nodes added before the last one in ${disorderedSteps} steps`);
    s.check();
  });

  it('groups: entries-read, lag, PELs and consumers through XREADGROUP, XCLAIM, XAUTOCLAIM, XACK, XDEL, XTRIM, SETID, XSETID', async () => {
    await pipeline([['DEL', 'k'], ['CONFIG', 'SET', 'stream-node-max-entries', 4], ['CONFIG', 'SET', 'stream-node-max-bytes', 0]]);
    const lim = { maxEntries: 4, maxBytes: 0 };
    const r = rng(99);
    const s = new Stream();
    const now = 1000;
    let ms = 1;
    const streamExists = async (): Promise<boolean> => (await cl.call('EXISTS', 'k')) === 1;
    for (let step = 0; step < 1000; step++) {
      const x = r();
      const gname = ['g1', 'g2', 'g3'][Math.floor(r() * 3)];
      const g = s.getGroup(gname);
      const randId = (): StreamId => makeId(Math.floor(r() * (ms + 2)), Math.floor(r() * 2));
      let cmd: (string | number)[];
      let want: RespValue;
      if (x < 0.25) {
        ms += Math.floor(r() * 2);
        const target = makeId(ms, Math.floor(r() * 3));
        const got = s.append(['f', String(step)], now, lim, target);
        cmd = ['XADD', 'k', formatId(target), 'f', String(step)];
        want = isStreamId(got) ? formatId(got) : new RespError(got);
      } else if (x < 0.33) {
        const ids = [randId(), randId()];
        cmd = ['XDEL', 'k', ...ids.map((k) => formatId(k))];
        want = s.deleteIds(ids);
      } else if (x < 0.37) {
        const maxlen = Math.floor(s.length * r());
        cmd = ['XTRIM', 'k', 'MAXLEN', maxlen];
        want = s.trimByLength(maxlen, false);
      } else if (x < 0.41) {
        const minid = randId();
        cmd = ['XTRIM', 'k', 'MINID', formatId(minid)];
        want = s.trimById(minid, false);
      } else if (x < 0.47) {
        if (g !== undefined) continue;
        const at = r() < 0.3 ? s.lastId : randId();
        const er = r() < 0.3 ? Math.floor(r() * 10) : -1;
        cmd = ['XGROUP', 'CREATE', 'k', gname, r() < 0.3 && at === s.lastId ? '$' : formatId(at), 'MKSTREAM', ...(er >= 0 ? ['ENTRIESREAD', er] : [])];
        s.createGroup(gname, at, er);
        want = 'OK';
      } else if (x < 0.62) {
        if (g === undefined) continue;
        const count = Math.floor(r() * 3);
        cmd = ['XREADGROUP', 'GROUP', gname, 'c' + Math.floor(r() * 2), ...(count ? ['COUNT', count] : []), 'STREAMS', 'k', '>'];
        const top = s.lastLiveId();
        if (top === null || top <= g.lastId) want = null;
        else {
          const cname = String(cmd[3]);
          const c = g.lookupConsumer(cname, now) ?? g.createConsumer(cname, now)!;
          const items: RespValue[] = [];
          s.readGroupNew(g, c, count, false, now, (rid, data, from, to) => {
            items.push([formatId(rid), data.slice(from, to)]);
          });
          want = [['k', items]];
        }
      } else if (x < 0.66) {
        if (g === undefined) continue;
        const at = r() < 0.3 ? s.lastId : randId();
        const er = r() < 0.4 ? Math.floor(r() * 10) : -1;
        cmd = ['XGROUP', 'SETID', 'k', gname, formatId(at), ...(er >= 0 ? ['ENTRIESREAD', er] : [])];
        g.setId(at, er);
        want = 'OK';
      } else if (x < 0.71) {
        if (g === undefined) continue;
        const pending = [...g.pel.keys()];
        const ids = pending.length ? [pending[Math.floor(r() * pending.length)] as StreamId] : [randId()];
        cmd = ['XACK', 'k', gname, ...ids.map((k) => formatId(k))];
        want = ids.filter((k) => g.ack(k)).length;
      } else if (x < 0.75) {
        const at = makeId(ms + Math.floor(r() * 2) - 1, Math.floor(r() * 3));
        const added: Counter = r() < 0.5 ? Math.floor(r() * (s.length + 3)) : -1;
        cmd = ['XSETID', 'k', formatId(at), ...(added !== -1 ? ['ENTRIESADDED', String(added)] : [])];
        if (!(await streamExists())) continue;
        const err = s.setId(at, added);
        want = err === null ? 'OK' : new RespError(err);
        if (err === null && idMs(at) > BigInt(ms)) ms = Number(idMs(at));
      } else {
        if (g === undefined) continue;
        const cname = 'c' + Math.floor(r() * 3);
        const y = r();
        const pick = (): StreamId => {
          const pending = [...g.pel.keys()] as StreamId[];
          return pending.length && r() < 0.7 ? pending[Math.floor(r() * pending.length)] : randId();
        };
        if (y < 0.12) {
          cmd = ['XGROUP', 'DELCONSUMER', 'k', gname, cname];
          want = g.deleteConsumer(cname) ?? 0;
        } else if (y < 0.2) {
          cmd = ['XGROUP', 'CREATECONSUMER', 'k', gname, cname];
          want = g.createConsumer(cname, now) === null ? 0 : 1;
        } else if (y < 0.45) {
          const ids = [pick(), pick(), pick()].slice(0, 1 + Math.floor(r() * 3));
          const force = r() < 0.3;
          const justId = r() < 0.4;
          const retryCount = r() < 0.2 ? Math.floor(r() * 5) : -1;
          cmd = ['XCLAIM', 'k', gname, cname, 0, ...ids.map((k) => formatId(k)), ...(force ? ['FORCE'] : []), ...(justId ? ['JUSTID'] : []), ...(retryCount >= 0 ? ['RETRYCOUNT', retryCount] : [])];
          const items: RespValue[] = [];
          s.claim(g, cname, ids, now, { minIdle: 0, force, justId, retryCount }, { claimed: (k) => items.push(justId ? formatId(k) : [formatId(k), s.get(k)]) });
          want = items;
        } else if (y < 0.65) {
          const start = r() < 0.5 ? MIN_ID : pick();
          const count = 1 + Math.floor(r() * 3);
          const justId = r() < 0.4;
          cmd = ['XAUTOCLAIM', 'k', gname, cname, 0, formatId(start), 'COUNT', count, ...(justId ? ['JUSTID'] : [])];
          const items: RespValue[] = [];
          const res = s.autoclaim(g, cname, 0, start, count, justId, now, { claimed: (k) => items.push(justId ? formatId(k) : [formatId(k), s.get(k)]) });
          want = [formatId(res.next), items, res.deleted.map((k) => formatId(k))];
        } else if (y < 0.82) {
          // XREADGROUP with an ID: the consumer's own pending entries after it
          const after = r() < 0.6 ? MIN_ID : pick();
          const count = Math.floor(r() * 3);
          cmd = ['XREADGROUP', 'GROUP', gname, cname, ...(count ? ['COUNT', count] : []), 'STREAMS', 'k', formatId(after)];
          const c = g.lookupConsumer(cname, now) ?? g.createConsumer(cname, now)!;
          const items: RespValue[] = [];
          const start = incrId(after);
          if (start !== null) {
            s.readHistory(c, start, count, now, (k, data, from, to) => {
              items.push([formatId(k), data === null ? null : data.slice(from, to)]);
            });
          }
          want = [['k', items]];
        } else {
          // XPENDING's extended form (idle times aside)
          const withConsumer = r() < 0.5;
          cmd = ['XPENDING', 'k', gname, '-', '+', 1 + Math.floor(r() * 5), ...(withConsumer ? [cname] : [])];
          const items: RespValue[] = [];
          const c = withConsumer ? g.lookupConsumer(cname) : undefined;
          if (!withConsumer || c !== undefined) {
            StreamGroup.pendingRange(c === undefined ? g.pel : c.pel, MIN_ID, MAX_ID, Number(cmd[5]), 0, now, (k, nack) => {
              items.push([formatId(k), nack.consumer!.name, nack.deliveryCount]);
            });
          }
          const got = await cl.call(...cmd);
          assert.ok(Array.isArray(got));
          assert.deepEqual(
            got.map((e) => [(e as RespValue[])[0], (e as RespValue[])[1], (e as RespValue[])[3]]),
            items,
            `reply of ${cmd.join(' ')} (step ${step})`,
          );
          continue;
        }
      }
      const got = await cl.call(...cmd);
      if (want instanceof RespError) {
        assert.ok(got instanceof RespError, `${cmd.join(' ')}: expected an error`);
        assert.equal(got.message, want.message, cmd.join(' '));
      } else assert.deepEqual(got, want, `reply of ${cmd.join(' ')} (step ${step})`);
      if (!(await streamExists())) continue;
      await compareStream(s, `after ${cmd.join(' ')} (step ${step})`);
      const groups = await cl.call('XINFO', 'GROUPS', 'k');
      assert.ok(Array.isArray(groups));
      const ours = s.groups();
      assert.equal(groups.length, ours.length);
      for (let i = 0; i < ours.length; i++) {
        const gi = infoMap(groups[i]);
        const og = ours[i];
        const where = `group ${og.name} after ${cmd.join(' ')} (step ${step})`;
        assert.equal(gi.get('name'), og.name, where);
        assert.equal(gi.get('consumers'), og.consumers.size, `consumers of ${where}`);
        assert.equal(gi.get('pending'), og.pel.size, `pending of ${where}`);
        assert.equal(gi.get('last-delivered-id'), formatId(og.lastId), `last-delivered-id of ${where}`);
        assert.equal(gi.get('entries-read'), og.entriesRead === -1 ? null : og.entriesRead, `entries-read of ${where}`);
        assert.equal(gi.get('lag'), s.groupLag(og), `lag of ${where}`);
        const summary = await cl.call('XPENDING', 'k', og.name);
        const consumers: RespValue[] = [];
        og.consumers.forEach((c) => {
          if (c.pel.size) consumers.push([c.name, String(c.pel.size)]);
        });
        assert.deepEqual(summary, og.pel.size ? [og.pel.size, formatId(og.pel.firstKey() as StreamId), formatId(og.pel.lastKey() as StreamId), consumers] : [0, null, null, null], `XPENDING of ${where}`);
        const cinfo = await cl.call('XINFO', 'CONSUMERS', 'k', og.name);
        assert.ok(Array.isArray(cinfo));
        const ourConsumers: RespValue[] = [];
        og.consumers.forEach((c) => {
          ourConsumers.push([c.name, c.pel.size]);
        });
        assert.deepEqual(
          cinfo.map((c) => {
            const m = infoMap(c);
            return [m.get('name')!, m.get('pending')!];
          }),
          ourConsumers,
          `XINFO CONSUMERS of ${where}`,
        );
      }
    }
    s.check();
  });
});

// keep StreamGroup's static helper covered
describe('StreamGroup.pendingRange', () => {
  it('walks a PEL between two IDs with a count and an idle filter', () => {
    const s = new Stream();
    for (let i = 1; i <= 10; i++) s.append(['f', 'v'], 0, DEFAULT_NODE_LIMITS, makeId(i, 0));
    const g = s.createGroup('g', MIN_ID)!;
    const c = g.createConsumer('c', 0)!;
    for (let i = 1; i <= 10; i++) s.readGroupNew(g, c, 1, false, i * 10);
    const seen: string[] = [];
    const n = StreamGroup.pendingRange(g.pel, makeId(3, 0), makeId(9, 0), 3, 45, 100, (k) => seen.push(formatId(k)));
    assert.equal(n, 3);
    assert.deepEqual(seen, ['3-0', '4-0', '5-0']); // delivered at 30, 40, 50: idle 70, 60, 50
    const all: string[] = [];
    StreamGroup.pendingRange(c.pel, MIN_ID, MAX_ID, 100, 0, 100, (k) => all.push(formatId(k)));
    assert.equal(all.length, 10);
  });
});

describe('claim events name the position of the ID (XCLAIM propagates the argument as given)', () => {
  it('claimed and dropped carry the index into ids; autoclaim passes -1', () => {
    const s = new Stream();
    for (let i = 1; i <= 3; i++) s.append(['f', String(i)], 0, DEFAULT_NODE_LIMITS, makeId(i, 0));
    const g = s.createGroup('g', MIN_ID)!;
    const c = g.createConsumer('a', 0)!;
    s.readGroupNew(g, c, 0, false, 0);
    s.deleteEntry(makeId(2, 0));
    const seen: string[] = [];
    s.claim(g, 'b', [makeId(9, 0), makeId(1, 0), makeId(2, 0), makeId(1, 0)], 10, { minIdle: 0 }, {
      claimed: (id, _n, k) => void seen.push(`claimed ${formatId(id)} @${k}`),
      dropped: (id, _n, k) => void seen.push(`dropped ${formatId(id)} @${k}`),
    });
    assert.deepEqual(seen, ['claimed 1-0 @1', 'dropped 2-0 @2', 'claimed 1-0 @3']);
    const idx: number[] = [];
    s.autoclaim(g, 'c', 0, MIN_ID, 10, true, 20, { claimed: (_id, _n, k) => void idx.push(k) });
    assert.deepEqual(idx, [-1, -1]);
    s.check();
  });
});
