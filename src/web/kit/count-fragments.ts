import type { Change } from '../../modules/shared/changes.ts';
import { type Fragment, fragmentOf, LEFT_AS_IS } from './fragments.ts';

/** Past this many articles' counts kept, they are all forgotten and loaded again as lists are served. */
const MAX_KEPT = 10_000;

/** A count changed since it was loaded: when, by which change, and whether it may not be shown late (a removal). */
interface Dirty {
  since: number;
  change: number;
  mustReload: boolean;
}

/** `post:<id>` or `post:<id>:comments`: the article whose count (or title and address, shown with it) changed. */
const POST_KEY = /^post:(\d+)(?::comments)?$/;

/**
 * The comment counts lists show (issue 14): each article's count link is a fragment of its own, stitched into the
 * lists kept in the cache when they are served (ui/lists.tsx leaves a marker), so a comment changes one count and
 * renders no list. A count is loaded when a list first needs it and again after a change to its article (its
 * discussion, its title or address); a reader may be shown the previous count for at most the stale bound while
 * it is loaded again, the writer never, and nobody after a removal.
 */
export class CountFragments {
  private kept = new Map<number, Fragment>();
  private dirty = new Map<number, Dirty>();
  private loads = new Map<number, Promise<void>>();
  private changes = 0;
  /** The change count the read that stored each kept count began at: an older read never overwrites it. */
  private readAt = new Map<number, number>();
  /**
   * Moves with every forgetAll() (everything changed, or too many counts kept): a read begun before one stores its
   * counts as to be read again.
   */
  private epoch = 0;

  /** `load`: the count link's HTML for each article asked for ('' for none shown), in one read. */
  constructor(private readonly load: (ids: readonly number[]) => Promise<ReadonlyMap<number, string>>) {}

  /** Hears a change: the counts it can touch are loaded again before they are next shown. */
  changed(change: Change, now: number): void {
    this.changes++;
    if (change.keys === 'all') {
      this.forgetAll();
      return;
    }
    const removal = change.removal === true;
    for (const key of change.keys) {
      // Every article's title may have changed (`posts` comes with any article's save).
      if (key === 'posts') for (const id of [...this.kept.keys(), ...this.loads.keys()]) this.outdate(id, now, removal);
      const id = POST_KEY.exec(key)?.[1];
      if (id !== undefined) this.outdate(Number(id), now, removal);
    }
  }

  /**
   * The count to show now for a reader who may be shown one changed at most `staleMaxMs` ago (0: the writer):
   * undefined when it must first be loaded (refresh()). A changed count still within the bound is shown, and from
   * three quarters of the bound (LEFT_AS_IS, as the widget areas) read again once in the background, so a burst of
   * comments stitches its lists again about once a bound, not once per comment.
   */
  get(id: number, now: number, staleMaxMs: number): Fragment | undefined {
    const kept = this.kept.get(id);
    const dirty = this.dirty.get(id);
    if (!kept || !dirty) return kept;
    const late = now - dirty.since;
    if (dirty.mustReload || late >= staleMaxMs) return undefined;
    if (late >= staleMaxMs * LEFT_AS_IS && !this.loads.has(id))
      this.refresh([id]).catch(() => {
        // The next request that needs the count tries again, and shows the error if it persists.
      });
    return kept;
  }

  /** The count last loaded, changed since or not (to stitch a page with right after refresh()). */
  latest(id: number): Fragment | undefined {
    return this.kept.get(id);
  }

  /** Whether every one of `ids` may be shown now (see get()). */
  usable(ids: readonly number[], now: number, staleMaxMs: number): boolean {
    return ids.every((id) => this.get(id, now, staleMaxMs) !== undefined);
  }

  /** Loads the counts of `ids` that are missing or changed, once however many requests ask at the same time. */
  async refresh(ids: readonly number[]): Promise<void> {
    const fresh = ids.filter((id) => (!this.kept.has(id) || this.dirty.has(id)) && !this.loads.has(id));
    if (fresh.length > 0) {
      const load = this.reload(fresh).finally(() => {
        for (const id of fresh) if (this.loads.get(id) === load) this.loads.delete(id);
      });
      for (const id of fresh) this.loads.set(id, load);
    }
    await Promise.all(ids.map((id) => this.loads.get(id)));
  }

  private async reload(ids: readonly number[]): Promise<void> {
    // A change heard while loading leaves its count marked: what was read is shown, and read again before long.
    const changesAtStart = this.changes;
    const epochAtStart = this.epoch;
    const html = await this.load(ids);
    // Every count was forgotten while this was read (everything changed, or too many were kept).
    const reset = this.epoch !== epochAtStart;
    if (this.kept.size + ids.length > MAX_KEPT) this.forgetAll();
    for (const id of ids) {
      // A read begun after this one has stored a newer count.
      if ((this.readAt.get(id) ?? -1) > changesAtStart) continue;
      this.readAt.set(id, changesAtStart);
      this.kept.set(id, fragmentOf(Buffer.from(html.get(id) ?? ''), this.kept.get(id)));
      const dirty = this.dirty.get(id);
      if (dirty && dirty.change <= changesAtStart) this.dirty.delete(id);
      // Shown to the request that asked, read again for anyone else.
      if (reset) this.dirty.set(id, { since: 0, change: this.changes, mustReload: true });
    }
  }

  private outdate(id: number, now: number, removal: boolean): void {
    if (!this.kept.has(id) && !this.loads.has(id)) return;
    // A read under way began before this change: the next refresh() reads again rather than wait for it.
    this.loads.delete(id);
    const was = this.dirty.get(id);
    this.dirty.set(id, {
      since: was?.since ?? now,
      change: this.changes,
      mustReload: removal || was?.mustReload === true,
    });
  }

  private forgetAll(): void {
    this.kept.clear();
    this.dirty.clear();
    this.loads.clear();
    this.readAt.clear();
    this.epoch++;
  }
}
