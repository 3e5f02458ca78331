/**
 * The listeners: TCP sockets for each `bind` address, plain (`port`) and
 * TLS (`tls-port`, handshaken by tls.ts), and a Unix socket; protected mode
 * and maxclients at accept, and the shared read buffer that plain
 * connections read into. Each accepted connection is handed to the server as
 * a client.
 */
import net from 'node:net';
import { chmodSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { TlsAcceptor, TLS_CONTEXT_DIRECTIVES, TLS_FILE_DIRECTIVES, TLS_START_FAILED, TLS_UPDATE_FAILED } from './tls.js';
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
  /** Protected mode's decision for a peer address: the default user has no password and the peer is not local. */
  refusedByProtectedMode(remoteAddress: string): boolean;
  /** Makes a client of an accepted connection (direct: it reads through the shared buffer). */
  attach(stream: Duplex, info: { addr?: string; laddr?: string }, direct: boolean): Client;
}

/** Start-up could not configure TLS (the lines are logged; the message holds them too). */
export class TlsConfigError extends Error {}

/** A listening socket could not be opened: which kind of port, for the start-up line. */
export class ListenError extends Error {
  constructor(
    readonly kind: 'tcp' | 'tls',
    readonly port: number,
    cause: Error,
  ) {
    super(cause.message);
  }
}

export class Listeners {
  servers: net.Server[] = [];
  /** The TLS listeners (tls-port on each bind address). */
  tlsServers: net.Server[] = [];
  /** The TCP port listened on (the one the system chose for port 0); 0 when there is no plain TCP listener. */
  port = 0;
  /** The TLS port listened on; 0 when there is none. */
  tlsPort = 0;
  /** An address clients of this process can reach it by. */
  host = '127.0.0.1';
  /** What new TLS connections are handshaken with (tls.ts). */
  readonly tls: TlsAcceptor;
  /** TLS connections in their handshake, by "addr laddr": they count towards maxclients, as Redis creates their client at accept. */
  private readonly handshakes = new Map<string, { sock: net.Socket; fd: number }>();
  /** The read buffer every direct socket shares (see directSocket). */
  private readBuffer: Buffer | null = null;

  constructor(private readonly server: ListenerHost) {
    this.tls = new TlsAcceptor(server, (sock) => this.secured(sock));
  }

