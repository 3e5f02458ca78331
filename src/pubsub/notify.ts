/**
 * Keyspace notifications (notify-keyspace-events): events are published on
 * __keyspace@<db>__:<key> (K) and __keyevent@<db>__:<event> (E) when the
 * event's class is enabled.
 *
 * Classes: g generic, $ string, l list, s set, h hash, z zset, x expired,
 * e evicted, t stream, m key-miss, d module, n new key.
 *
 * Writes raise their events through the key-modified call
 * (`Server.modified`), which names the event; its class comes from
 * EVENT_CLASS. 'new' and 'keymiss' come from the keyspace's hooks.
 */
import type { Config } from '../config/config.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { PubSub } from './pubsub.js';

/** What notifications need: the setting, the keyspace (new-key and key-miss events) and where to publish. */
export interface NotifierHost {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly pubsub: PubSub;
}

export type NotifyClass = 'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 't' | 'm' | 'd' | 'n';

/**
 * Redis 7.0's event names for a changed key, each with the one class Redis
 * publishes it under (every notifyKeyspaceEvent call in t_*.c, db.c,
 * expire.c, evict.c, sort.c, bitops.c, geo.c, hyperloglog.c, cluster.c uses
 * the same class for a given name). Some are for commands Sinew does not
 * serve yet (the geo stores).
 */
const EVENT_CLASS = {
  del: 'g',
  expire: 'g',
  persist: 'g',
  rename_from: 'g',
  rename_to: 'g',
  move_from: 'g',
  move_to: 'g',
  copy_to: 'g',
  restore: 'g',
  set: '$',
  setrange: '$',
  append: '$',
  incrby: '$',
  incrbyfloat: '$',
  setbit: '$',
  pfadd: '$',
  lpush: 'l',
  rpush: 'l',
  lpop: 'l',
  rpop: 'l',
  linsert: 'l',
  lset: 'l',
  lrem: 'l',
  ltrim: 'l',
  sortstore: 'l',
  sadd: 's',
  srem: 's',
  spop: 's',
  sinterstore: 's',
  sunionstore: 's',
  sdiffstore: 's',
  hset: 'h',
  hdel: 'h',
  hincrby: 'h',
  hincrbyfloat: 'h',
  zadd: 'z',
  zincr: 'z',
  zrem: 'z',
  zremrangebyrank: 'z',
  zremrangebyscore: 'z',
  zremrangebylex: 'z',
  zpopmin: 'z',
  zpopmax: 'z',
  zunionstore: 'z',
  zinterstore: 'z',
  zdiffstore: 'z',
  zrangestore: 'z',
  georadiusstore: 'z',
  geosearchstore: 'z',
  xadd: 't',
  xtrim: 't',
  xdel: 't',
  xsetid: 't',
  'xgroup-create': 't',
  'xgroup-createconsumer': 't',
  'xgroup-delconsumer': 't',
  'xgroup-destroy': 't',
  'xgroup-setid': 't',
  expired: 'x',
  evicted: 'e',
} as const satisfies Record<string, NotifyClass>;

/** The event a write raises for a key it changed (hset, sadd, del, rename_from, expired, ...). */
export type KeyEvent = keyof typeof EVENT_CLASS;

export class Notifier {
  constructor(private readonly server: NotifierHost) {
    this.install();
  }

  /** Hooks the keyspace for 'new' (n) and 'keymiss' (m) events. */
  install(): void {
    const ks = this.server.keyspace;
    ks.newKeyHook = (db, key) => {
      if (this.server.config.notifyFlags !== '') this.notify('n', 'new', key, db.id);
    };
    ks.missHook = (db, key) => {
      if (this.server.config.notifyFlags !== '') this.notify('m', 'keymiss', key, db.id);
    };
  }

  /** Publishes a changed key's event, under its class (see Server.modified). */
  keyEvent(event: KeyEvent, key: string, dbid: number): void {
    this.notify(EVENT_CLASS[event], event, key, dbid);
  }

  /** Cheap when notifications are off (the default). */
  private notify(cls: NotifyClass, event: string, key: string, dbid: number): void {
    const flags = this.server.config.notifyFlags;
    if (flags === '') return;
    const enabled = flags.indexOf(cls) >= 0 || (flags.indexOf('A') >= 0 && cls !== 'm' && cls !== 'n');
    if (!enabled) return;
    const ps = this.server.pubsub;
    if (flags.indexOf('K') >= 0) ps.publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags.indexOf('E') >= 0) ps.publish(`__keyevent@${dbid}__:${event}`, key);
  }
}
