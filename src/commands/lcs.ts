/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] (t_string.c).
 *
 * The classic dynamic-programming table, as Redis builds it, and bounded
 * as Redis bounds it: the table of (len1+1)*(len2+1) 4-byte cells may not
 * exceed proto-max-bulk-len. Cells are stored in 16 bits when the LCS can
 * not exceed 65535 (always, under the default limit), halving the memory;
 * LEN alone needs only two rows.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { Err } from '../protocol/errors.js';
import { isStringValue, type ByteString } from '../types/object.js';
import { getLong, is } from './args.js';

const UINT32_MAX = 4294967295;

function bytesOf(v: string | ByteString | undefined): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  return v.buf.subarray(0, v.len);
}

/** Length of the LCS with two rows of the table. */
function lcsLength(a: Buffer, b: Buffer): number {
  const blen = b.length;
  let prev = new Uint32Array(blen + 1);
  let cur = new Uint32Array(blen + 1);
  for (let i = 1; i <= a.length; i++) {
    const ca = a[i - 1];
    for (let j = 1; j <= blen; j++) {
      if (ca === b[j - 1]) cur[j] = prev[j - 1] + 1;
      else {
        const up = prev[j];
        const left = cur[j - 1];
        cur[j] = up > left ? up : left;
      }
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[blen];
}

function lcs(c: Session, argv: string[]): void {
  const db = c.db;
  const va = db.read(argv[1]);
  const vb = db.read(argv[2]);
  if ((va !== undefined && !isStringValue(va)) || (vb !== undefined && !isStringValue(vb))) {
    c.w.error('ERR The specified keys must contain string values');
    return;
  }
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const moreArgs = argv.length - 1 - j;
    if (is(opt, 'idx')) getIdx = true;
    else if (is(opt, 'len')) getLen = true;
    else if (is(opt, 'withmatchlen')) withMatchLen = true;
    else if (is(opt, 'minmatchlen') && moreArgs > 0) {
      const n = getLong(c, argv[j + 1]);
      if (n === null) return;
      minMatchLen = n < 0 ? 0 : n;
      j++;
    } else {
      c.w.error(Err.syntax);
      return;
    }
  }
  if (getIdx && getLen) {
    c.w.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const alenRaw = va === undefined ? 0 : typeof va === 'string' ? va.length : (va as ByteString).len;
  const blenRaw = vb === undefined ? 0 : typeof vb === 'string' ? vb.length : (vb as ByteString).len;
  if (alenRaw >= UINT32_MAX - 1 || blenRaw >= UINT32_MAX - 1) {
    c.w.error('ERR String too long for LCS');
    return;
  }
  // The transient table Redis would allocate.
  const cells = (alenRaw + 1) * (blenRaw + 1);
  if (cells * 4 > c.server.config.protoMaxBulkLen) {
    c.w.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  const a = bytesOf(va as string | ByteString | undefined);
  const b = bytesOf(vb as string | ByteString | undefined);
  const alen = a.length;
  const blen = b.length;

  if (getLen) {
    c.w.int(lcsLength(a, b));
    return;
  }

  const w = blen + 1;
  // With proto-max-bulk-len raised, the table can be larger than one typed array may be:
  // the same refusal as the memory bound, not a fault.
  let table: Uint16Array | Uint32Array;
  try {
    table = Math.min(alen, blen) < 65535 ? new Uint16Array(cells) : new Uint32Array(cells);
  } catch {
    c.w.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  for (let i = 1; i <= alen; i++) {
    const ca = a[i - 1];
    const row = i * w;
    const prow = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b[j - 1]) table[row + j] = table[prow + j - 1] + 1;
      else {
        const up = table[prow + j];
        const left = table[row + j - 1];
        table[row + j] = up > left ? up : left;
      }
    }
  }

  let idx = table[alen * w + blen];
  const total = idx;
  const result = Buffer.allocUnsafe(total);
  // Ranges found while walking back from the end: [a0, a1, b0, b1].
  const ranges: number[] = [];
  let aStart = alen; // alen: no current range
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        // Contiguous with the current range: extend it backwards.
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const up = table[(i - 1) * w + j];
      const left = table[i * w + j - 1];
      if (up > left) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) ranges.push(aStart, aEnd, bStart, bEnd);
      aStart = alen;
    }
  }

  if (!getIdx) {
    c.w.bulkBuffer(result, total);
    return;
  }
  c.w.map(2);
  c.w.bulk('matches');
  const n = ranges.length / 4;
  c.w.array(n);
  for (let k = 0; k < ranges.length; k += 4) {
    c.w.array(withMatchLen ? 3 : 2);
    c.w.array(2);
    c.w.int(ranges[k]);
    c.w.int(ranges[k + 1]);
    c.w.array(2);
    c.w.int(ranges[k + 2]);
    c.w.int(ranges[k + 3]);
    if (withMatchLen) c.w.int(ranges[k + 1] - ranges[k] + 1);
  }
  c.w.bulk('len');
  c.w.int(total);
}

export const lcsCommands: HandlerMap = {
  lcs,
};

