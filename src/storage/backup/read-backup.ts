import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { MIGRATION_NAMES } from '../migrations/index.ts';
import type { Row } from '../table-copy.ts';
import { TABLES_IN_DEPENDENCY_ORDER } from '../tables.ts';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  decodeRow,
  MANIFEST_NAME,
  type Manifest,
  type ManifestMember,
  TABLES_LEFT_OUT,
  tableMember,
} from './backup-format.ts';
import { readTar, type TarEntry, TarReadError } from './tar.ts';

/** The members of the archive at `file`, in order, decompressed; a damaged or cut archive throws BACKUP_DAMAGED. */
export async function* archiveEntries(file: string): AsyncGenerator<TarEntry> {
  if (!existsSync(file)) throw new BackupError('BACKUP_DAMAGED', `${file} does not exist`);
  const gunzip = pipeline(createReadStream(file), createGunzip(), () => {});
  try {
    for await (const entry of asBackupErrors(file, readTar(gunzip))) {
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

/** The lines of a member, one at a time (a line may span chunks, and a character may be split between two). */
export async function* memberLines(entry: TarEntry): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of entry.body()) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    yield* lines;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
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

/**
 * Reads the whole archive once, before anything is written anywhere: every member's SHA-256, size and line
 * count must be what the manifest says, nothing may be missing or added, and the backup must come from an
 * Annalist this one can read. The first member that fails, in archive order, is named.
 */
export async function verifyBackup(file: string): Promise<Manifest> {
  const found: Found[] = [];
  let manifestText: string | undefined;
  for await (const entry of archiveEntries(file)) {
    if (manifestText !== undefined) throw damaged(file, `${entry.name} comes after the manifest`);
    if (entry.name === MANIFEST_NAME) {
      if (entry.size > MAX_MANIFEST_BYTES) throw damaged(file, 'manifest.json is too large to be a manifest');
      const parts: Buffer[] = [];
      for await (const chunk of entry.body()) parts.push(chunk);
      manifestText = Buffer.concat(parts).toString('utf8');
      continue;
    }
    const hash = createHash('sha256');
    let lines = 0;
    for await (const chunk of entry.body()) {
      hash.update(chunk);
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    found.push({ name: entry.name, bytes: entry.size, sha256: hash.digest('hex'), lines });
  }
  if (manifestText === undefined)
    throw damaged(file, `the archive ends before manifest.json${found.length ? ` (after ${found.at(-1)?.name})` : ''}`);
  const manifest = parseManifest(file, manifestText);
  checkMembers(file, manifest, found);
  return manifest;
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

function checkMembers(file: string, manifest: Manifest, found: Found[]): void {
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
  // A table member is named after its table, and never one a backup leaves out: an archive is checked for
  // damage by its checksums, but anyone can recompute those, so what it may bring in is checked too.
  for (const m of manifest.members) {
    if (!m.table) continue;
    if (m.name !== tableMember(m.table)) throw damaged(file, `${m.name} claims to hold table ${m.table}`);
    if (m.table in TABLES_LEFT_OUT) throw damaged(file, `${m.name} holds ${m.table}, which no backup holds`);
  }
  // Restoring inserts tables as they come: they must come parents first, and be tables this Annalist has.
  const order = manifest.members.flatMap((m) => (m.table ? [m.table] : []));
  let last = -1;
  for (const table of order) {
    const at = (TABLES_IN_DEPENDENCY_ORDER as readonly string[]).indexOf(table);
    if (at <= last) throw damaged(file, `tables/${table}.jsonl is not a known table in foreign-key order`);
    last = at;
  }
}
