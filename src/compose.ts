/**
 * The composition root: builds a server with the parts that stand above
 * it (the command groups, the command path, the Lua engine). Nothing else
 * wires these; `startServer` and `sinew-server` start from here.
 */
import { Server, type ServerOptions, type ServerParts } from './server/server.js';
import { allHandlers } from './commands/index.js';
import { dispatch, call, finishTiming, replay } from './commands/dispatch.js';
import { Scripting } from './scripting/lua.js';

/** The parts every server is built with. */
export function serverParts(): ServerParts {
  return {
    handlers: allHandlers(),
    path: { dispatch, call, finishTiming, replay },
    scripting: (server) => new Scripting(server),
  };
}

/** A new server (not yet listening). */
export function createServer(options: ServerOptions = {}): Server {
  return new Server(serverParts(), options);
}
