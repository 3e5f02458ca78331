/**
 * The stream a real redis-server sends its replicas, read as a replica
 * would: SYNC, skip the RDB payload, then collect each propagated command
 * (PING keep-alives left out). Sinew's effect stream is compared with it.
 */
import net from 'node:net';
import { ReplyReader, type RespValue } from '../../src/protocol/reply-reader.js';

export class ReplicaStream {
  readonly commands: string[][] = [];
  private sock: net.Socket;
  private reader = new ReplyReader();
  private pending = Buffer.alloc(0);
  /** Bytes of the RDB payload still to skip (-1: header not read yet). */
  private rdbLeft = -1;
  private waiters: (() => void)[] = [];

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (b: Buffer) => this.onData(b));
    sock.on('error', () => {});
  }

  /** Connects and asks for a full sync; resolves once the RDB payload has been read. */
  static async open(port: number): Promise<ReplicaStream> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    const r = new ReplicaStream(sock);
    sock.write('SYNC\r\n');
    await r.until(() => r.rdbLeft === 0, 10000, 'the RDB payload of SYNC');
    return r;
  }

  private onData(b: Buffer): void {
    if (this.rdbLeft !== 0) {
      this.pending = Buffer.concat([this.pending, b]);
      if (this.rdbLeft < 0) {
        // keep-alive newlines come before "$<len>\r\n"
        let i = 0;
        while (i < this.pending.length && this.pending[i] === 10) i++;
        const nl = this.pending.indexOf('\r\n', i);
        if (nl < 0) return;
        this.rdbLeft = Number(this.pending.toString('latin1', i + 1, nl));
        this.pending = this.pending.subarray(nl + 2);
      }
      const take = Math.min(this.rdbLeft, this.pending.length);
      this.rdbLeft -= take;
      b = this.pending.subarray(take);
      this.pending = Buffer.alloc(0);
      if (this.rdbLeft !== 0) return;
    }
    this.reader.feed(b);
    for (;;) {
      const v = this.reader.next() as RespValue | undefined;
      if (v === undefined) break;
      const argv = (v as unknown[]).map((x) => String(x));
      if (argv.length === 1 && argv[0].toUpperCase() === 'PING') continue;
      this.commands.push(argv);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `ok()` holds (checked whenever data arrives). */
  async until(ok: () => boolean, ms = 5000, what = 'the replica stream'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.commands)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.sock.destroy();
  }
}
