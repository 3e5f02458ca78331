/**
 * Transactions (multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * The dispatcher queues commands while the client is in MULTI and flags the
 * transaction (DirtyExec) when a command is rejected at queue time. EXEC
 * runs the queue through `call()` as one atomic step: nothing else runs in
 * between, the command clock is the same for every queued command, blocked
 * clients are served after the whole EXEC, and the changes propagate as one
 * MULTI ... EXEC block when there is more than one.
 */
import type { HandlerMap, Handler, Session } from '../server/server.js';
import type { Command } from '../command/table.js';
import { ClientFlag } from '../server/client.js';
import { Err } from '../protocol/errors.js';
import { call, discardTransaction } from './dispatch.js';
import { checkPermission, execDenialReason } from '../command/permissions.js';
import { clientInfoLine } from '../server/client-info.js';

export const transactionCommands: HandlerMap = {
  multi(c) {
    if ((c.flags & ClientFlag.Multi) !== 0) {
      c.w.error(Err.multiNested);
      return;
    }
    c.flags |= ClientFlag.Multi;
    c.mstate = [];
    c.w.ok();
  },

  discard(c) {
    if ((c.flags & ClientFlag.Multi) === 0) {
      c.w.error(Err.discardWithoutMulti);
      return;
    }
    discardTransaction(c);
    c.w.ok();
  },

  exec(c) {
    if ((c.flags & ClientFlag.Multi) === 0) {
      c.w.error(Err.execWithoutMulti);
      return;
    }
    const server = c.server;
    if (server.watches.anyExpired(c)) c.flags |= ClientFlag.DirtyCAS;
    if ((c.flags & (ClientFlag.DirtyCAS | ClientFlag.DirtyExec)) !== 0) {
      if ((c.flags & ClientFlag.DirtyExec) !== 0) c.w.error(Err.execAbort);
      else c.w.nullArray();
      discardTransaction(c);
      return;
    }
    const queue = c.mstate ?? [];
    server.watches.unwatchAll(c);
    // What the queued commands propagate is emitted by the command path when EXEC ends, in MULTI/EXEC when more than one.
    const rules = c.rules;
    const w = c.w;
    w.array(queue.length);
    try {
      for (const q of queue) {
        // the same check as at queueing time: rules may have changed since
        const denied = checkPermission(rules, q.cmd, q.argv, 'multi');
        if (denied !== null) {
          server.acl.addLog(denied.reason, 'multi', denied.object, denied.username, clientInfoLine(c));
          c.w.error(`NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${execDenialReason(denied)}`);
          continue;
        }
        // Queued from this server's own table, so its handler takes a Session.
        call(server, c, q.cmd as Command<Handler>, q.argv);
      }
    } finally {
      discardTransaction(c);
    }
  },

  watch(c, argv) {
    if ((c.flags & ClientFlag.Multi) !== 0) {
      c.w.error(Err.watchInMulti);
      return;
    }
    // A client already failed by a touched key has nothing more to watch for.
    const watches = c.server.watches;
    if ((c.flags & ClientFlag.DirtyCAS) === 0) {
      for (let i = 1; i < argv.length; i++) watches.watch(c, c.db, argv[i]);
    }
    c.w.ok();
  },

  unwatch(c) {
    c.server.watches.unwatchAll(c);
    c.flags &= ~ClientFlag.DirtyCAS;
    c.w.ok();
  },
};
