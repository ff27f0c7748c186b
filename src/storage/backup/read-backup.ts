import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { MIGRATION_NAMES } from '../migrations/index.ts';
import type { Row } from '../table-copy.ts';
import { TABLES_IN_DEPENDENCY_ORDER } from '../tables.ts';
import {
  ARCHIVE_TABLE_ORDER,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  decodeRow,
  LAST_FORMAT_WITH_MANIFEST_LAST,
  MANIFEST_NAME,
  type Manifest,
  type ManifestMember,
  MEDIA_PREFIX,
  TABLES_LEFT_OUT,
  tableMember,
} from './backup-format.ts';
import type { LineBatch } from './snapshot.ts';
import { readTar, type TarEntry, TarReadError } from './tar.ts';

/**
 * The longest line a tables/ or search/ member may have: far above any real row (an uploaded image is at most
 * 15 MB, 20 MB as base64), low enough that reading one costs a bounded amount of memory.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/**
 * How much larger than the file its decompressed bytes may grow (plus MAX_LINE_BYTES): gzip level 1 on a site's
 * JSON lines gives well under 20 to 1; deflate's own limit is about 1,000 to 1, what a gzip bomb uses.
 */
export const MAX_EXPANSION = 200;

const READ_BYTES = 1024 * 1024;
const INFLATE_CHUNK_BYTES = 8 * 1024 * 1024;

/** The members of the archive at `file`, in order, decompressed; a damaged or cut archive throws BACKUP_DAMAGED. */
export async function* archiveEntries(file: string): AsyncGenerator<TarEntry> {
  if (!existsSync(file)) throw new BackupError('BACKUP_DAMAGED', `${file} does not exist`);
  const limit = statSync(file).size * MAX_EXPANSION + MAX_LINE_BYTES;
  let expanded = 0;
  // Large reads and a large output buffer: zlib inflates a whole read (several MB of lines) on its own thread
  // in one go, while the main thread loads the batch before. With the 16 KB defaults it would stop after every
  // 16 KB until the main thread came back to ask for more.
  const gunzip = pipeline(
    createReadStream(file, { highWaterMark: READ_BYTES }),
    createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }),
    () => {},
  );
  // A gzip bomb is refused as it inflates, before it costs the time (or, once restored, the disk) it asks for.
  const bounded = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      expanded += chunk.length;
      if (expanded > limit)
        throw new Error(`it expands more than ${MAX_EXPANSION}-fold when decompressed, as no backup does`);
      yield chunk;
    }
  };
  try {
    for await (const entry of asBackupErrors(file, readTar(bounded()))) {
      // A member's bytes are read by the caller: its failures must read the same way.
      const body = entry.body;
      yield { ...entry, body: () => asBackupErrors(file, body()) };
    }
  } finally {
    gunzip.destroy();
  }
}

/** Passes the items through, turning a failure to read the archive into BACKUP_DAMAGED naming the member. */
async function* asBackupErrors<T>(file: string, items: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (err) {
    if (!(err instanceof TarReadError)) throw err;
    const where = err.member ? `${err.member}: ` : '';
    throw new BackupError('BACKUP_DAMAGED', `${file} is damaged (${where}${plainReason(err)}); nothing was restored`, {
      cause: err,
    });
  }
}

function plainReason(err: TarReadError): string {
  const code = (err.cause as { code?: string } | undefined)?.code;
  if (code === 'Z_BUF_ERROR') return 'the archive is cut short: truncated';
  if (code === 'Z_DATA_ERROR') return `the compressed data is corrupt: ${err.message}`;
  return err.message;
}

const tooLong = (name: string, file?: string) =>
  new BackupError(
    'BACKUP_DAMAGED',
    `${file ? `${file} is damaged: ` : ''}${name} has a line longer than ${MAX_LINE_BYTES / 1024 / 1024} MB, as no backup writes; nothing was restored`,
  );

/**
 * A member's lines in batches of whole lines (each ending in a newline, at most about `batchBytes` a batch), as
 * bytes; a line longer than MAX_LINE_BYTES is refused before it is held in memory. Batches are cut out of the
 * chunks as they come, without a copy; only a line that spans two chunks is copied, as a batch of its own.
 */
