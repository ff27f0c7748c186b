import { once } from 'node:events';
import { createWriteStream, existsSync, linkSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { runStaticExport } from './export-static.ts';
import { DATABASE_FILE, openSite, type Site } from './main.ts';
import { writeJsonExport } from './modules/export/json-export.ts';
import { exportWxr, type WxrExportReport } from './modules/export/wxr-export.service.ts';
import { systemClock } from './modules/shared/clock.ts';
import { withSnapshot } from './storage/backup/snapshot.ts';
import { StorageOpenError } from './storage/storage.ts';
import { annalistVersion } from './version.ts';

export interface ExportCommand {
  /** `wordpress`, `json` or `static`. */
  format: string | undefined;
  /** Standard output when absent. */
  out: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  /** ANNALIST_BASE_URL as it was set, or undefined when it was not. */
  baseUrl: string | undefined;
  includeEmails: boolean;
  /** With json: media files carry their bytes (base64). */
  includeMedia?: boolean;
  /** With static: the folder, and --base-url and --live-url as given. */
  dir?: string;
  staticBaseUrl?: string;
  liveUrl?: string;
}

/** A refusal or failure of `annalist export`: a stable code and one line a person can act on. */
class ExportError extends Error {
  constructor(
    readonly code:
      | 'EXPORT_FORMAT_UNKNOWN'
      | 'EXPORT_BASE_URL'
      | 'EXPORT_NO_SITE'
      | 'EXPORT_OUT_EXISTS'
      | 'EXPORT_SCHEMA_OLD'
      | 'EXPORT_FAILED',
    message: string,
  ) {
    super(message);
  }
}

const say = (line: string) => process.stderr.write(`annalist: ${line}\n`);

/** One function per format; each resolves to the exit code. */
const FORMATS: Record<string, (cmd: ExportCommand) => Promise<number>> = {
  wordpress: exportWordpress,
  json: exportJson,
  static: (cmd) =>
    runStaticExport({
      dir: cmd.dir,
      dataDir: cmd.dataDir,
      databaseUrl: cmd.databaseUrl,
      siteUrl: cmd.baseUrl,
      baseUrl: cmd.staticBaseUrl,
      liveUrl: cmd.liveUrl,
    }),
};

/**
 * `annalist export FORMAT [--out FILE]`: the site in --data-dir (or DATABASE_URL) written out whole. Resolves to
 * the exit code; every refusal is one line on stderr with its code, and leaves no file behind. The site is
 * opened read-only and never migrated (an export never changes the site): a database at an older schema is
 * refused with EXPORT_SCHEMA_OLD.
 */
export async function runExport(cmd: ExportCommand): Promise<number> {
  const run = cmd.format ? FORMATS[cmd.format] : undefined;
  try {
    if (!run)
      throw new ExportError(
        'EXPORT_FORMAT_UNKNOWN',
        `export writes ${Object.keys(FORMATS).join(', ')}: annalist export wordpress [--out FILE] (not "${cmd.format ?? ''}")`,
      );
    return await run(cmd);
  } catch (err) {
    const refusal =
      err instanceof StorageOpenError && err.code === 'DATABASE_TOO_OLD'
        ? new ExportError('EXPORT_SCHEMA_OLD', err.message)
        : err;
    if (!(refusal instanceof ExportError)) throw err;
    say(`${refusal.code}: ${refusal.message}`);
    return 1;
  }
}

/** The public origin every link in the file starts with: required, since an export is read away from the site. */
function requireBaseUrl(raw: string | undefined): string {
  if (!raw?.trim())
    throw new ExportError(
      'EXPORT_BASE_URL',
      'set ANNALIST_BASE_URL to the address readers use (e.g. https://history.example): every link and image address in the export starts with it',
    );
  try {
    const u = new URL(raw.trim());
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash || u.username)
      throw new Error('not a plain http(s) address');
    return u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    throw new ExportError(
      'EXPORT_BASE_URL',
      `ANNALIST_BASE_URL must be an http(s) address such as https://history.example, not "${raw.slice(0, 200)}"`,
    );
  }
}

/**
 * Opens the site of `cmd` read-only for one export to `--out` (checked first: never over an existing file) or
 * standard output, and closes it afterwards.
 */
async function withExportSite<T>(
  cmd: ExportCommand,
  run: (site: Site, out: string | undefined) => Promise<T>,
): Promise<T> {
  const out = cmd.out === undefined ? undefined : resolve(cmd.out);
  if (out !== undefined) checkOut(out);
  if (!cmd.databaseUrl && !existsSync(join(cmd.dataDir, DATABASE_FILE)))
    throw new ExportError(
      'EXPORT_NO_SITE',
      `${join(cmd.dataDir, DATABASE_FILE)} does not exist: --data-dir names the data folder of a site`,
    );
  const site = await openSite(cmd.dataDir, { databaseUrl: cmd.databaseUrl, readonly: true });
  try {
    return await run(site, out);
  } finally {
    await site.storage.close();
  }
}

