/**
 * Who may run the protected commands: DEBUG with enable-debug-command
 * yes, or local for connections from this machine (Redis's
 * islocalClient). The command path checks it before a handler runs.
 */
import type { Session } from '../server/server.js';

/** A connection from this machine: loopback, a Unix socket, or no socket at all (internal clients). */
export function isLocal(c: Session): boolean {
  const a = c.addr;
  return a === '' || a.startsWith('/') || a.startsWith('127.') || a.startsWith('[::1]') || a.startsWith('::1:') || c.stream === null;
}

/** DEBUG is a protected command (enable-debug-command yes, or local for local connections). */
export function debugAllowed(c: Session): boolean {
  const v = c.server.config.get('enable-debug-command');
  return v === 'yes' || (v === 'local' && isLocal(c));
}
