/**
 * LZF as Redis builds it (lzf_c.c / lzf_d.c with Redis's lzfP.h: HLOG 16,
 * VERY_FAST 1, ULTRA_FAST 0, CHECK_INPUT 1, hash slots holding offsets from
 * the input start). Compressing an input gives the same bytes redis-server
 * writes into RDB files and DUMP payloads.
 *
 * Compressed format (lzf_c.c header comment):
 *   000LLLLL <L+1 bytes>         literal run of 1..32 bytes
 *   LLLooooo oooooooo            back reference, length L+2 (L = 1..6), offset o+1
 *   111ooooo LLLLLLLL oooooooo   back reference, length L+9, offset o+1
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * The hash table, reused across calls. Slots hold input offsets; 0 means "no
 * reference" (the C code leaves the table uninitialised and rejects a
 * candidate with `ref > in_data`, so offset 0 is never a match source either
 * way; we start every call from an all-zero table, the deterministic reading
 * of it). Rather than clearing 256 KB per call, a slot counts only when its
 * generation tag equals the current call's.
 */
const htab = new Uint32Array(HSIZE);
const hgen = new Uint32Array(HSIZE);
let gen = 0;

function newGeneration(): void {
  if (gen === 0xffffffff) {
    hgen.fill(0);
    gen = 0;
  }
  gen++;
}

function setSlot(slot: number, ip: number): void {
  htab[slot] = ip;
  hgen[slot] = gen;
}

/** IDX(h) for VERY_FAST: ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1), in uint32 arithmetic. */
function idx(h: number): number {
  return ((h >>> (24 - HLOG)) - h * 5) & (HSIZE - 1);
}

/**
 * lzf_compress(): compresses input into out; returns the compressed length,
 * or 0 when the input is empty or the result does not fit in out.length.
 */
export function lzfCompress(input: Buffer, out: Buffer): number {
  const inLen = input.length;
  const outLen = out.length;
  if (inLen === 0 || outLen === 0) return 0;
  newGeneration();

  let ip = 0;
  let op = 1; // "start run": reserve the first literal header byte
  let lit = 0;
  // FRST(ip); the C code reads ip[1] even for a 1-byte input, unused then.
  let hval = inLen > 1 ? (input[0] << 8) | input[1] : 0;

  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0; // NEXT
    const slot = idx(hval);
    const ref = hgen[slot] === gen ? htab[slot] : 0;
    setSlot(slot, ip);
    let off: number;
    if (
      ref !== 0 &&
      (off = ip - ref - 1) < MAX_OFF &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outLen) if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outLen) return 0;
      out[op - lit - 1] = (lit - 1) & 0xff; // stop run
      if (lit === 0) op--; // undo run if length is zero

      // Match length, as the C loop computes it: with maxlen > 16 it first
      // compares up to 16 bytes without checking maxlen (so near the input end
      // a match may run past maxlen, up to the last input byte), then goes on
      // one byte at a time while len < maxlen.
      let done = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            done = true;
            break;
          }
        }
      }
      if (!done) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }

      len -= 2; // the decoder copies len + 2 bytes
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= inLen - 2) break;

      // VERY_FAST: hash the two positions before the new ip.
      ip -= 2;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      setSlot(idx(hval), ip);
      ip++;
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      setSlot(idx(hval), ip);
      ip++;
    } else {
      // one more literal byte we must copy
      if (op >= outLen) return 0;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }

  if (op + 3 > outLen) return 0; // at most 3 bytes can be missing here
  while (ip < inLen) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = (lit - 1) & 0xff; // end run
  if (lit === 0) op--; // undo run if length is zero
  return op;
}

/**
 * lzf_decompress() with CHECK_INPUT, but stricter about the result: returns
 * exactly outLen bytes, or null when the input is malformed (back reference
 * before the output start, output overrun, truncated input) or decompresses
 * to a length other than outLen (rdbGenericLoadStringObject rejects that too).
 * The caller must have bounded outLen: it is allocated up front.
 */
export function lzfDecompress(input: Buffer, outLen: number): Buffer | null {
  const inLen = input.length;
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  while (ip < inLen) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      // literal run
      ctrl++;
      if (op + ctrl > outLen) return null;
      if (ip + ctrl > inLen) return null;
      if (ctrl < 16) {
        for (let k = 0; k < ctrl; k++) out[op + k] = input[ip + k];
      } else {
        input.copy(out, op, ip, ip + ctrl);
      }
      op += ctrl;
      ip += ctrl;
    } else {
      // back reference
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inLen) return null;
      if (len === 7) {
        len += input[ip++];
        if (ip >= inLen) return null;
      }
      ref -= input[ip++];
      if (op + len + 2 > outLen) return null;
      if (ref < 0) return null;
      len += 2;
      if (op >= ref + len && len >= 16) {
        out.copy(out, op, ref, ref + len); // disjoint areas
        op += len;
      } else {
        // overlapping (or short): byte by byte, so a run repeats itself
        for (let k = 0; k < len; k++) out[op++] = out[ref++];
      }
    }
  }
  return op === outLen ? out : null;
}
