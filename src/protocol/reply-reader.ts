/**
 * Decoder for RESP2/RESP3 replies (the client side of the protocol). Used by
 * tests, tools and anything inside the server that has to read a reply back
 * (for example scripting). Strings are decoded as latin1, so bytes survive.
 */

export type RespValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | RespError
  | RespValue[]
  | RespMap
  | RespSet
  | RespPush
  | RespDouble
  | RespVerbatim;

export class RespError {
  constructor(public message: string) {}
  toString(): string {
    return this.message;
  }
}
export class RespMap {
  constructor(public entries: [RespValue, RespValue][]) {}
}
export class RespSet {
  constructor(public items: RespValue[]) {}
}
export class RespPush {
  constructor(public items: RespValue[]) {}
}
export class RespDouble {
  constructor(public text: string) {}
  get value(): number {
    return this.text === 'inf' ? Infinity : this.text === '-inf' ? -Infinity : Number(this.text);
  }
}
export class RespVerbatim {
  constructor(public format: string, public text: string) {}
}

const NEED_MORE = Symbol('more');

/** Incremental decoder: feed bytes, take whole values. */
export class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  feed(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
  }

  /** Returns the next whole value, or undefined when more bytes are needed. */
  next(): RespValue | undefined {
    const start = this.pos;
    const v = this.read();
    if (v === NEED_MORE) {
      this.pos = start;
      return undefined;
    }
    return v as RespValue;
  }

  /** Byte length of the next whole reply, or -1 when incomplete (for raw capture). */
  nextRaw(): Buffer | undefined {
    const start = this.pos;
    const v = this.read();
    if (v === NEED_MORE) {
      this.pos = start;
      return undefined;
    }
    return this.buf.subarray(start, this.pos);
  }

  private line(): string | typeof NEED_MORE {
    const nl = this.buf.indexOf('\r\n', this.pos, 'latin1');
    if (nl < 0) return NEED_MORE;
    const s = this.buf.toString('latin1', this.pos, nl);
    this.pos = nl + 2;
    return s;
  }

  private readAgg(n: number): RespValue[] | typeof NEED_MORE {
    const out: RespValue[] = [];
    for (let i = 0; i < n; i++) {
      const v = this.read();
      if (v === NEED_MORE) return NEED_MORE;
      out.push(v);
    }
    return out;
  }

  private read(): RespValue | typeof NEED_MORE {
    if (this.pos >= this.buf.length) return NEED_MORE;
    const type = String.fromCharCode(this.buf[this.pos++]);
    const l = this.line();
    if (l === NEED_MORE) return NEED_MORE;
    switch (type) {
      case '+':
        return l;
      case '-':
        return new RespError(l);
      case ':':
        {
          const n = Number(l);
          return Number.isSafeInteger(n) ? n : BigInt(l);
        }
      case '$':
      case '=':
      case '!': {
        const n = Number(l);
        if (n < 0) return null;
        if (this.buf.length - this.pos < n + 2) return NEED_MORE;
        const s = this.buf.toString('latin1', this.pos, this.pos + n);
        this.pos += n + 2;
        if (type === '=') return new RespVerbatim(s.slice(0, 3), s.slice(4));
        if (type === '!') return new RespError(s);
        return s;
      }
      case '*': {
        const n = Number(l);
        if (n < 0) return null;
        return this.readAgg(n);
      }
      case '~': {
        const items = this.readAgg(Number(l));
        return items === NEED_MORE ? NEED_MORE : new RespSet(items);
      }
      case '>': {
        const items = this.readAgg(Number(l));
        return items === NEED_MORE ? NEED_MORE : new RespPush(items);
      }
      case '%':
      case '|': {
        const items = this.readAgg(Number(l) * 2);
        if (items === NEED_MORE) return NEED_MORE;
        const entries: [RespValue, RespValue][] = [];
        for (let i = 0; i < items.length; i += 2) entries.push([items[i], items[i + 1]]);
        if (type === '|') {
          // attribute: skip it and return the value that follows
          return this.read();
        }
        return new RespMap(entries);
      }
      case '_':
        return null;
      case '#':
        return l === 't';
      case ',':
        return new RespDouble(l);
      case '(':
        return BigInt(l);
      default:
        throw new Error(`bad reply type byte '${type}'`);
    }
  }
}

/** Encodes a command as a RESP multibulk (latin1 strings or buffers). */
export function encodeCommand(args: readonly (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** Converts a decoded value to plain JSON-able data (maps become objects when keys are strings). */
export function toPlain(v: RespValue): unknown {
  if (v instanceof RespMap) {
    const o: Record<string, unknown> = {};
    for (const [k, val] of v.entries) o[String(k)] = toPlain(val);
    return o;
  }
  if (v instanceof RespSet || v instanceof RespPush) return v.items.map(toPlain);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof RespDouble) return v.value;
  if (v instanceof RespVerbatim) return v.text;
  if (v instanceof RespError) return { error: v.message };
  if (typeof v === 'bigint') return v.toString();
  return v;
}
