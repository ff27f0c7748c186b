/** Something that must hear of every committed write: a cache, the job worker, Redis, a CDN's purge webhook. */
export type ChangeListener = () => void;

/**
 * The one way a write is announced (issue 15): the domain calls `announce` (as ContentDeps.noteWrite) after each
 * committed write, and whatever must hear of it subscribes, at any time, instead of wrapping the function. A copy
 * of the dependencies taken early therefore announces to listeners added later (the moderation queue's actions
 * once missed the purge webhook that way).
 */
export class ChangeNotifier {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** Hears every later announcement; the returned function stops it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A write has committed. Every listener runs; one that throws neither stops the others nor the writer. */
  readonly announce = (): void => {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.onListenerError(err);
      }
    }
  };
}
