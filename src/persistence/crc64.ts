/**
 * Redis's CRC-64 (crc64.c + crcspeed.c): the "Jones" polynomial
 * 0xad93d23594c935a9, reflected input and output, initial value 0, no final
 * xor. RDB files end with it and DUMP payloads carry it as their last 8 bytes,
 * little-endian. Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca.
 *
 * Table-driven slice-by-8 (the technique crcspeed64little uses), with the
 * 64-bit state held as two uint32 halves so no BigInt is touched per byte.
 */

// Bit-reflected form of 0xad93d23594c935a9 (what a right-shifting,
// LSB-first CRC uses): 0x95ac9329ac4bc9b5.
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

// T[k] advances the CRC by one byte followed by k zero bytes; halves kept in
// separate arrays, table k at offset k * 256.
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);

(function buildTables(): void {
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let b = 0; b < 8; b++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TLO[n] = lo;
    THI[n] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const plo = TLO[(k - 1) * 256 + n];
      const phi = THI[(k - 1) * 256 + n];
      const idx = plo & 0xff;
      // crc = T0[crc & 0xff] ^ (crc >> 8)
      TLO[k * 256 + n] = (TLO[idx] ^ ((plo >>> 8) | (phi << 24))) >>> 0;
      THI[k * 256 + n] = (THI[idx] ^ (phi >>> 8)) >>> 0;
    }
  }
})();

export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    if (end > buf.length) end = buf.length;
    let lo = this.lo;
    let hi = this.hi;
    let i = start < 0 ? 0 : start;
    // Byte at a time until 8 bytes or fewer remain to be sliced.
    const fast = end - 8;
    while (i <= fast) {
      const a = (lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
      const b = (hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24))) >>> 0;
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = TLO[i7] ^ TLO[i6] ^ TLO[i5] ^ TLO[i4] ^ TLO[i3] ^ TLO[i2] ^ TLO[i1] ^ TLO[i0];
      hi = THI[i7] ^ THI[i6] ^ THI[i5] ^ THI[i4] ^ THI[i3] ^ THI[i2] ^ THI[i1] ^ THI[i0];
      i += 8;
    }
    for (; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = TLO[idx] ^ ((lo >>> 8) | (hi << 24));
      hi = THI[idx] ^ (hi >>> 8);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** 8 bytes little-endian, as RDB and DUMP store it */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo >>> 0, 0);
    out.writeUInt32LE(this.hi >>> 0, 4);
    return out;
  }

  /** The CRC as 16 lowercase hex digits (most significant first). */
  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }
}

/** One-shot CRC-64 of buf, as the 8-byte little-endian trailer. */
export function crc64(buf: Uint8Array): Buffer {
  return new Crc64().update(buf).digest();
}
