/**
 * What a committed write changed, as the keys of what readers see (issue 14, decision 036): `post:12` (an
 * article's own page), `post:12:comments` (its discussion), `posts` (every list of articles), `posts:order` (which
 * article comes before which: every article's previous/next links), `comments` (site-wide comment lists),
 * `corrections` (the corrections log); `category:5` (a category's own words: its name, address and description,
 * wherever they are shown), `categories` (the tree as a whole: which categories there are, where each sits and
 * what each holds — the index, the tree widget, the sitemap, every category's archive and feeds with their
 * sub-categories), `tag:9` (a tag's words, and its archive and feeds), `tags` (every tag: the cloud, the
 * sitemap), `source:coox-1985` (a source's text, by its citation key, wherever it is shown), `sources` (the
 * library as a whole). `keys: 'all'` means everything: a write that names no keys, a change heard from elsewhere
 * without its keys, or one that touches what every page shows (settings, menus, widgets).
 * `removal` marks a change that takes something away from readers (a comment removed, an article unpublished):
 * caches drop what showed it at once instead of serving it a little longer while it is re-rendered.
 */
export interface Change {
  readonly keys: readonly string[] | 'all';
  readonly removal?: boolean;
  /** 'remote': made by another process or node and heard by poll(); absent: made by this process. */
  readonly origin?: 'remote';
  /**
   * A commit heard of without its writer's announcement (the writer died first, or is another program: decision
   * 049): everything, and what this node tells others for its own writes (the shared cache, the CDN) it tells for
   * this one too, since the writer never will.
   */
  readonly unannounced?: boolean;
}

/** The change that drops everything. */
export const EVERYTHING: Change = Object.freeze({ keys: 'all' });

/**
 * A write readers do not see (a draft or an autosave kept, a backup asked for, an import queued): announced, so
 * nobody takes it for a lost one, and so the job worker looks again; it drops nothing.
 */
export const NOTHING_CHANGED: Change = Object.freeze({ keys: [] });

/** Something that must hear of every committed write: a cache, the job worker, Redis, a CDN's purge webhook. */
export type ChangeListener = (change: Change) => void;

/** Where changes made by other processes or nodes are found (the database's change log, Redis): drained when asked. */
export type RemoteChanges = () => readonly Change[];

/** What the web layer needs of the notifier: to hear changes, and to ask for other processes' (cheap, synchronous). */
export interface ChangeStream {
  subscribe(listener: ChangeListener): () => void;
  poll(): void;
}

/**
 * The one way a write is announced (issue 15): the domain calls `announce` (as ContentDeps.noteWrite) after each
 * committed write, and whatever must hear of it subscribes, at any time, instead of wrapping the function. A copy
 * of the dependencies taken early therefore announces to listeners added later (the moderation queue's actions
 * once missed the purge webhook that way). `poll()` also brings in the changes other processes announced (their
 * `origin` is 'remote': a listener that tells others, such as the database's change log, ignores those).
 */
export class ChangeNotifier implements ChangeStream {
  private readonly listeners = new Set<ChangeListener>();
  private readonly sources: RemoteChanges[] = [];

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** Hears every later announcement; the returned function stops it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds a place where other processes' changes are found by poll(). */
  addRemoteSource(source: RemoteChanges): void {
    this.sources.push(source);
  }

  /** A write has committed. Every listener runs; one that throws neither stops the others nor the writer. */
  readonly announce = (change: Change = EVERYTHING): void => {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  };

  /** Synchronous and cheap: tells the listeners of every change other processes made since the last poll. */
  readonly poll = (): void => {
    for (const source of this.sources)
      for (const change of source())
        this.announce(change.origin === 'remote' ? change : { ...change, origin: 'remote' });
  };
}

