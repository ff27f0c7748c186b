/**
 * The manifest a static copy keeps in its folder: every file the export wrote, with the SHA-256 of its bytes.
 * A second run into the same folder compares against it, so it rewrites only what changed and removes only
 * files it wrote itself. Pure: reading and writing the folder is the caller's.
 */

export const MANIFEST_FILE = '.annalist-static.json';
const FORMAT = 'annalist-static-copy';

export type StaticExportErrorCode =
  | 'STATIC_BAD_ARGUMENT'
  | 'STATIC_DIR_NOT_OURS'
  | 'STATIC_LINK_REFUSED'
  | 'STATIC_EXPORT_FAILED';

/** A failure of `annalist export static` with a stable code (docs/errors.md) and a one-line message. */
export class StaticExportError extends Error {
  constructor(
    readonly code: StaticExportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface StaticManifest {
  format: typeof FORMAT;
  version: 1;
  /** When the copy was made (ISO time) and from which site address. */
  exportedAt: string;
  /** File (relative, `/`-separated) -> SHA-256 hex of its bytes. */
  files: Record<string, string>;
}

/** The manifest in `text`, or undefined when the text is not a manifest of ours (or is damaged). */
export function parseManifest(text: string): StaticManifest | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  const m = data as Partial<StaticManifest>;
  if (m.format !== FORMAT || m.version !== 1 || !m.files || typeof m.files !== 'object') return undefined;
  const files = Object.entries(m.files);
  if (!files.every(([file, hash]) => isManifestPath(file) && typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)))
    return undefined;
  return { format: FORMAT, version: 1, exportedAt: String(m.exportedAt ?? ''), files: Object.fromEntries(files) };
}

/** A path a manifest may name: relative, no `..`, not the manifest itself (a forged one cannot reach outside). */
export function isManifestPath(file: string): boolean {
  if (!file || file.startsWith('/') || file === MANIFEST_FILE || /[\\\0]/.test(file)) return false;
  return file.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

export function manifestText(files: Record<string, string>, exportedAt: string): string {
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const manifest: StaticManifest = { format: FORMAT, version: 1, exportedAt, files: sorted };
  return `${JSON.stringify(manifest, null, 1)}\n`;
}

export interface ManifestDiff {
  /** New files and files whose bytes changed. */
  write: string[];
  unchanged: string[];
  /** Files of the last run that this run did not produce (pages that no longer exist). */
  remove: string[];
}

/** What a run must do, from the last run's manifest (if any) and the hashes of what it produced now. */
export function diffManifest(previous: Record<string, string> | undefined, next: Record<string, string>): ManifestDiff {
  const before = previous ?? {};
  const write: string[] = [];
  const unchanged: string[] = [];
  for (const [file, hash] of Object.entries(next)) (before[file] === hash ? unchanged : write).push(file);
  const remove = Object.keys(before).filter((file) => !(file in next));
  return { write, unchanged, remove };
}
