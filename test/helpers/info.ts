/** An INFO section as field -> value, read through a test client. */
import type { RawClient } from './raw-client.js';

export async function infoFields(c: RawClient, section: string): Promise<Map<string, string>> {
  const text = String(await c.call('INFO', section));
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}
