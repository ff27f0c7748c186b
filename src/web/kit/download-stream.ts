import { PassThrough, type Readable } from 'node:stream';

/** Where a download's writer puts its text; each write is awaited (back-pressure). */
export interface DownloadSink {
  write(text: string): Promise<void>;
}

export interface DownloadLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * How long a download may take nothing from its writer before it is cut: a reader that stalls must not hold
 * the export slot and its database snapshot for ever.
 */
const STALL_MS = 120_000;

/**
 * Runs `produce` into a stream for `reply.send()`, honouring back-pressure: a write that fills the stream's
 * buffer waits until the reader has taken it. The promise resolves with the stream at the first byte, so a
 * refusal before any byte (another export running, the database away) rejects and is shown as a readable error
 * page with its code. A failure after it, when the headers are gone, destroys the stream: Fastify then cuts the
 * connection before the chunked body's last chunk, so the reader's download fails visibly instead of ending in
 * a file that looks whole. It is logged here; a reader who closes the download stops the writer.
 */
export function startDownload(produce: (sink: DownloadSink) => Promise<void>, log: DownloadLog): Promise<Readable> {
  const out = new PassThrough();
  return new Promise((resolve, reject) => {
    let started = false;
    const begin = () => {
      if (started) return;
      started = true;
      resolve(out);
    };
    produce({
      write(text) {
        begin();
        return writeOrWait(out, text);
      },
    }).then(
      () => {
        begin();
        out.end();
      },
      (err: unknown) => {
        if (!started) {
          started = true;
          out.destroy();
          reject(err);
        } else if (out.destroyed) {
          log.info({ err }, 'download stopped: the reader closed it, or took nothing for too long');
        } else {
          log.error(
            { err },
            'download failed after its first bytes; the connection is cut so no partial file looks whole',
          );
          out.destroy(err instanceof Error ? err : new Error(String(err)));
        }
      },
    );
  });
}

/** Writes `text`; when the buffer is full, waits for 'drain', failing if the stream closes or stalls first. */
function writeOrWait(out: PassThrough, text: string): Promise<void> {
  if (out.destroyed) return Promise.reject(new Error('the download was closed before the end'));
  if (out.write(text)) return Promise.resolve();
  return new Promise((done, fail) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      out.off('drain', onDrain);
      out.off('close', onClose);
      if (err) fail(err);
      else done();
    };
    const onDrain = () => finish();
    const onClose = () => finish(new Error('the download was closed before the end'));
    const timer = setTimeout(() => {
      finish(new Error(`the reader took nothing for ${STALL_MS / 1000} s`));
      out.destroy();
    }, STALL_MS);
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}
