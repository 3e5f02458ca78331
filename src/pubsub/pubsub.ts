/**
 * Pub/Sub registry: channel, pattern and shard-channel subscriptions, and
 * message delivery to RESP2 (array) and RESP3 (push) subscribers. A message
 * is encoded once per protocol and copied to each subscriber's output.
 * Messages are pushed even while the subscriber's replies are off (CLIENT
 * REPLY OFF|SKIP), as Redis 7.0 does.
 */
import { ClientFlag, type Client } from '../server/client.js';
import { globMatch } from '../util/glob.js';

export type SubKind = 'channel' | 'pattern' | 'shard';

function encodeMessage(resp: 2 | 3, parts: string[]): Buffer {
  let s = (resp === 3 ? '>' : '*') + parts.length + '\r\n';
  for (const p of parts) s += '$' + p.length + '\r\n' + p + '\r\n';
  return Buffer.from(s, 'latin1');
}

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();


  private registry(kind: SubKind): Map<string, Set<Client>> {
    return kind === 'channel' ? this.channels : kind === 'pattern' ? this.patterns : this.shardChannels;
  }

  private own(c: Client, kind: SubKind): Set<string> {
    if (kind === 'channel') return (c.channels ??= new Set());
    if (kind === 'pattern') return (c.patterns ??= new Set());
    return (c.shardChannels ??= new Set());
  }

  /** Number of subscriptions of a client (channels + patterns + shard channels). */
  count(c: Client): number {
    return (c.channels?.size ?? 0) + (c.patterns?.size ?? 0) + (c.shardChannels?.size ?? 0);
  }

  /** The count (P)(UN)SUBSCRIBE confirmations report: channels + patterns. */
  subCount(c: Client): number {
    return (c.channels?.size ?? 0) + (c.patterns?.size ?? 0);
  }

  /** The count S(UN)SUBSCRIBE confirmations report: shard channels. */
  shardCount(c: Client): number {
    return c.shardChannels?.size ?? 0;
  }

  private updateFlag(c: Client): void {
    if (this.count(c) > 0) c.flags |= ClientFlag.PubSub;
    else c.flags &= ~ClientFlag.PubSub;
  }

  /** Adds a subscription; returns false when it existed already. */
  subscribe(c: Client, kind: SubKind, name: string): boolean {
    const mine = this.own(c, kind);
    if (mine.has(name)) return false;
    mine.add(name);
    const reg = this.registry(kind);
    let set = reg.get(name);
    if (set === undefined) {
      set = new Set();
      reg.set(name, set);
    }
    set.add(c);
    this.updateFlag(c);
    return true;
  }

  /** Removes a subscription; returns false when there was none. */
  unsubscribe(c: Client, kind: SubKind, name: string): boolean {
    const mine = kind === 'channel' ? c.channels : kind === 'pattern' ? c.patterns : c.shardChannels;
    if (mine === null || !mine.delete(name)) return false;
    const reg = this.registry(kind);
    const set = reg.get(name);
    if (set !== undefined) {
      set.delete(c);
      if (set.size === 0) reg.delete(name);
    }
    this.updateFlag(c);
    return true;
  }

  /** Drops every subscription of a client, without replies (disconnect, RESET). */
  unsubscribeAll(c: Client): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      const mine = kind === 'channel' ? c.channels : kind === 'pattern' ? c.patterns : c.shardChannels;
      if (mine === null) continue;
      for (const name of [...mine]) this.unsubscribe(c, kind, name);
    }
  }

  /** Delivers a message; returns the number of receivers. */
  publish(channel: string, message: string, shard = false): number {
    let receivers = 0;
    const reg = shard ? this.shardChannels : this.channels;
    const set = reg.get(channel);
    if (set !== undefined && set.size > 0) {
      const kind = shard ? 'smessage' : 'message';
      let b2: Buffer | null = null;
      let b3: Buffer | null = null;
      for (const c of set) {
        if (c.resp === 3) (c.realWriter ?? c.w).rawBuffer((b3 ??= encodeMessage(3, [kind, channel, message])));
        else (c.realWriter ?? c.w).rawBuffer((b2 ??= encodeMessage(2, [kind, channel, message])));
        c.schedule();
        receivers++;
      }
    }
    if (!shard && this.patterns.size > 0) {
      for (const [pattern, subs] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        let b2: Buffer | null = null;
        let b3: Buffer | null = null;
        for (const c of subs) {
          if (c.resp === 3) (c.realWriter ?? c.w).rawBuffer((b3 ??= encodeMessage(3, ['pmessage', pattern, channel, message])));
          else (c.realWriter ?? c.w).rawBuffer((b2 ??= encodeMessage(2, ['pmessage', pattern, channel, message])));
          c.schedule();
          receivers++;
        }
      }
    }
    return receivers;
  }

}
