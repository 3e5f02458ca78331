/**
 * Keyspace notifications (notify-keyspace-events): events are published on
 * __keyspace@<db>__:<key> (K) and __keyevent@<db>__:<event> (E) when the
 * event's class is enabled.
 *
 * Classes: g generic, $ string, l list, s set, h hash, z zset, x expired,
 * e evicted, t stream, m key-miss, d module, n new key.
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

  /** Cheap when notifications are off (the default). */
  notify(cls: NotifyClass, event: string, key: string, dbid: number): void {
    const flags = this.server.config.notifyFlags;
    if (flags === '') return;
    const enabled = flags.indexOf(cls) >= 0 || (flags.indexOf('A') >= 0 && cls !== 'm' && cls !== 'n');
    if (!enabled) return;
    const ps = this.server.pubsub;
    if (flags.indexOf('K') >= 0) ps.publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags.indexOf('E') >= 0) ps.publish(`__keyevent@${dbid}__:${event}`, key);
  }
}