export async function* memberLineBatches(entry: TarEntry, batchBytes = 4 * 1024 * 1024): AsyncGenerator<LineBatch> {
  // The start of a line that goes on in the next chunk.
  let head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of entry.body()) {
    const first = chunk.indexOf(10);
    if (first === -1) {
      headBytes += chunk.length;
      if (headBytes > MAX_LINE_BYTES) throw tooLong(entry.name);
      head.push(chunk);
      continue;
    }
    if (headBytes + first > MAX_LINE_BYTES) throw tooLong(entry.name);
    let from = 0;
    if (headBytes > 0) {
      yield { rows: 1, text: Buffer.concat([...head, chunk.subarray(0, first + 1)]) };
      from = first + 1;
    }
    const last = chunk.lastIndexOf(10);
    while (from <= last) {
      let rows = 0;
      let end = from - 1;
      // Whole lines up to about batchBytes (at least one).
      for (let i = chunk.indexOf(10, from); i !== -1 && i <= last; i = chunk.indexOf(10, i + 1)) {
        if (i - end - 1 > MAX_LINE_BYTES) throw tooLong(entry.name);
        end = i;
        rows++;
        if (end + 1 - from >= batchBytes) break;
      }
      yield { rows, text: chunk.subarray(from, end + 1) };
      from = end + 1;
    }
    headBytes = chunk.length - last - 1;
    if (headBytes > MAX_LINE_BYTES) throw tooLong(entry.name);
    head = headBytes > 0 ? [chunk.subarray(last + 1)] : [];
  }
  // The last line of a member ends in a newline as backups write them; one without is taken as a line too.
  if (headBytes > 0) yield { rows: 1, text: Buffer.concat([...head, Buffer.from('\n')]) };
}

/** The lines of a member, one at a time (a character split between two chunks is joined again). */
export async function* memberLines(entry: TarEntry): AsyncGenerator<string> {
  for await (const batch of memberLineBatches(entry)) {
    const lines = batch.text.toString('utf8').split('\n');
    lines.pop();
    yield* lines;
  }
}

