import { createHash } from 'node:crypto';
import type { CollectionName } from '../export/export-schema.ts';
import { AppError } from '../shared/errors.ts';
import { pathOf } from './annalist-json-reader.ts';

/**
 * What an import of an Annalist export remembers while it reads: the ids and unique keys of every collection
 * and the references still waiting for their target. Only ids, short digests and counts are kept, never items,
 * so memory grows by a few dozen bytes per item whatever the items hold.
 */

export type Path = (string | number)[];
export type Row = Record<string, unknown>;
export type Rows = Partial<Record<string, Row[]>>;

export function invalid(path: Path, what: string): AppError {
  return new AppError('IMPORT_JSON_INVALID', `${pathOf(path)}: ${what}.`);
}

/** A reference checked once the collection it points into is complete (it points forward). */
interface Pending {
  path: Path;
  /** Checked once this collection has been read whole. */
  until: CollectionName;
  check(): string | undefined;
}

/** Values longer than this are remembered by a digest (a long path or address costs no more than a short one). */
const KEPT_WHOLE = 40;
const remembered = (value: string) =>
  value.length <= KEPT_WHOLE ? value : `#${createHash('sha256').update(value).digest('base64')}`;

/** What has been read so far: the ids and unique keys of every collection. */
export class Known {
  readonly ids: Record<CollectionName, Set<number>> = Object.fromEntries(
    [
      'authors',
      'accounts',
      'categories',
      'tags',
      'sources',
      'entities',
      'media',
      'posts',
      'comments',
      'corrections_log',
      'suggestions',
      'menus',
      'widgets',
      'bans',
    ].map((c) => [c, new Set<number>()]),
  ) as Record<CollectionName, Set<number>>;
  /** The last id of each collection: items come in ascending id order, as every export writes them. */
  private readonly lastId = new Map<CollectionName, number>();
  private readonly unique = new Map<string, Map<string, string>>();
  private readonly counts = new Map<string, number>();
  /** Category id -> its parent id and a digest of its path (the tree and every path are checked at the end). */
  readonly categoryParent = new Map<number, number | null>();
  readonly categoryPath = new Map<number, string>();
  /** Page id -> its parent page's id (the page tree is checked for loops once the posts are read). */
  readonly pageParent = new Map<number, number | null>();
  /** Comment id -> its post, thread and depth (a reply is checked against its parent). */
  readonly comments = new Map<number, { post: number; thread: number; depth: number }>();
  readonly revisionIds = new Set<number>();
  readonly pending: Pending[] = [];
  /** Media files written without their bytes (exported without --include-media). */
  mediaWithoutBytes = 0;
  readonly owners: number[] = [];

  /** Remembers `id` in `collection`, refusing a second item with it or one out of ascending order. */
  addId(collection: CollectionName, id: number, path: Path): void {
    const set = this.ids[collection];
    if (set.has(id)) throw invalid([...path, 'id'], `a second item with id ${id}`);
    const last = this.lastId.get(collection);
    if (last !== undefined && id < last)
      throw invalid([...path, 'id'], `id ${id} comes after id ${last}: items are in ascending id order`);
    set.add(id);
    this.lastId.set(collection, id);
  }

  /** Remembers a value that must be unique (a slug, a key), naming the first holder in the refusal. */
  claim(space: string, value: string, holder: string, path: Path): void {
    let taken = this.unique.get(space);
    if (!taken) {
      taken = new Map();
      this.unique.set(space, taken);
    }
    const key = remembered(value);
    const first = taken.get(key);
    if (first !== undefined) throw invalid(path, `${JSON.stringify(value)} is already the ${space} of ${first}`);
    taken.set(key, holder);
  }

  /** One more of something counted (the links of a menu, the widgets of an area); the count so far. */
  countIn(what: string): number {
    const n = (this.counts.get(what) ?? 0) + 1;
    this.counts.set(what, n);
    return n;
  }

  /** A reference into a collection read earlier: it must be there now. */
  ref(collection: CollectionName, id: number | null, path: Path, what: string): void {
    if (id !== null && !this.ids[collection].has(id)) throw invalid(path, `there is no ${what} ${id}`);
  }

  /** A reference that may point forward: checked once collection `until` is complete. */
  later(path: Path, until: CollectionName, check: () => string | undefined): void {
    this.pending.push({ path, until, check });
  }

  /** The references waiting for `done` (every one left, without it). */
  checkPending(done?: CollectionName): void {
    for (const p of this.pending) {
      if (done !== undefined && p.until !== done) continue;
      const fault = p.check();
      if (fault) throw invalid(p.path, fault);
    }
    if (done === undefined) this.pending.length = 0;
    else this.pending.splice(0, this.pending.length, ...this.pending.filter((p) => p.until !== done));
  }
}

/** A digest of a category path, to compare a child's path with its parent's without keeping either. */
export const pathDigest = (path: string): string => remembered(path);

/** Every category reaches the root: a parent chain that comes back to itself is refused (each visited once). */
export function checkCategoryTree(k: Known): void {
  const done = new Set<number>();
  for (const start of k.categoryParent.keys()) {
    const chain = new Set<number>();
    for (let at: number | null | undefined = start; at !== null && at !== undefined && !done.has(at); ) {
      if (chain.has(at)) throw invalid(['categories'], `category ${at} is its own ancestor (the parents form a loop)`);
      chain.add(at);
      at = k.categoryParent.get(at);
    }
    for (const id of chain) done.add(id);
  }
}

/** Every page reaches the top of the page tree: parents that come back to a page are refused. */
export function checkPageTree(k: Known): void {
  const done = new Set<number>();
  for (const start of k.pageParent.keys()) {
    const chain = new Set<number>();
    for (let at: number | null | undefined = start; at !== null && at !== undefined && !done.has(at); ) {
      if (chain.has(at)) throw invalid(['posts'], `page ${at} is its own ancestor (the parent pages form a loop)`);
      chain.add(at);
      at = k.pageParent.get(at);
    }
    for (const id of chain) done.add(id);
  }
}