/** The keys writes announce and pages depend on; see Change. */
export const changeKeys = {
  post: (id: number) => `post:${id}`,
  postComments: (id: number) => `post:${id}:comments`,
  posts: 'posts',
  postsOrder: 'posts:order',
  comments: 'comments',
  corrections: 'corrections',
  category: (id: number) => `category:${id}`,
  categories: 'categories',
  tag: (id: number) => `tag:${id}`,
  tags: 'tags',
  source: (key: string) => `source:${key}`,
  sources: 'sources',
} as const;

/**
 * Whether a change is only to discussions (comments posted, approved or removed). Such writes never queue a job
 * (publishing, backups and imports do), so the job worker need not look again for each comment of a busy thread.
 */
export function onlyDiscussions(change: Change): boolean {
  if (change.keys === 'all' || change.keys.length === 0) return false;
  return change.keys.every((key) => key === changeKeys.comments || /^post:\d+:comments$/.test(key));
}

/** A change to articles' discussions (a comment posted, approved, edited or removed). */
export function commentChange(postIds: number | readonly number[], removal = false): Change {
  const ids = typeof postIds === 'number' ? [postIds] : [...new Set(postIds)];
  return { keys: [...ids.map(changeKeys.postComments), changeKeys.comments], removal };
}

/**
 * A change to articles: their text or title (`post:<id>` and every list), and, when `order` is set, which articles
 * readers see and in what order (publishing, unpublishing, a new date or address).
 */
export function postChange(ids: readonly number[], opts: { order?: boolean; removal?: boolean } = {}): Change {
  // Comment lists and the corrections log name the articles; a save may also carry a correction.
  const keys = [...ids.map(changeKeys.post), changeKeys.posts, changeKeys.comments, changeKeys.corrections];
  if (opts.order) keys.push(changeKeys.postsOrder);
  return { keys, removal: opts.removal };
}

/**
 * A change to categories (created, renamed, moved, merged or deleted): the tree, and each category whose words
 * changed — the caller names the category and, when its address changes, every one below it (theirs follow), and
 * a merge's target (its articles' neighbours change). `removal` when a category goes away.
 */
export function categoryChange(ids: Iterable<number>, removal = false): Change {
  return { keys: [changeKeys.categories, ...[...new Set(ids)].map(changeKeys.category)], removal };
}

/** A change to tags (renamed, merged): every tag, and each tag named (a merge: both, the target's archive grows). */
export function tagChange(ids: Iterable<number>, removal = false): Change {
  return { keys: [changeKeys.tags, ...[...new Set(ids)].map(changeKeys.tag)], removal };
}

/** A change to the sources library: the library as a whole and each source named by its citation key. */
export function sourceChange(keys: Iterable<string>, removal = false): Change {
  return { keys: [changeKeys.sources, ...[...new Set(keys)].map(changeKeys.source)], removal };
}

/** On the wire, a change that readers do not see (a draft saved): nothing to drop. */
export const NOTHING_WIRE = '~';

/** From the storage only (never sent by a node): a commit nobody announced, see Change.unannounced. */
export const UNANNOUNCED_WIRE = '?';

/**
 * Serialised for another process: the keys joined by spaces, `*` for everything, `~` for nothing readers see; a
 * `!` prefix marks removal.
 */
export function encodeChange(change: Change): string {
  const keys = change.keys === 'all' ? '*' : change.keys.length === 0 ? NOTHING_WIRE : change.keys.join(' ');
  return `${change.removal ? '!' : ''}${keys}`;
}

/** The change a string of encodeChange() names; anything unreadable is everything. */
export function decodeChange(text: string): Change {
  const removal = text.startsWith('!');
  const body = removal ? text.slice(1) : text;
  if (body === NOTHING_WIRE) return { keys: [], origin: 'remote' };
  if (body === UNANNOUNCED_WIRE) return { keys: 'all', origin: 'remote', unannounced: true };
  if (body === '*' || body === '' || !/^[\w:.-]+( [\w:.-]+)*$/.test(body)) return { keys: 'all', origin: 'remote' };
  return { keys: body.split(' '), removal, origin: 'remote' };
}