  /**
   * Opens every listener `bind`, `port`, `tls-port` and `unixsocket` ask
   * for; resolves once all listen. TLS is configured first: settings that do
   * not build stop start-up with Redis's lines (TlsConfigError). Port 0
   * picks a free port unless TLS or a unix socket is the way in (then it
   * means no plain TCP listener, as in Redis).
   */
  async open(): Promise<void> {
    const cfg = this.server.config;
    const port = cfg.getInt('port');
    const tlsPort = cfg.getInt('tls-port');
    if (tlsPort !== 0) {
      const why = this.tls.configure();
      if (why !== null) {
        this.server.log.warning(TLS_START_FAILED);
        throw new TlsConfigError(`${why}\n${TLS_START_FAILED}`);
      }
    }
    if (port !== 0 || (cfg.get('unixsocket') === '' && tlsPort === 0)) {
      this.servers = await this.listenTcp(port, false);
      this.port = (this.servers[0]?.address() as net.AddressInfo | undefined)?.port ?? 0;
    }
    if (tlsPort !== 0) {
      this.tlsServers = await this.listenTcp(tlsPort, true);
      this.tlsPort = tlsPort;
    }
    const unixPath = cfg.get('unixsocket');
    if (unixPath !== '') {
      const srv = net.createServer((sock) => this.accept(sock, false));
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
   * line and throws a ListenError.
   */
  private async listenTcp(port: number, secure: boolean): Promise<net.Server[]> {
    const servers: net.Server[] = [];
    let actualPort = port;
    for (const a0 of this.bindAddresses()) {
      const optional = a0.startsWith('-');
      const a = optional ? a0.slice(1) : a0;
      const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
      const srv = net.createServer({ noDelay: true }, (sock) => this.accept(sock, secure));
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
        throw new ListenError(secure ? 'tls' : 'tcp', actualPort, err);
      }
      actualPort = (srv.address() as net.AddressInfo).port;
      servers.push(srv);
    }
    return servers;
  }

  /**
   * CONFIG SET changed these directives (name and previous value, in the
   * order given): rebuilds the TLS configuration when one of its settings
   * changed while TLS is on (Redis's applyTlsCfg; a file setting even when
   * set to the same path, so that a renewed certificate is read), or when
   * tls-port turns TLS on before it was ever configured (applyTLSPort).
   * Returns null, or the directive to name with Redis's error; the
   * configuration in use then stays.
   */
  reconfigureTls(changes: ReadonlyMap<string, string>): [directive: string, error: string] | null {
    const cfg = this.server.config;
    if (cfg.getInt('tls-port') === 0) return null;
    const rebuilds = (name: string, before: string) =>
      name === 'tls-port' ? !this.tls.configured : TLS_CONTEXT_DIRECTIVES.has(name) && (TLS_FILE_DIRECTIVES.has(name) || cfg.get(name) !== before);
    const cause = [...changes].find(([name, before]) => rebuilds(name, before));
    if (cause === undefined || this.tls.configure() === null) return null;
    return [cause[0], TLS_UPDATE_FAILED];
  }

  /** CONFIG SET tls-port 0: the TLS listeners close (connections stay). */
  closeTls(): void {
    for (const s of this.tlsServers) s.close();
    this.tlsServers = [];
    this.tlsPort = 0;
  }

  /**
   * CONFIG SET tls-port N (Redis's changeListenPort): listens on the new
   * port, then closes the old TLS listeners (connections stay). False when
   * the new port cannot be listened on: the old listeners then stay.
   */
  async moveTls(port: number): Promise<boolean> {
    let fresh: net.Server[];
    try {
      fresh = await this.listenTcp(port, true);
    } catch {
      return false;
    }
    this.closeTls();
    this.tlsServers = fresh;
    this.tlsPort = port;
    return true;
  }

  /**
   * A connection accepted on any listener: refused while shutting down or
   * at maxclients; a TLS one starts its handshake, a plain one becomes a
   * client at once (after protected mode).
   */
  private accept(sock: net.Socket, secure: boolean): void {
    if (this.server.shuttingDown) {
      sock.destroy();
      return;
    }
    if (this.server.clients.size + this.handshakes.size >= this.server.config.getInt('maxclients')) {
      this.server.stats.rejectedConnections++;
      // before its handshake a TLS connection cannot be told why: it is dropped, as in Redis
      if (secure) sock.destroy();
      else sock.end('-ERR max number of clients reached\r\n');
      return;
    }
    sock.setNoDelay(true);
    const keepalive = this.server.config.getInt('tcp-keepalive');
    if (keepalive > 0) sock.setKeepAlive(true, keepalive * 1000);
    const addr = peerAddress(sock);
    const laddr = localAddress(sock);
    const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    if (secure) {
      const key = `${addr} ${laddr}`;
      this.handshakes.set(key, { sock, fd });
      sock.once('close', () => {
        if (this.handshakes.get(key)?.sock === sock) this.handshakes.delete(key);
      });
      this.tls.accept(sock);
      return;
    }
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

  /**
   * A TLS connection finished its handshake: protected mode applies now (its
   * refusal is sent encrypted, as Redis's clientAcceptHandler does), then it
   * becomes a client read through stream events (the direct read path is for
   * plain sockets).
   */
  private secured(sock: TLSSocket): void {
    const addr = peerAddress(sock);
    const laddr = localAddress(sock);
    const key = `${addr} ${laddr}`;
    const pending = this.handshakes.get(key);
    this.handshakes.delete(key);
    if (this.server.shuttingDown) {
      sock.destroy();
      return;
    }
    if (this.deniedByProtectedMode(sock)) return;
    const client = this.server.attach(sock, { addr, laddr }, false);
    client.fd = pending?.fd ?? -1;
  }

  /** Protected mode refuses the peer: it is told why and counted as a rejected connection. */
  private deniedByProtectedMode(sock: net.Socket): boolean {
    if (!this.server.refusedByProtectedMode(sock.remoteAddress ?? '')) return false;
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

  /** Stops listening and drops handshakes under way (connections already accepted are the server's to close). */
  close(): Promise<void>[] {
    for (const { sock } of this.handshakes.values()) sock.destroy();
    this.handshakes.clear();
    return [...this.servers, ...this.tlsServers].map((l) => new Promise<void>((r) => l.close(() => r())));
  }
}

/**
 * Protected mode (Redis 7.0): while the default user needs no password
 * (`defaultNoPass`), only loopback and Unix-socket peers are served,
 * whatever `bind` says.
 */
export function refusedByProtectedMode(config: Config, defaultNoPass: boolean, remoteAddress: string): boolean {
  return config.getBool('protected-mode') && defaultNoPass && !isLoopback(remoteAddress);
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
  '4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

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
