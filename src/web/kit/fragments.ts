import { createHash, randomBytes } from 'node:crypto';
import { type Change, changeKeys } from '../../modules/shared/changes.ts';
import type { PageChrome } from '../ui/layout.tsx';
import { widgetAreaHtml } from '../ui/widgets.tsx';

export const FRAGMENT_AREAS = ['header', 'sidebar', 'footer'] as const;
export type FragmentArea = (typeof FRAGMENT_AREAS)[number];

// Unguessable, so nothing a reader or writer types can pose as a marker (and their text is escaped anyway).
const NONCE = randomBytes(12).toString('base64url');
const MARKER_START = `<!--annalist-fragment:${NONCE}:`;
const MARKER_END = '-->';

/** A count slot: the comment count a list shows for one article (`count:<post id>`). */
type CountSlot = `count:${number}`;
/** What a page kept in pieces leaves out and fills in when served: a widget area or an article's comment count. */
export type FragmentSlot = FragmentArea | CountSlot;
const COUNT_PREFIX = 'count:';

/** What stands for an area's contents in a page kept in the cache. */
export function fragmentMarker(area: FragmentArea): string {
  return `${MARKER_START}${area}${MARKER_END}`;
}

/** What stands for an article's comment count in a list kept in the cache (ui/lists.tsx). */
export function countMarker(postId: number): string {
  return `${MARKER_START}${COUNT_PREFIX}${postId}${MARKER_END}`;
}

/** The article a count slot shows the count of; undefined for a widget area. */
export function countedPost(slot: FragmentSlot): number | undefined {
  return slot.startsWith(COUNT_PREFIX) ? Number(slot.slice(COUNT_PREFIX.length)) : undefined;
}

/** A page kept in pieces: `parts[0] slot[0] parts[1] … parts[n]`, each slot filled in when served. */
export interface PagePieces {
  parts: Buffer[];
  slots: FragmentSlot[];
}