/** The rows of a tables/ or search/ member, in batches. */
export async function* memberRows(entry: TarEntry, batchRows = 500): AsyncGenerator<Row[]> {
  let batch: Row[] = [];
  let bytes = 0;
  for await (const line of memberLines(entry)) {
    batch.push(decodeRow(line));
    bytes += line.length;
    if (batch.length >= batchRows || bytes >= 8 * 1024 * 1024) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

interface Found {
  name: string;
  bytes: number;
  sha256: string;
  lines: number;
}

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** An archive's manifest, read and checked for what it lists (not yet for the members themselves). */
export interface OpenedBackup {
  manifest: Manifest;
  /** Its bytes as read, to know it again when the archive is read a second time. */
  manifestText: string;
  /** Every member has already been checked (a format 1 archive, whose manifest comes last, is read in full). */
  checked: boolean;
}

/**
 * Reads the manifest: in a format 2 archive the first member, so only it is read; in a format 1 archive the
 * last, so the whole archive is read and checked as verifyBackup does. A backup this Annalist cannot read, or
 * a manifest that lists what no backup holds, is refused here, before anything is written anywhere.
 */
export async function openBackup(file: string): Promise<OpenedBackup> {
  for await (const entry of archiveEntries(file)) {
    if (entry.name !== MANIFEST_NAME) break;
    const manifestText = await readManifestText(file, entry);
    const manifest = parseManifest(file, manifestText);
    if (manifest.formatVersion <= LAST_FORMAT_WITH_MANIFEST_LAST)
      throw damaged(file, `manifest.json comes first, as no format ${manifest.formatVersion} archive has it`);
    checkListed(file, manifest);
    return { manifest, manifestText, checked: false };
  }
  return { ...(await verifyManifestLast(file)), checked: true };
}

/**
 * Reads the whole archive once, before anything is written anywhere: every member's SHA-256, size and line
 * count must be what the manifest says, nothing may be missing or added, and the backup must come from an
 * Annalist this one can read. The first member that fails, in archive order, is named.
 */
export async function verifyBackup(file: string): Promise<Manifest> {
  const opened = await openBackup(file);
  if (!opened.checked) for await (const member of checkedMembers(file, opened)) await member.finish();
  return opened.manifest;
}

/** A member being read, checked against the manifest as its bytes pass. */
export interface CheckedMember {
  name: string;
  size: number;
  /** What the manifest says of it. */
  listed: ManifestMember;
  /**
   * Its bytes. At the end, before the generator returns, the size, SHA-256 and line count are compared with
   * the manifest (BACKUP_DAMAGED, naming the member, when they differ). It may be left before its end.
   */
  body(): AsyncGenerator<Buffer>;
  /** Reads what `body` has not, and checks: after a failure to load a member, whether it was damaged. */
  finish(): Promise<void>;
}

/**
 * The members of an opened archive (the manifest aside), in archive order, each checked as it is read: a
 * member that is not the next one the manifest lists, or one that fails its checks, is refused as it comes;
 * one listed but missing, at the end. So a restore can check and load in the same pass: the first failure is
 * found before anything after it is read.
 */
export async function* checkedMembers(file: string, opened: OpenedBackup): AsyncGenerator<CheckedMember> {
  const listed = opened.manifest.members;
  let next = 0;
  let manifests = 0;
  for await (const entry of archiveEntries(file)) {
    if (entry.name === MANIFEST_NAME) {
      if (++manifests > 1 || (await readManifestText(file, entry)) !== opened.manifestText)
        throw changedWhileRead(file, MANIFEST_NAME);
      continue;
    }
    const expected = listed[next];
    if (expected?.name !== entry.name)
      throw damaged(
        file,
        listed.some((m) => m.name === entry.name)
          ? `${entry.name} is not where the manifest lists it`
          : `${entry.name} is not in the manifest`,
      );
    next++;
    const member = new MemberCheck(file, entry, expected);
    yield member;
    await member.finish();
  }
  const missing = listed[next];
  if (missing) throw damaged(file, `${missing.name} is listed in the manifest but missing`);
  if (manifests === 0) throw changedWhileRead(file, MANIFEST_NAME);
}

const changedWhileRead = (file: string, name: string) =>
  new BackupError('BACKUP_DAMAGED', `${file} changed while it was being restored (${name}); nothing was restored`);

/** Counts the lines of a member's bytes as they pass, refusing one longer than MAX_LINE_BYTES. */
class LineCounter {
  lines = 0;
  private lineBytes = 0;
  constructor(
    private readonly name: string,
    private readonly file: string,
  ) {}

  add(chunk: Buffer): void {
    let last = -1;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
      if (this.lineBytes + i - last - 1 > MAX_LINE_BYTES) throw tooLong(this.name, this.file);
      this.lineBytes = 0;
      last = i;
      this.lines++;
    }
    this.lineBytes += chunk.length - last - 1;
    if (this.lineBytes > MAX_LINE_BYTES) throw tooLong(this.name, this.file);
  }
}

class MemberCheck implements CheckedMember {
  readonly name: string;
  readonly size: number;
  private readonly source: AsyncIterator<Buffer>;
  private readonly hash = createHash('sha256');
  private readonly lines: LineCounter | undefined;
  private done = false;
  private failed: unknown;

  constructor(
    private readonly file: string,
    entry: TarEntry,
    readonly listed: ManifestMember,
  ) {
    this.name = entry.name;
    this.size = entry.size;
    // The header's size is the member's: known wrong before a byte of it is read.
    if (entry.size !== listed.bytes) throw damaged(file, `${entry.name} fails its SHA-256 check`);
    this.source = entry.body();
    this.lines = entry.name.startsWith(MEDIA_PREFIX) ? undefined : new LineCounter(entry.name, file);
  }

  async *body(): AsyncGenerator<Buffer> {
    for (let chunk = await this.pull(); chunk; chunk = await this.pull()) yield chunk;
  }

  async finish(): Promise<void> {
    while (await this.pull()) {}
  }

  /**
   * The next chunk, hashed and counted; at the end, the comparison with the manifest. A failure (damage found,
   * or the archive unreadable) is kept and thrown again: finish() after it never reports anything else.
   */
  private async pull(): Promise<Buffer | undefined> {
    if (this.failed) throw this.failed;
    if (this.done) return undefined;
    try {
      const next = await this.source.next();
      if (next.done) {
        this.done = true;
        this.compare();
        return undefined;
      }
      this.hash.update(next.value);
      this.lines?.add(next.value);
      return next.value;
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  private compare(): void {
    if (this.hash.digest('hex') !== this.listed.sha256)
      throw damaged(this.file, `${this.name} fails its SHA-256 check`);
    const rows = this.lines?.lines ?? 0;
    if (this.listed.rows !== undefined && this.listed.rows !== rows)
      throw damaged(this.file, `${this.name} has ${rows} rows, the manifest says ${this.listed.rows}`);
  }
}

async function readManifestText(file: string, entry: TarEntry): Promise<string> {
  if (entry.size > MAX_MANIFEST_BYTES) throw damaged(file, 'manifest.json is too large to be a manifest');
  const parts: Buffer[] = [];
  for await (const chunk of entry.body()) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** Format 1: the manifest comes last, so every member is hashed and counted first, then compared with it. */
async function verifyManifestLast(file: string): Promise<{ manifest: Manifest; manifestText: string }> {
  const found: Found[] = [];
  let manifestText: string | undefined;
  for await (const entry of archiveEntries(file)) {
    if (manifestText !== undefined) throw damaged(file, `${entry.name} comes after the manifest`);
    if (entry.name === MANIFEST_NAME) {
      manifestText = await readManifestText(file, entry);
      continue;
    }
    const hash = createHash('sha256');
    const lines = new LineCounter(entry.name, file);
    const text = !entry.name.startsWith(MEDIA_PREFIX);
    for await (const chunk of entry.body()) {
      hash.update(chunk);
      if (text) lines.add(chunk);
    }
    found.push({ name: entry.name, bytes: entry.size, sha256: hash.digest('hex'), lines: lines.lines });
  }
  if (manifestText === undefined)
    throw damaged(file, `the archive ends before manifest.json${found.length ? ` (after ${found.at(-1)?.name})` : ''}`);
  const manifest = parseManifest(file, manifestText);
  if (manifest.formatVersion > LAST_FORMAT_WITH_MANIFEST_LAST)
    throw damaged(file, `manifest.json comes last, as no format ${manifest.formatVersion} archive has it`);
  checkFound(file, manifest, found);
  checkListed(file, manifest);
  return { manifest, manifestText };
}

const damaged = (file: string, why: string) =>
  new BackupError('BACKUP_DAMAGED', `${file} is damaged (${why}); nothing was restored`);

function parseManifest(file: string, text: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch {
    throw damaged(file, 'manifest.json is not JSON');
  }
  if (manifest?.format !== BACKUP_FORMAT || !Array.isArray(manifest.members) || !Array.isArray(manifest.migrations))
    throw damaged(file, 'manifest.json is not the manifest of an Annalist backup');
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > BACKUP_FORMAT_VERSION)
    throw new BackupError(
      'BACKUP_TOO_NEW',
      `${file} was written by a newer Annalist (${manifest.annalistVersion}, backup format ${manifest.formatVersion}); upgrade Annalist to restore it, nothing was restored`,
    );
  // The schema decides: this Annalist can restore rows whose migrations it knows, applied in its own order.
  const unknown = manifest.migrations.find((m, i) => MIGRATION_NAMES[i] !== m);
  if (unknown !== undefined || manifest.migrations.at(-1) !== manifest.schemaVersion)
    throw new BackupError(
      'BACKUP_TOO_NEW',
      `${file} was written by a newer Annalist (${manifest.annalistVersion}, schema ${manifest.schemaVersion}: migration ${unknown ?? manifest.schemaVersion} is unknown here); upgrade Annalist to restore it, nothing was restored`,
    );
  return manifest;
}

/** Format 1: every member found is the one the manifest lists, and nothing listed is missing. */
function checkFound(file: string, manifest: Manifest, found: Found[]): void {
  const listed = new Map<string, ManifestMember>(manifest.members.map((m) => [m.name, m]));
  for (const member of found) {
    const expected = listed.get(member.name);
    if (!expected) throw damaged(file, `${member.name} is not in the manifest`);
    if (expected.bytes !== member.bytes || expected.sha256 !== member.sha256)
      throw damaged(file, `${member.name} fails its SHA-256 check`);
    if (expected.rows !== undefined && expected.rows !== member.lines)
      throw damaged(file, `${member.name} has ${member.lines} rows, the manifest says ${expected.rows}`);
    listed.delete(member.name);
  }
  const missing = [...listed.keys()][0];
  if (missing !== undefined) throw damaged(file, `${missing} is listed in the manifest but missing`);
}

/** What the manifest lists is what a backup may hold: its own tables, parents first, never one left out. */
function checkListed(file: string, manifest: Manifest): void {
  const names = new Set<string>();
  for (const m of manifest.members) {
    if (typeof m?.name !== 'string' || names.has(m.name) || m.name === MANIFEST_NAME)
      throw damaged(file, `manifest.json lists ${String(m?.name)} twice or in a form no backup writes`);
    names.add(m.name);
  }
  // A table member is named after its table, and never one a backup leaves out: an archive is checked for
  // damage by its checksums, but anyone can recompute those, so what it may bring in is checked too.
  for (const m of manifest.members) {
    if (!m.table) continue;
    if (m.name !== tableMember(m.table)) throw damaged(file, `${m.name} claims to hold table ${m.table}`);
    if (m.table in TABLES_LEFT_OUT) throw damaged(file, `${m.name} holds ${m.table}, which no backup holds`);
  }
  // Restoring inserts tables as they come: they must come parents first, and be tables this Annalist has.
  const known: readonly string[] =
    manifest.formatVersion <= LAST_FORMAT_WITH_MANIFEST_LAST ? TABLES_IN_DEPENDENCY_ORDER : ARCHIVE_TABLE_ORDER;
  const order = manifest.members.flatMap((m) => (m.table ? [m.table] : []));
  let last = -1;
  for (const table of order) {
    const at = known.indexOf(table);
    if (at <= last) throw damaged(file, `tables/${table}.jsonl is not a known table in foreign-key order`);
    last = at;
  }
}
