/**
 * PHP's serialize() format, as WordPress stores arrays in post meta (`a:1:{s:4:"size";i:300;}`), read without
 * running anything: strings, numbers, booleans, null and arrays only. An object (`O:`, `C:`), an enum (`E:`) or a
 * reference (`r:`, `R:`) is never built: the value is reported as holding one and kept as text. A string whose
 * declared length is wrong (a database search-and-replace of the site's address changes the text, not the
 * length: the most common corruption of WordPress data) is read to the `";` that ends it, and the value is
 * rewritten with the right lengths, so WordPress reads it again after an export.
 */

/** A decoded value: arrays are Maps (keys as PHP gave them), so no key can reach an object's prototype. */
export type PhpValue = string | number | boolean | null | Map<string | number, PhpValue>;

export type PhpReading =
  | { kind: 'plain' }
  | { kind: 'serialized'; value: PhpValue; repaired?: { text: string; strings: number } }
  | { kind: 'object' }
  | { kind: 'malformed'; reason: string };

const MAX_DEPTH = 64;

class Malformed extends Error {}
class HoldsObject extends Error {}

/** What a meta value is: plain text, serialized data (repaired if its lengths were wrong), or neither. */
export function readPhpSerialized(text: string): PhpReading {
  if (!looksSerialized(text)) return { kind: 'plain' };
  const reader = new Reader(Buffer.from(text, 'utf8'));
  try {
    const value = reader.value(0);
    if (reader.pos !== reader.bytes.length) throw new Malformed(`text after the value at byte ${reader.pos}`);
    if (reader.fixes.length === 0) return { kind: 'serialized', value };
    return { kind: 'serialized', value, repaired: { text: reader.rewritten(), strings: reader.fixes.length } };
  } catch (err) {
    if (err instanceof HoldsObject) return { kind: 'object' };
    if (err instanceof Malformed) return { kind: 'malformed', reason: err.message };
    throw err;
  }
}

/** WordPress's own test: a type letter, a colon or semicolon, and the closing character it needs. */
function looksSerialized(text: string): boolean {
  if (text === 'N;') return true;
  return /^(?:[aOC]:\d+:.*[;}]|s:\d+:".*";|[bid]:[^;]*;|[ErR]:.*;)$/s.test(text);
}

const Q = 0x22; // "
const SEMI = 0x3b;
const COLON = 0x3a;

class Reader {
  pos = 0;
  /** Strings whose length was wrong: where the declared number sits, and the right one. */
  readonly fixes: { at: number; digits: number; length: number }[] = [];
  constructor(readonly bytes: Buffer) {}

  value(depth: number): PhpValue {
    if (depth > MAX_DEPTH) throw new Malformed(`nested deeper than ${MAX_DEPTH}`);
    const type = String.fromCharCode(this.bytes[this.pos] ?? 0);
    if ('OCErR'.includes(type)) throw new HoldsObject();
    if (type === 'N') {
      this.expect('N;');
      return null;
    }
    this.pos++;
    this.expectByte(COLON);
    if (type === 'b') return this.scalar(/^[01]$/, (s) => s === '1');
    if (type === 'i') return this.scalar(/^-?\d{1,19}$/, Number);
    if (type === 'd') return this.scalar(/^(?:-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NAN)$/, Number);
    if (type === 's') return this.string();
    if (type === 'a') return this.array(depth);
    throw new Malformed(`unknown type "${type}" at byte ${this.pos - 1}`);
  }

  private scalar<T>(shape: RegExp, convert: (s: string) => T): T {
    const end = this.bytes.indexOf(SEMI, this.pos);
    if (end < 0) throw new Malformed(`no ";" after byte ${this.pos}`);
    const text = this.bytes.toString('latin1', this.pos, end);
    if (!shape.test(text)) throw new Malformed(`"${text.slice(0, 20)}" at byte ${this.pos}`);
    this.pos = end + 1;
    return convert(text);
  }

  private count(): { n: number; at: number; digits: number } {
    const at = this.pos;
    const end = this.bytes.indexOf(COLON, at);
    const digits = end - at;
    if (end < 0 || digits < 1 || digits > 9) throw new Malformed(`no length at byte ${at}`);
    const text = this.bytes.toString('latin1', at, end);
    if (!/^\d+$/.test(text)) throw new Malformed(`length "${text}" at byte ${at}`);
    this.pos = end + 1;
    return { n: Number(text), at, digits };
  }

  private string(): string {
    const { n, at, digits } = this.count();
    this.expectByte(Q);
    const start = this.pos;
    let end = start + n;
    if (!(this.bytes[end] === Q && this.bytes[end + 1] === SEMI)) {
      end = this.endOfString(start);
      this.fixes.push({ at, digits, length: end - start });
    }
    this.pos = end + 2;
    return this.bytes.toString('utf8', start, end);
  }

  /** Where a string whose length is wrong ends: the first `";` followed by what may come after a value. */
  private endOfString(start: number): number {
    for (let p = this.bytes.indexOf('";', start); p >= 0; p = this.bytes.indexOf('";', p + 1)) {
      const next = this.bytes.toString('latin1', p + 2, p + 4);
      if (next === '' || next[0] === '}' || /^(?:[sibdaOCErR]:|N;)/.test(next)) return p;
    }
    throw new Malformed(`a string from byte ${start} never ends`);
  }

  private array(depth: number): Map<string | number, PhpValue> {
    const { n } = this.count();
    if (n > this.bytes.length) throw new Malformed(`${n} elements cannot fit in ${this.bytes.length} bytes`);
    this.expectByte(0x7b); // {
    const out = new Map<string | number, PhpValue>();
    for (let k = 0; k < n; k++) {
      const key = this.value(depth + 1);
      if (typeof key !== 'string' && typeof key !== 'number') throw new Malformed(`a key at byte ${this.pos}`);
      out.set(key, this.value(depth + 1));
    }
    this.expectByte(0x7d); // }
    return out;
  }

  private expect(text: string): void {
    if (this.bytes.toString('latin1', this.pos, this.pos + text.length) !== text)
      throw new Malformed(`"${text}" expected at byte ${this.pos}`);
    this.pos += text.length;
  }

  private expectByte(byte: number): void {
    if (this.bytes[this.pos] !== byte)
      throw new Malformed(`"${String.fromCharCode(byte)}" expected at byte ${this.pos}`);
    this.pos++;
  }

  /** The value with every wrong string length replaced by the right one. */
  rewritten(): string {
    const parts: Buffer[] = [];
    let from = 0;
    for (const f of this.fixes) {
      parts.push(this.bytes.subarray(from, f.at), Buffer.from(String(f.length), 'latin1'));
      from = f.at + f.digits;
    }
    parts.push(this.bytes.subarray(from));
    return Buffer.concat(parts).toString('utf8');
  }
}