async function exportWordpress(cmd: ExportCommand): Promise<number> {
  const baseUrl = requireBaseUrl(cmd.baseUrl);
  return withExportSite(cmd, async (site, out) => {
    const write = (sink: Writable) =>
      // One snapshot for the whole file: a comment posted meanwhile is wholly in or wholly out.
      withSnapshot(site.storage, (db) =>
        exportWxr({ db, clock: systemClock }, { baseUrl, includeEmails: cmd.includeEmails, write: writer(sink) }),
      );
    const report = out === undefined ? await toStdout(write) : await writeFileAside(out, write);
    summarise(report, out);
    return 0;
  });
}

/**
 * `annalist export json`: the whole site as one documented JSON document (docs/export.md), read in one snapshot
 * while the site keeps serving. No base URL is needed: the document's links are the site's own paths.
 */
async function exportJson(cmd: ExportCommand): Promise<number> {
  return withExportSite(cmd, async (site, out) => {
    const input = {
      annalistVersion: annalistVersion(),
      exportedAt: systemClock.now().toISOString(),
      baseUrl: cmd.baseUrl ?? '',
      includeMediaBytes: cmd.includeMedia === true,
    };
    const write = (sink: Writable) =>
      withSnapshot(site.storage, (db) => writeJsonExport({ ...input, db }, { write: writer(sink) }));
    const counts = out === undefined ? await toStdout(write) : await writeFileAside(out, write);
    const listed = Object.entries(counts).map(([name, n]) => `${n} ${name.replace('_', ' ')}`);
    say(
      `exported ${listed.join(', ')}${out ? ` to ${out}` : ''} (media bytes ${
        input.includeMediaBytes ? 'included' : 'left out; --include-media adds them'
      }).`,
    );
    return 0;
  });
}

async function toStdout<T>(write: (sink: Writable) => Promise<T>): Promise<T> {
  try {
    return await write(process.stdout);
  } catch (err) {
    if (err instanceof ExportError) throw err;
    throw new ExportError('EXPORT_FAILED', `writing the export to standard output failed (${(err as Error).message})`);
  }
}

function checkOut(out: string): void {
  if (existsSync(out))
    throw new ExportError('EXPORT_OUT_EXISTS', `${out} already exists; choose another --out or move it away`);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory())
    throw new ExportError('EXPORT_FAILED', `${dirname(out)} is not a folder; nothing was written`);
}

/** An awaited write: waits for 'drain' when the stream's buffer is full, fails with the stream's error. */
function writer(sink: Writable): (chunk: string) => Promise<void> {
  return (chunk) =>
    new Promise((done, fail) => {
      const onError = (err: Error) => fail(err);
      sink.once('error', onError);
      const finish = () => {
        sink.off('error', onError);
        done();
      };
      if (sink.write(chunk, 'utf8')) finish();
      else sink.once('drain', finish);
    });
}

/**
 * Writes into `<out>.partial-<pid>` and, once complete and on disk, gives it its name: a hard link, which fails
 * rather than replace a file that appeared meanwhile. Any failure removes the partial file.
 */
async function writeFileAside<T>(out: string, write: (sink: Writable) => Promise<T>): Promise<T> {
  const partial = `${out}.partial-${process.pid}`;
  const stream = createWriteStream(partial, { flags: 'wx', flush: true });
  // The file is opened asynchronously: until 'close', an open may still create it after an early removal.
  const closed = once(stream, 'close').catch(() => undefined);
  try {
    const report = await write(stream);
    await new Promise<void>((done, fail) => {
      stream.once('error', fail);
      stream.end(() => done());
    });
    try {
      linkSync(partial, out);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new ExportError('EXPORT_OUT_EXISTS', `${out} appeared while the export ran; it was left as it was`);
      throw err;
    }
    return report;
  } catch (err) {
    if (err instanceof ExportError) throw err;
    throw new ExportError('EXPORT_FAILED', `writing ${out} failed (${(err as Error).message}); nothing was kept`);
  } finally {
    stream.destroy();
    await closed;
    rmSync(partial, { force: true });
  }
}

function summarise(r: WxrExportReport, out: string | undefined): void {
  say(
    `exported ${r.posts} posts, ${r.pages} pages, ${r.comments} comments, ${r.categories} categories, ${r.tags} tags, ` +
      `${r.authors} authors and ${r.attachments} attachments${out ? ` to ${out}` : ''} ` +
      `(commenters' emails ${r.includesEmails ? 'included' : 'left out; --include-emails adds them'}).`,
  );
  if (r.scrubbed.removed > 0)
    say(
      `removed ${r.scrubbed.removed} characters XML 1.0 does not allow, in: ${r.scrubbed.places.join(', ')}` +
        `${r.scrubbed.places.length >= 20 ? ' and more' : ''}.`,
    );
}
