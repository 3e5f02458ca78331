/** Small synchronous file helpers shared by the RDB and AOF services. */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';

/** Writes all of `chunk` at the file's position. */
export function writeAll(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}

/** fsync of a directory, so that a rename in it is durable. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename is done either way
  }
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}
