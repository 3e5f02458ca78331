/**
 * A client described as CLIENT LIST / CLIENT INFO show it (and as the
 * client-eviction log line names it).
 */
import { ClientFlag, type Client } from './client.js';

export function clientFlagsString(c: Client): string {
  let f = '';
  if (c.has(ClientFlag.Monitor)) f += 'O';
  if (c.has(ClientFlag.PubSub)) f += 'P';
  if (c.has(ClientFlag.Multi)) f += 'x';
  if (c.has(ClientFlag.Blocked)) f += 'b';
  if (c.has(ClientFlag.Tracking)) f += 't';
  const ts = c.trackingState as { brokenRedirect?: boolean; bcast?: boolean } | null;
  if (ts?.brokenRedirect === true) f += 'R';
  if (ts?.bcast === true) f += 'B';
  if (c.has(ClientFlag.DirtyCAS)) f += 'd';
  if (c.has(ClientFlag.CloseAfterReply)) f += 'c';
  if (c.has(ClientFlag.NoEvict)) f += 'e';
  if (c.has(ClientFlag.NoTouch)) f += 'T';
  if (f === '') f = 'N';
  return f;
}

/** One CLIENT LIST / CLIENT INFO line; tot-mem is the figure client eviction uses (Client.memoryUsage). */
export function clientInfoLine(c: Client): string {
  const now = Date.now();
  const qbuf = c.queryBufferLength;
  const rbs = c.w.capacity;
  const obl = c.w.length;
  const omem = c.outputMemory;
  const events = c.stream === null ? '' : 'r' + (c.stream.writableLength > 0 ? 'w' : '');
  // Redis sets lastcmd before running a command: a client listing itself shows this command.
  const last = c.cmd ?? c.lastCmd;
  const cmd = last ? last.fullname : 'NULL';
  const multi = c.mstate !== null ? c.mstate.length : -1;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} ` +
    `age=${Math.floor((now - c.ctime) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
    `flags=${clientFlagsString(c)} db=${c.db.id} sub=${c.channels?.size ?? 0} psub=${c.patterns?.size ?? 0} ` +
    `ssub=${c.shardChannels?.size ?? 0} multi=${multi} qbuf=${qbuf} qbuf-free=${c.queryBufferFree} argv-mem=${c.argvMemory} ` +
    `multi-mem=${c.multiMemory} rbs=${rbs} rbp=${Math.max(obl, c.replyPeak)} obl=${obl} oll=${omem > 0 ? 1 : 0} omem=${omem} ` +
    `tot-mem=${c.memoryUsage()} events=${events} cmd=${cmd} user=${c.user} redir=${trackingRedir(c)} ` +
    `resp=${c.resp}`
  );
}

function trackingRedir(c: Client): number {
  const st = c.trackingState as { redirect?: number } | null;
  return st?.redirect ?? -1;
}
