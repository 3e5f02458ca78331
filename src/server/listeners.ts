/**
 * The listeners: TCP sockets for each `bind` address (and a Unix socket),
 * protected mode and maxclients at accept, and the shared read buffer that
 * accepted connections read into. Each accepted connection is handed to the
 * server as a client.
 */
import net from 'node:net';
import { chmodSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { Client } from './client.js';
import type { Config } from '../config/config.js';
import type { Logger } from './log.js';
import type { Stats } from './stats.js';

/** What the listeners need of the server: settings, the clients (maxclients), and a way to make a client of a connection. */
export interface ListenerHost {
  readonly config: Config;
  readonly log: Logger;
  readonly stats: Stats;
  readonly clients: ReadonlyMap<number, Client>;
  readonly shuttingDown: boolean;
  /** Makes a client of an accepted connection (direct: it reads through the shared buffer). */
  attach(stream: Duplex, info: { addr?: string; laddr?: string }, direct: boolean): Client;
}

export class Listeners {
  servers: net.Server[] = [];
  /** The TCP port listened on (the one the system chose for port 0); 0 when there is no TCP listener. */
  port = 0;
  /** An address clients of this process can reach it by. */
  host = '127.0.0.1';
  /** The read buffer every direct socket shares (see directSocket). */
  private readBuffer: Buffer | null = null;

  constructor(private readonly server: ListenerHost) {}

  /**
   * Opens every listener `bind`, `port` and `unixsocket` ask for; resolves
   * once all listen. Port 0 picks a free port unless a unix socket is the
   * way in (then it means no TCP listener, as in Redis).
   */
  async open(): Promise<void> {
    const cfg = this.server.config;
    const port = cfg.getInt('port');
    if (port !== 0 || cfg.get('unixsocket') === '') {
      this.servers = await this.listenTcp(port);
      this.port = (this.servers[0]?.address() as net.AddressInfo | undefined)?.port ?? 0;
    }
    const unixPath = cfg.get('unixsocket');
    if (unixPath !== '') {
      const srv = net.createServer((sock) => this.accept(sock));
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(unixPath, () => resolve());
      });
      // unixsocketperm (octal; 0 leaves the mode the umask gave), as Redis applies it.
      const perm = parseInt(cfg.get('unixsocketperm'), 8);
      if (perm !== 0) chmodSync(unixPath, perm);
      this.servers.push(srv);
    }
    const first = this.bindAddresses()[0].replace(/^-/, '');
    this.host = first === '*' || first === '0.0.0.0' ? '127.0.0.1' : first === '::*' || first === '::' ? '::1' : first;
  }

  private bindAddresses(): string[] {
    const binds = this.server.config.get('bind').split(' ').filter(Boolean);
    return binds.length ? binds : ['*'];
  }

  /**
   * Listens on `port` at every bind address (an address with a leading "-"
   * is skipped where it cannot be bound); port 0 takes the port the system
   * gives the first. A failure closes those already open, logs Redis's
   * line and throws.
   */
  private async listenTcp(port: number): Promise<net.Server[]> {
    const servers: net.Server[] = [];
    let actualPort = port;
    for (const a0 of this.bindAddresses()) {
      const optional = a0.startsWith('-');
      const a = optional ? a0.slice(1) : a0;
      const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
      const srv = net.createServer({ noDelay: true }, (sock) => this.accept(sock));
      srv.maxConnections = this.server.config.getInt('maxclients') + 32;
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port: actualPort, host, backlog: this.server.config.getInt('tcp-backlog'), ipv6Only: host === '::' }, () => {
            srv.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        if (optional) continue;
        for (const s of servers) s.close();
        const err = e as NodeJS.ErrnoException;
        this.server.log.warning(`Warning: Could not create server TCP listening socket ${a}:${actualPort}: ${err.message}`);
        throw err;
      }
      actualPort = (srv.address() as net.AddressInfo).port;
      servers.push(srv);
    }
    return servers;
  }

  /** A connection accepted: refused while shutting down, at maxclients or by protected mode, else a client. */
  private accept(sock: net.Socket): void {
    if (this.server.shuttingDown) {
      sock.destroy();
      return;
    }
    if (this.server.clients.size >= this.server.config.getInt('maxclients')) {
      this.server.stats.rejectedConnections++;
      sock.end('-ERR max number of clients reached\r\n');
      return;
    }
    sock.setNoDelay(true);
    const keepalive = this.server.config.getInt('tcp-keepalive');
    if (keepalive > 0) sock.setKeepAlive(true, keepalive * 1000);
    const addr = peerAddress(sock);
    const laddr = localAddress(sock);
    const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    if (this.deniedByProtectedMode(sock)) return;
    let client: Client | null = null;
    const direct = this.directSocket(sock, (chunk) => {
      if (client === null) return;
      client.onData(chunk);
      client.parser.detach(chunk.buffer);
    });
    client = this.server.attach(direct ?? sock, { addr, laddr }, direct !== null);
    client.fd = fd;
  }

  /** Protected mode refuses the peer: it is told why and counted as a rejected connection. */
  private deniedByProtectedMode(sock: net.Socket): boolean {
    if (!refusedByProtectedMode(this.server.config, sock.remoteAddress ?? '')) return false;
    this.server.stats.rejectedConnections++;
    sock.end(PROTECTED_MODE_DENIED);
    return true;
  }

  /**
   * Re-wraps an accepted connection so that the kernel's bytes land in one
   * read buffer shared by every connection and go straight to `onData`,
   * without a new Buffer and a stream 'data' event per read (Node's
   * `onread` socket option; Redis likewise reads into a query buffer it
   * keeps). Reads are consumed synchronously, one at a time, so one buffer
   * serves all: whatever a client has not consumed when its read is done is
   * copied out of it (Parser.detach). Returns null, leaving the socket as it
   * is, where the transport does not allow it.
   */
  private directSocket(sock: net.Socket, onData: (chunk: Buffer) => void): net.Socket | null {
    const raw = sock as unknown as { _handle: { useUserBuffer?: unknown } | null };
    const handle = raw._handle;
    if (handle === null || typeof handle.useUserBuffer !== 'function') return null;
    if (this.readBuffer === null) this.readBuffer = Buffer.allocUnsafe(64 * 1024);
    const shared = this.readBuffer;
    let direct: net.Socket;
    try {
      direct = new net.Socket({
        handle,
        onread: {
          buffer: shared,
          callback: (n: number, buf: Buffer): boolean => {
            onData(buf.subarray(0, n));
            return true;
          },
        },
      } as unknown as net.SocketConstructorOpts);
    } catch {
      return null;
    }
    if ((direct as unknown as { _handle: unknown })._handle !== handle) {
      // the option was not honoured: keep the socket as it is
      direct.destroy();
      return null;
    }
    // The accepted socket gave its handle away: retire it without closing the connection.
    raw._handle = null;
    sock.destroy();
    direct.setNoDelay(true);
    return direct;
  }

  /** Stops listening (connections already accepted are the server's to close). */
  close(): Promise<void>[] {
    return this.servers.map((l) => new Promise<void>((r) => l.close(() => r())));
  }
}

/**
 * Protected mode (Redis 7.0): with no password for the default user, only
 * loopback and Unix-socket peers are served, whatever `bind` says.
 */
export function refusedByProtectedMode(config: Config, remoteAddress: string): boolean {
  return config.getBool('protected-mode') && config.get('requirepass') === '' && !isLoopback(remoteAddress);
}

function isLoopback(addr: string): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.') || addr === '';
}

const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. ' +
  'If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

/** CLIENT LIST's addr and laddr of a connection ("/unixsocket:0" for a unix socket). */
function peerAddress(sock: net.Socket): string {
  return sock.remoteAddress ? `${stripV4Mapped(sock.remoteAddress)}:${sock.remotePort}` : '/unixsocket:0';
}

function localAddress(sock: net.Socket): string {
  return sock.localAddress ? `${stripV4Mapped(sock.localAddress)}:${sock.localPort}` : '/unixsocket:0';
}

function stripV4Mapped(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
