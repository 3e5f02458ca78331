/**
 * The server's counters (INFO stats and errorstats), reset by CONFIG RESETSTAT.
 */
export interface Stats {
  connectionsReceived: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  rejectedConnections: number;
  evictedKeys: number;
  errorReplies: number;
  /** Exceptions caught in the command path and the cron (each answered or logged, none fatal). */
  internalErrors: number;
  errorsByCode: Map<string, number>;
  clientQbufLimitDisconnections: number;
  clientOutbufLimitDisconnections: number;
  /** Connections closed by client eviction (maxmemory-clients). */
  evictedClients: number;
  totalBlockingKeys: number;
  unexpectedErrorReplies: number;
  dumpPayloadSanitizations: number;
  ioReads: number;
  ioWrites: number;
}

export function newStats(): Stats {
  return {
    connectionsReceived: 0,
    commandsProcessed: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    rejectedConnections: 0,
    evictedKeys: 0,
    errorReplies: 0,
    internalErrors: 0,
    errorsByCode: new Map(),
    clientQbufLimitDisconnections: 0,
    clientOutbufLimitDisconnections: 0,
    evictedClients: 0,
    totalBlockingKeys: 0,
    unexpectedErrorReplies: 0,
    dumpPayloadSanitizations: 0,
    ioReads: 0,
    ioWrites: 0,
  };
}