/** The articles whose comment counts a page in pieces shows (its count slots). */
export function countedPosts(pieces: PagePieces | undefined): number[] {
  const ids: number[] = [];
  for (const slot of pieces?.slots ?? []) {
    const id = countedPost(slot);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/**
 * The keys whose changes reach a page in pieces through its count slots alone (`post:<id>:comments` for each count
 * it shows): they do not make it out of date. Undefined when it shows no count.
 */
export function stitchedKeys(pieces: PagePieces | undefined): Set<string> | undefined {
  const ids = countedPosts(pieces);
  return ids.length > 0 ? new Set(ids.map(changeKeys.postComments)) : undefined;
}

/** The keys a page's copy is dropped by: its own, less those its count slots answer (stitchedKeys). */
export function keysThatOutdate(keys: readonly string[], pieces: PagePieces | undefined): readonly string[] {
  const stitched = stitchedKeys(pieces);
  return stitched ? keys.filter((k) => !stitched.has(k)) : keys;
}

/** The fragments a page in pieces is stitched with: each slot's current HTML, when it may be shown now. */
export interface FragmentView {
  get(slot: FragmentSlot): Fragment | undefined;
}

/** The page cut at its markers; undefined when it has none (feeds, JSON, pages without widgets). */
export function splitPieces(html: string): PagePieces | undefined {
  let at = html.indexOf(MARKER_START);
  if (at < 0) return undefined;
  const parts: Buffer[] = [];
  const slots: FragmentSlot[] = [];
  let from = 0;
  while (at >= 0) {
    const end = html.indexOf(MARKER_END, at + MARKER_START.length);
    const area = html.slice(at + MARKER_START.length, end) as FragmentSlot;
    parts.push(Buffer.from(html.slice(from, at)));
    slots.push(area);
    from = end + MARKER_END.length;
    at = html.indexOf(MARKER_START, from);
  }
  parts.push(Buffer.from(html.slice(from)));
  return { parts, slots };
}

/**
 * The keys whose changes can change a widget area (recent comments, recent articles, the category tree with its
 * counts, the tag cloud).
 */
export const WIDGET_KEYS: readonly string[] = [
  changeKeys.comments,
  changeKeys.posts,
  changeKeys.postsOrder,
  changeKeys.categories,
  changeKeys.tags,
];
const FRAGMENT_KEYS = new Set(WIDGET_KEYS);

/**
 * One fragment's HTML and its version: a short hash of that HTML, so the same words make the same ETag on every
 * node and after a restart, and other words another (a counter would start again at 1 and answer 304 to a browser
 * or CDN holding the old ones).
 */
export interface Fragment {
  html: Buffer;
  version: string;
}

/** The fragment for `html`, or `old` itself when its HTML is the same (its pages keep their ETag). */
export function fragmentOf(html: Buffer, old?: Fragment): Fragment {
  if (old?.html.equals(html)) return old;
  return { html, version: createHash('sha1').update(html).digest('base64url').slice(0, 10) };
}

/**
 * The share of the stale bound for which readers are shown what was current before a change, with no reload or
 * render started: the widget areas here, and stale pages (kit/page-pipeline.ts). Three quarters leaves the last
 * quarter (250 ms at the default bound) for one reload or render, and a burst of changes costs four of them every
 * three bounds.
 */
export const LEFT_AS_IS = 0.75;

type Areas = ReadonlyMap<FragmentArea, Fragment>;

/**
 * The widget areas' current HTML, shared by every cached page (issue 14): a change that touches them (a comment,
 * an article published) makes them dirty; they are reloaded once (one read of the chrome, one render of each area),
 * and each cached page is stitched again from its pieces, without rendering. An area whose HTML did not change
 * keeps its version, so the pages showing it keep their ETag.
 *
 * Readers and writers are served apart. A writer (a request after its own write) gets the areas as they are now,
 * loaded for them if need be (`forWriter`), without changing what readers see. Readers get the areas they were last
 * given (`usable`) until three quarters of the stale bound after a change (LEFT_AS_IS), when one reload replaces
 * them for everyone, at once after a removal and never past the bound: during a burst of comments every page is
 * stitched again a little more than once a bound, not once per comment.
 */
export class Fragments {
  /** What readers are shown, and the change count its load began at. */
  private current: Areas = new Map();
  private currentAt = -1;
  /** The newest load (what writers are shown), and the change count it began at. */
  private latest: Areas = new Map();
  private latestAt = -1;
  private loading: Promise<void> | undefined;
  /** Moves with every change that touches the areas: a load that began before it does not count as current. */
  private changes = 0;
  /** When readers' areas became out of date, and whether by a change that may not be shown late. */
  private dirtySince = 0;
  private mustReload = true;

  constructor(private readonly load: () => Promise<PageChrome>) {}

  private get dirty(): boolean {
    return this.currentAt !== this.changes;
  }

  /** Hears a change: the areas are reloaded before they are next used, if the change can touch them. */
  changed(change: Change, now: number): void {
    if (change.keys === 'all' || change.keys.some((k) => FRAGMENT_KEYS.has(k))) {
      if (!this.dirty) this.dirtySince = now;
      this.changes++;
      if (change.keys === 'all' || change.removal) this.mustReload = true;
      this.loading = undefined;
    }
  }

  /**
   * The areas a reader is shown now: current ones, or, until `staleMaxMs` after a change that added something, the
   * previous ones, reloaded in the background from three quarters of that on. Undefined when they must first be
   * reloaded (after a removal, past the bound, or with no bound at all, even in the millisecond of the change):
   * await refresh().
   */
  usable(now: number, staleMaxMs: number): Areas | undefined {
    if (!this.dirty) return this.current;
    const late = now - this.dirtySince;
    if (this.mustReload || late >= staleMaxMs) return undefined;
    if (late >= staleMaxMs * LEFT_AS_IS)
      this.refresh().catch(() => {
        // The next request that needs the areas tries again, and shows the error if it persists.
      });
    return this.current;
  }

  /** Reloads the areas (once however many requests ask at the same time) and shows them to readers from now on. */
  async refresh(): Promise<Areas> {
    await this.loaded();
    if (this.latestAt > this.currentAt) {
      this.current = this.latest;
      this.currentAt = this.latestAt;
    }
    if (!this.dirty) this.mustReload = false;
    return this.current;
  }

  /** The areas as they are now, for a writer: loaded if a change came since the last load; readers' stay as they are. */
  async forWriter(): Promise<Areas> {
    await this.loaded();
    return this.latest;
  }

  /** The newest load, begun after the last change (or, if a change comes while it runs, the one that ran). */
  private loaded(): Promise<void> {
    if (this.latestAt === this.changes) return Promise.resolve();
    if (!this.loading) {
      // A load is forgotten once it settles. Loading the chrome polls for other processes' changes, so a load can
      // hear one before it is even kept here (clearing `loading` does nothing then): the next request loads again.
      const load: Promise<void> = this.reload().finally(() => {
        if (this.loading === load) this.loading = undefined;
      });
      this.loading = load;
    }
    return this.loading;
  }

  private async reload(): Promise<void> {
    const changesAtStart = this.changes;
    const chrome = await this.load();
    const next = new Map<FragmentArea, Fragment>();
    for (const area of FRAGMENT_AREAS) {
      const html = Buffer.from(widgetAreaHtml(chrome.widgets[area], chrome.site));
      next.set(area, fragmentOf(html, this.latest.get(area)));
    }
    // Two loads may overlap (a change between them): the one that began later wins.
    if (changesAtStart < this.latestAt) return;
    this.latest = next;
    this.latestAt = changesAtStart;
  }
}

/** The page with each slot filled by its current HTML. */
export function assemble(pieces: PagePieces, areas: FragmentView): Buffer {
  const chunks: Buffer[] = [];
  pieces.slots.forEach((area, i) => {
    chunks.push(pieces.parts[i] as Buffer, areas.get(area)?.html ?? EMPTY);
  });
  chunks.push(pieces.parts[pieces.parts.length - 1] as Buffer);
  return Buffer.concat(chunks);
}

/** The versions of the fragments a page shows, as one string (part of its ETag). */
export function fragmentVersions(pieces: PagePieces, areas: FragmentView): string {
  return pieces.slots.map((area) => areas.get(area)?.version ?? '').join('-');
}

const EMPTY = Buffer.alloc(0);
