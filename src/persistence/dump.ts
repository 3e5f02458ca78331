/**
 * DUMP / RESTORE payloads (cluster.c createDumpPayload, verifyDumpPayload):
 * the value's type byte and body as in an RDB file, then the RDB version
 * (2 bytes, little-endian) and the CRC64 of everything before it (8 bytes,
 * little-endian).
 */
import type { Value } from '../types/object.js';
import { crc64 } from './crc64.js';
import { RDB_VERSION, RdbReader, RdbWriter } from './rdb-io.js';
import { type LoadLimits, type SaveOptions, isObjectType, readObject, writeValue } from './values.js';
import { RdbError } from './rdb-io.js';

export function dumpPayload(v: Value, opts: SaveOptions): Buffer {
  const w = new RdbWriter({ checksum: false, compress: true });
  writeValue(w, v, opts);
  w.byte(RDB_VERSION & 0xff);
  w.byte((RDB_VERSION >> 8) & 0xff);
  w.bytes(crc64(w.result()));
  return Buffer.from(w.result());
}

/** verifyDumpPayload: the footer's version is one we read and (unless skipped) the checksum matches. */
export function verifyDumpPayload(p: Buffer, skipChecksum = false): boolean {
  if (p.length < 10) return false;
  const footer = p.length - 10;
  const ver = p[footer] | (p[footer + 1] << 8);
  if (ver > RDB_VERSION) return false;
  if (skipChecksum) return true;
  return crc64(p.subarray(0, p.length - 8)).equals(p.subarray(p.length - 8));
}

/** The value a verified payload holds; throws RdbError when it is malformed (RESTORE's "Bad data format"). */
export function restorePayload(p: Buffer, limits: LoadLimits): Value {
  const r = new RdbReader(p, 0, p.length - 10);
  const type = r.byte();
  if (!isObjectType(type)) throw new RdbError(`Unknown RDB encoding type ${type}`);
  return readObject(r, type, limits);
}
