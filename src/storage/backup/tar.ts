/**
 * The few parts of the POSIX ustar format a backup needs: regular files only, written as a stream of 512-byte
 * blocks and read back one member at a time without holding a member in memory. `tar -tzf` and `tar -xzf`
 * read what is written here.
 */

const BLOCK = 512;

/** Two empty blocks: the end of a tar archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** Zero bytes after a member's data, up to the next block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** Splits a path into ustar's prefix (up to 155 bytes) and name (up to 100 bytes) at a slash. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`${path}: the name is too long for a tar archive`);
}

/** The header block of a regular file `path` of `size` bytes. */
export function tarHeader(path: string, size: number, mtime: Date): Buffer {
  const header = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(path);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  header.write(' '.repeat(8), 148, 'ascii'); // the checksum counts its own field as spaces
  header.write('0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** A member as the reader finds it; `body` must be read to its end (or not at all) before the next member. */
export interface TarEntry {
  name: string;
  size: number;
  body(): AsyncGenerator<Buffer>;
}

/** Reading a member failed: the archive is cut short, or its bytes are not a tar archive. */
export class TarReadError extends Error {
  constructor(
    /** The member being read when it failed; undefined between members. */
    readonly member: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TarReadError';
  }
}

/** Reads exactly the bytes asked for from a stream of chunks, however the chunks fall. */
class ByteReader {
  private pending: Buffer[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Up to `max` bytes (at least one unless the stream has ended). */
  async some(max: number): Promise<Buffer> {
    while (this.buffered === 0 && !this.done) await this.fill();
    if (this.buffered === 0) return Buffer.alloc(0);
    const first = this.pending[0]!;
    if (first.length <= max) {
      this.pending.shift();
      this.buffered -= first.length;
      return first;
    }
    this.pending[0] = first.subarray(max);
    this.buffered -= max;
    return first.subarray(0, max);
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async exactly(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.some(n - got);
      if (part.length === 0) break;
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts, got);
  }

  private async fill(): Promise<void> {
    const next = await this.source.next();
    if (next.done) this.done = true;
    else if (next.value.length > 0) {
      this.pending.push(next.value);
      this.buffered += next.value.length;
    }
  }
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function parseHeader(header: Buffer): { name: string; size: number; type: string } {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  const stored = Number.parseInt(field(header, 148, 8).trim(), 8);
  if (stored !== sum || field(header, 257, 5) !== 'ustar')
    throw new TarReadError(undefined, 'not a tar archive (a header block is damaged)');
  const prefix = field(header, 345, 155);
  const name = field(header, 0, 100);
  const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
  return { name: prefix ? `${prefix}/${name}` : name, size, type: field(header, 156, 1) || '0' };
}

/** The members of a tar archive, in order; only regular files are expected. */
export async function* readTar(chunks: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(chunks[Symbol.asyncIterator]());
  let current: string | undefined;
  const read = async (n: number, exact: boolean): Promise<Buffer> => {
    try {
      return exact ? await reader.exactly(n) : await reader.some(n);
    } catch (err) {
      throw new TarReadError(current, (err as Error).message, { cause: err });
    }
  };
  for (;;) {
    current = undefined;
    const header = await read(BLOCK, true);
    if (header.length === 0) throw new TarReadError(undefined, 'the archive ends without its end marker');
    if (header.length < BLOCK) throw new TarReadError(undefined, 'the archive ends inside a header');
    if (header.every((b) => b === 0)) return;
    const { name, size, type } = parseHeader(header);
    if (type !== '0') throw new TarReadError(name, `${name} is not a regular file`);
    current = name;
    let left = size;
    let consumed = false;
    const body = async function* (): AsyncGenerator<Buffer> {
      consumed = true;
      while (left > 0) {
        // Chunks as large as the inflater hands them over (up to 8 MB): a reader of lines cuts batches out of
        // them without copying.
        const part = await read(Math.min(left, 8 * 1024 * 1024), false);
        if (part.length === 0) throw new TarReadError(name, `${name} is cut short: the archive is truncated`);
        left -= part.length;
        yield part;
      }
    };
    yield { name, size, body };
    if (!consumed) for await (const _ of body());
    if (left > 0) throw new TarReadError(name, `${name} was not read to its end`);
    const pad = tarPadding(size).length;
    if (pad > 0 && (await read(pad, true)).length < pad)
      throw new TarReadError(name, `${name} is cut short: the archive is truncated`);
  }
}
