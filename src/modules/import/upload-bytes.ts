import { createGunzip, type Gunzip } from 'node:zlib';
import type { Db } from '../../storage/schema.ts';
import { AppError } from '../shared/errors.ts';
import { insertChunk } from './import-upload.repository.ts';

// The bytes of an upload on their way into the database: unpacked when gzip'd, never past the cap, in pieces.

/** The size of the pieces an upload is stored in (the last one is shorter). */
export const CHUNK_BYTES = 1024 * 1024;
/**
 * Deflate data handed to the inflater at a time. A slice of deflate data unpacks to at most about a thousand
 * times its size, so this bounds what one step may produce (about 8 MB) before the cap is looked at again.
 */
const SLICE_BYTES = 8 * 1024;

/** A size as the refusals say it: "512 MB", or "256 KB" under a megabyte. */
export const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`;

/** The refusal of a file past the cap, as sent or once unpacked. */
export function uploadTooLarge(cap: number, unpacked: boolean): AppError {
  return new AppError(
    'IMPORT_UPLOAD_TOO_LARGE',
    unpacked
      ? `The .gz file unpacks to more than ${sizeText(cap)}, the most the administration takes; it was not unpacked further and nothing was kept. Import a file that large on the server with "annalist import" (docs/moving-in.md).`
      : `The file is larger than ${sizeText(cap)}, the most the administration takes; nothing was kept. Import a file that large on the server with "annalist import" (docs/moving-in.md).`,
    { detail: unpacked ? 'inflated past the cap' : 'sent past the cap' },
  );
}

/** Writes what it is given into `import_upload_chunks` in pieces of CHUNK_BYTES, holding at most one piece. */
export class ChunkWriter {
  private parts: Buffer[] = [];
  private held = 0;
  chunks = 0;
  bytes = 0;

  constructor(
    private readonly db: Db,
    private readonly uploadId: number,
  ) {}

  async write(b: Buffer): Promise<void> {
    this.bytes += b.length;
    this.parts.push(b);
    this.held += b.length;
    while (this.held >= CHUNK_BYTES) {
      const all = Buffer.concat(this.parts);
      await this.store(all.subarray(0, CHUNK_BYTES));
      this.parts = [all.subarray(CHUNK_BYTES)];
      this.held = all.length - CHUNK_BYTES;
    }
  }

  async end(): Promise<void> {
    if (this.held > 0) await this.store(Buffer.concat(this.parts));
    this.parts = [];
    this.held = 0;
  }

  private async store(piece: Buffer): Promise<void> {
    // A copy: the piece may be a view into a larger buffer the drivers would otherwise send whole.
    await insertChunk(this.db, this.uploadId, this.chunks, Buffer.from(piece));
    this.chunks++;
  }
}

/**
 * A gzip stream unpacked step by step, refusing (IMPORT_UPLOAD_TOO_LARGE) as soon as what it unpacked passes
 * `cap`: a gzip bomb is never inflated further than that, and what was unpacked past the cap is dropped as it
 * comes. A damaged or cut-short file is IMPORT_UPLOAD_DAMAGED.
 */
export class CappedGunzip {
  private readonly z: Gunzip = createGunzip();
  private out: Buffer[] = [];
  private total = 0;
  private error: Error | undefined;

  constructor(private readonly cap: number) {
    this.z.on('data', (b: Buffer) => {
      this.total += b.length;
      if (this.total <= this.cap) this.out.push(b);
    });
    this.z.on('error', (err) => {
      this.error = err;
    });
  }

  /** Unpacks `input`, yielding what came out. */
  async *feed(input: Buffer): AsyncGenerator<Buffer> {
    for (let at = 0; at < input.length; at += SLICE_BYTES) {
      await this.step((done) => this.z.write(input.subarray(at, at + SLICE_BYTES), done));
      yield* this.take();
    }
  }

  /** The end of the file: what is left, or the refusal of a file cut short. */
  async *end(): AsyncGenerator<Buffer> {
    // zlib says a file is cut short only after its end callback: wait for the stream to close, error or not.
    if (!this.error && !this.z.closed)
      await new Promise<void>((resolve) => {
        this.z.once('close', () => resolve());
        this.z.end();
      });
    yield* this.take();
  }

  /** Stops unpacking (after a refusal elsewhere). */
  close(): void {
    this.z.destroy();
  }

  private async step(start: (done: (err?: Error | null) => void) => void): Promise<void> {
    // A stream that fails may never call back: its 'error' ends the step too.
    if (!this.error)
      await new Promise<void>((resolve) => {
        const done = (err?: Error | null) => {
          this.z.off('error', done);
          if (err) this.error ??= err;
          resolve();
        };
        this.z.once('error', done);
        start(done);
      });
    // Output zlib pushed in this step reaches 'data' by the next turn of the event loop at the latest.
    await new Promise((resolve) => setImmediate(resolve));
  }

  private take(): Buffer[] {
    if (this.error) {
      this.close();
      throw new AppError(
        'IMPORT_UPLOAD_DAMAGED',
        'The .gz file is damaged or cut short, so it could not be unpacked; nothing was kept. Download the export again.',
        { detail: this.error.message, cause: this.error },
      );
    }
    if (this.total > this.cap) {
      this.close();
      throw uploadTooLarge(this.cap, true);
    }
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** True when the bytes begin as every gzip file does. */
export const isGzip = (head: Buffer): boolean => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
