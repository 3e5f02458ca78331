/**
 * Pub/Sub commands (pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
 * PUNSUBSCRIBE, PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and PUBSUB's
 * subcommands.
 *
 * Confirmations are push frames in RESP3 and arrays in RESP2. The count in a
 * (un)subscribe confirmation is the client's channels + patterns, or its
 * shard channels for the S variants, as Redis 7.0 counts them.
 */
import type { HandlerMap, Session } from '../server/server.js';
import { ClientFlag, type Client } from '../server/client.js';
import type { SubKind } from '../pubsub/pubsub.js';
import { globMatch } from '../util/glob.js';
import { Target } from '../command/effects.js';

/** A (un)subscribe confirmation: sent even under CLIENT REPLY OFF|SKIP, as Redis sends every push. */
function confirm(c: Session, kind: string, name: string | null, count: number): void {
  const w = c.realWriter ?? c.w;
  w.push(3);
  w.bulk(kind);
  if (name === null) w.nullBulk();
  else w.bulk(name);
  w.int(count);
}

function countFor(c: Session, kind: SubKind): number {
  const ps = c.server.pubsub;
  return kind === 'shard' ? ps.shardCount(c) : ps.subCount(c);
}

function subscribeGeneric(c: Session, argv: string[], kind: SubKind, reply: string): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < argv.length; i++) {
    ps.subscribe(c, kind, argv[i]);
    confirm(c, reply, argv[i], countFor(c, kind));
  }
}

function unsubscribeGeneric(c: Session, argv: string[], kind: SubKind, reply: string): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) {
    const mine = kind === 'channel' ? c.channels : kind === 'pattern' ? c.patterns : c.shardChannels;
    if (mine === null || mine.size === 0) {
      confirm(c, reply, null, countFor(c, kind));
      return;
    }
    for (const name of [...mine]) {
      ps.unsubscribe(c, kind, name);
      confirm(c, reply, name, countFor(c, kind));
    }
    return;
  }
  for (let i = 1; i < argv.length; i++) {
    ps.unsubscribe(c, kind, argv[i]);
    confirm(c, reply, argv[i], countFor(c, kind));
  }
}

/** PUBSUB CHANNELS / SHARDCHANNELS: active channels matching an optional pattern. */
function channelList(c: Session, argv: string[], reg: Map<string, Set<Client>>): void {
  const pattern = argv.length === 3 ? argv[2] : null;
  const out: string[] = [];
  for (const name of reg.keys()) {
    if (pattern === null || globMatch(pattern, name)) out.push(name);
  }
  c.w.bulkArray(out);
}

function numsub(c: Session, argv: string[], reg: Map<string, Set<Client>>): void {
  const w = c.w;
  w.array((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    w.bulk(argv[i]);
    w.int(reg.get(argv[i])?.size ?? 0);
  }
}

function subcommandSyntaxError(c: Session, argv: string[]): void {
  c.w.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

export const pubsubCommands: HandlerMap = {
  subscribe(c, argv) {
    subscribeGeneric(c, argv, 'channel', 'subscribe');
  },

  psubscribe(c, argv) {
    subscribeGeneric(c, argv, 'pattern', 'psubscribe');
  },

  ssubscribe(c, argv) {
    // Inside EXEC the client may not block (Redis's DENY_BLOCKING): refused.
    if ((c.flags & ClientFlag.Multi) !== 0) {
      c.w.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
      return;
    }
    subscribeGeneric(c, argv, 'shard', 'ssubscribe');
  },

  unsubscribe(c, argv) {
    unsubscribeGeneric(c, argv, 'channel', 'unsubscribe');
  },

  punsubscribe(c, argv) {
    unsubscribeGeneric(c, argv, 'pattern', 'punsubscribe');
  },

  sunsubscribe(c, argv) {
    unsubscribeGeneric(c, argv, 'shard', 'sunsubscribe');
  },

  // Replicas receive what is published (their own subscribers hear it), the AOF does not (Redis's forceCommandPropagation).
  publish(c, argv) {
    c.w.int(c.server.pubsub.publish(argv[1], argv[2]));
    c.alsoPropagate(argv, Target.REPL);
  },

  spublish(c, argv) {
    c.w.int(c.server.pubsub.publish(argv[1], argv[2], true));
    c.alsoPropagate(argv, Target.REPL);
  },

  'pubsub|help'(c) {
    c.w.array(PUBSUB_HELP.length);
    for (const l of PUBSUB_HELP) c.w.simple(l);
  },

  'pubsub|channels'(c, argv) {
    if (argv.length > 3) {
      subcommandSyntaxError(c, argv);
      return;
    }
    channelList(c, argv, c.server.pubsub.channels);
  },

  'pubsub|shardchannels'(c, argv) {
    if (argv.length > 3) {
      subcommandSyntaxError(c, argv);
      return;
    }
    channelList(c, argv, c.server.pubsub.shardChannels);
  },

  'pubsub|numsub'(c, argv) {
    numsub(c, argv, c.server.pubsub.channels);
  },

  'pubsub|shardnumsub'(c, argv) {
    numsub(c, argv, c.server.pubsub.shardChannels);
  },

  'pubsub|numpat'(c) {
    c.w.int(c.server.pubsub.patterns.size);
  },
};
