/**
 * Every command group's handlers, joined into one map for the table.
 * One file per group, as Redis splits t_string.c, t_list.c, ...
 */
import type { HandlerMap } from '../server/server.js';
import { connectionCommands } from './connection.js';
import { keyCommands } from './keys.js';
import { stringCommands } from './strings.js';
import { introspectionCommands } from './introspection.js';
import { serverCommands } from './admin.js';
import { slowlogLatencyCommands } from './slowlog-latency.js';
import { memoryCommands } from './memory.js';
import { debugCommands } from './debug.js';
import { bitCommands } from './bitops.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { lcsCommands } from './lcs.js';
import { listCommands } from './lists.js';
import { setCommands } from './sets.js';
import { zsetCommands } from './zsets.js';
import { geoCommands } from './geo.js';
import { hashCommands } from './hashes.js';
import { sortCommands } from './sort.js';
import { pubsubCommands } from './pubsub.js';
import { transactionCommands } from './transactions.js';
import { scriptingCommands } from './scripting.js';
import { trackingCommands } from './client-tracking.js';
import { streamCommands } from './streams.js';
import { streamGroupCommands } from './stream-groups.js';
import { persistenceCommands } from './persistence.js';
import { migrateCommands } from './migrate.js';
import { aclCommands } from './acl.js';

export function allHandlers(): HandlerMap {
  return {
    ...connectionCommands,
    ...keyCommands,
    ...stringCommands,
    ...bitCommands,
    ...hyperloglogCommands,
    ...lcsCommands,
    ...introspectionCommands,
    ...serverCommands,
    ...slowlogLatencyCommands,
    ...memoryCommands,
    ...debugCommands,
    ...listCommands,
    ...setCommands,
    ...zsetCommands,
    ...geoCommands,
    ...hashCommands,
    ...sortCommands,
    ...pubsubCommands,
    ...transactionCommands,
    ...scriptingCommands,
    ...trackingCommands,
    ...streamCommands,
    ...streamGroupCommands,
    ...persistenceCommands,
    ...migrateCommands,
    ...aclCommands,
  };
}
