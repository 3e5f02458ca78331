/**
 * A minimal RESP client for tests: sends commands and returns each reply as
 * raw bytes (latin1 string) and/or decoded values. Used to compare Sinew's
 * replies byte for byte with redis-server's.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ReplyReader, encodeCommand, type RespValue } from '../../src/protocol/reply-reader.js';

export class RawClient {
  private sock: net.Socket;
  private reader = new ReplyReader();
  private waiters: ((raw: Buffer) => void)[] = [];
  private queue: Buffer[] = [];
  closed = false;
  private closeWaiters: (() => void)[] = [];

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (chunk) => {
      this.reader.feed(chunk);
      for (;;) {
        const raw = this.reader.nextRaw();
        if (raw === undefined) break;
        const copy = Buffer.from(raw);
        const w = this.waiters.shift();
        if (w) w(copy);
        else this.queue.push(copy);
      }
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters) w();
    });
    sock.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      sock.once('connect', () => {
        sock.setNoDelay(true);
        resolve(new RawClient(sock));
      });
      sock.once('error', reject);
    });
  }

  /** Connects over TLS (`options`: the CA, a client certificate, versions...); rejects when the handshake fails. */
  static connectTls(port: number, options: tls.ConnectionOptions, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock = tls.connect({ port, host, ...options });
      sock.once('secureConnect', () => {
        sock.setNoDelay(true);
        sock.off('error', reject);
        resolve(new RawClient(sock));
      });
      sock.once('error', reject);
    });
  }

  /** Writes raw bytes (for protocol tests). */
  writeRaw(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  send(...args: (string | Buffer | number)[]): void {
    this.sock.write(encodeCommand(args));
  }

  /** Next reply as raw bytes; rejects after `ms` without one. */
  nextRaw(ms = 5000): Promise<string> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q.toString('latin1'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(fn);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no reply within ${ms}ms`));
      }, ms);
      const fn = (raw: Buffer) => {
        clearTimeout(t);
        resolve(raw.toString('latin1'));
      };
      this.waiters.push(fn);
    });
  }

  /** Next reply decoded. */
  async next(ms = 5000): Promise<RespValue> {
    const raw = await this.nextRaw(ms);
    const r = new ReplyReader();
    r.feed(Buffer.from(raw, 'latin1'));
    return r.next() as RespValue;
  }

  /** Sends a command and returns its raw reply. */
  async raw(...args: (string | Buffer | number)[]): Promise<string> {
    this.send(...args);
    return this.nextRaw();
  }

  /** Sends a command and returns its decoded reply. */
  async call(...args: (string | Buffer | number)[]): Promise<RespValue> {
    this.send(...args);
    return this.next();
  }

  /** True when no reply arrives within `ms`. */
  async silent(ms = 100): Promise<boolean> {
    try {
      await this.nextRaw(ms);
      return false;
    } catch {
      return true;
    }
  }

  waitClose(ms = 2000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Every reply already queued on `c` or arriving until it has been quiet for `quietMs`. */
export async function drain(c: RawClient, quietMs = 40): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    try {
      out.push(await c.nextRaw(quietMs));
    } catch {
      return out;
    }
  }
}
