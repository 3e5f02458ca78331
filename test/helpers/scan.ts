/**
 * A whole SCAN-family iteration (SCAN, SSCAN, HSCAN, ZSCAN) through a test
 * client: every element each call returned, in order, duplicates included.
 */
import assert from 'node:assert/strict';
import type { RawClient } from './raw-client.js';
import type { RespValue } from '../../src/protocol/reply-reader.js';

export async function scanAll(cl: RawClient, cmd: 'SCAN' | 'SSCAN' | 'HSCAN' | 'ZSCAN', key: string | null, extra: string[] = []): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  let rounds = 0;
  do {
    const args = key === null ? [cmd, cursor, ...extra] : [cmd, key, cursor, ...extra];
    const r = (await cl.call(...args)) as RespValue[];
    cursor = String(r[0]);
    for (const x of r[1] as RespValue[]) out.push(String(x));
    assert.ok(++rounds < 10000, 'scan does not end');
  } while (cursor !== '0');
  return out;
}

/** A whole HSCAN or ZSCAN as a map (field -> value, member -> score). */
export async function scanPairs(cl: RawClient, cmd: 'HSCAN' | 'ZSCAN', key: string, extra: string[] = []): Promise<Map<string, string>> {
  const items = await scanAll(cl, cmd, key, extra);
  const out = new Map<string, string>();
  for (let i = 0; i < items.length; i += 2) out.set(items[i], items[i + 1]);
  return out;
}
