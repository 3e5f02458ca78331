/**
 * A RESP connection to a server under test as a child process: commands
 * pipelined in one write, replies in order, and pending replies ended
 * (CLOSED) when the server goes away, as when a test kills it.
 */
import net from 'node:net';
import { ReplyReader, RespError, encodeCommand, type RespValue } from '../../src/protocol/reply-reader.js';

/** What next() gives once the connection is gone. */
export const CLOSED = Symbol('closed');

/** A RESP connection whose pending replies end (CLOSED) when the server goes away. */
export class Conn {
  private reader = new ReplyReader();
  private replies: RespValue[] = [];
  private waiters: ((v: RespValue | typeof CLOSED) => void)[] = [];
  closed = false;

  private constructor(private sock: net.Socket) {
    sock.on('data', (chunk: Buffer) => {
      this.reader.feed(chunk);
      for (;;) {
        const v = this.reader.next();
        if (v === undefined) break;
        const w = this.waiters.shift();
        if (w) w(v);
        else this.replies.push(v);
      }
    });
    const end = () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(CLOSED);
    };
    sock.on('close', end);
    sock.on('error', end);
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.setNoDelay(true);
        resolve(new Conn(s));
      });
      s.once('error', reject);
    });
  }

  /** Writes the commands in one go (a pipeline). */
  send(...cmds: (string | number | Buffer)[][]): void {
    if (!this.closed) this.sock.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
  }

  /** The next reply; CLOSED once the connection is gone; throws when the server is silent for `ms`. */
  next(ms = 10000): Promise<RespValue | typeof CLOSED> {
    if (this.replies.length > 0) return Promise.resolve(this.replies.shift()!);
    if (this.closed) return Promise.resolve(CLOSED);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no reply within ${ms} ms`));
      }, ms);
      const w = (v: RespValue | typeof CLOSED) => {
        clearTimeout(t);
        resolve(v);
      };
      this.waiters.push(w);
    });
  }

  /** Sends a command; an error reply, or the connection closing, throws. */
  async call(...args: (string | number | Buffer)[]): Promise<RespValue> {
    this.send(args);
    const v = await this.next();
    if (v === CLOSED) throw new Error(`connection closed during ${args.join(' ')}`);
    if (v instanceof RespError) throw new Error(`${args.join(' ')}: ${v.message}`);
    return v;
  }

  close(): void {
    this.sock.destroy();
  }
}
