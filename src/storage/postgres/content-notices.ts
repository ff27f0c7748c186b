import pg from 'pg';
import { COMMIT_CHANNEL, UNKNOWN_WRITER } from '../migrations/commit-marker.ts';

export const CONTENT_CHANNEL = 'annalist_content';
const MAX_BACKOFF_MS = 5000;
/** NOTIFY payloads must stay under 8000 bytes; a longer change is sent as "everything". */
const MAX_PAYLOAD = 7000;
const EVERYTHING = '*';
const NOTHING = '~';
/**
 * A commit whose writer never announced it (see UNANNOUNCED_WIRE in src/modules/shared/changes.ts): everything, and
 * the node that hears it tells the shared cache and the CDN too, since its writer never will.
 */
const UNANNOUNCED = '?';
/** Heard changes kept until the next remoteChanges(); past this, they collapse into "everything". */
const MAX_HEARD = 1000;

export type ProblemLog = (message: string, err?: unknown) => void;

export interface ContentNoticesOptions {
  /** This node's id: the first word of its notices, and its connections' application_name after `annalist:`. */
  node: string;
  /** How long another writer's commit marker waits for that writer's notice before it means everything. */
  markerWaitMs: number;
  log: ProblemLog;
}

/**
 * The content version across nodes on one PostgreSQL database (the SQLite side reads PRAGMA data_version).
 * Every node keeps one connection of its own that LISTENs on `annalist_content`; a node that has written says
 * so with NOTIFY on that same connection, so the notice never queues behind busy pool connections. Each
 * notice (`<node> <change>`: what the write changed, see Storage.noteWrite) from another node bumps `remote` and
 * is kept for remoteChanges(). A lost connection is re-opened with backoff; once it is back,
 * `remote` is bumped once, because notices sent meanwhile were missed. While the connection is down nothing
 * can be heard at all, so the version changes on every call: caches keep nothing until it is back.
 *
 * A node can also die between a commit and its notice. So the same connection LISTENs on `annalist_commit` too,
 * where the tables pages are built from send a marker with every commit that wrote to them, naming the writing
 * node (migration 018, decision 049). A marker from another writer waits for a notice from that writer; one that
 * has waited `markerWaitMs` makes remoteChanges() say everything, once.
 */
export class ContentNotices {
  private readonly node: string;
  private readonly markerWaitMs: number;
  private readonly log: ProblemLog;
  /** Writers whose commit markers no notice of theirs has followed yet, with when the first of them came. */
  private readonly unanswered = new Map<string, number>();
  private client: pg.Client | undefined;
  private listening = false;
  private closed = false;
  private remote = 0;
  private local = 0;
  private deaf = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = 100;
  private heard: string[] = [];
  /** Changes of this node's writes not yet sent (they go out together when a NOTIFY is already in flight). */
  private unsent: string[] = [];

  constructor(
    private readonly config: pg.ClientConfig,
    opts: ContentNoticesOptions,
  ) {
    this.node = opts.node;
    this.markerWaitMs = opts.markerWaitMs;
    this.log = opts.log;
  }

  /** Connects and listens; throws if the first connection fails (the caller has just checked the server). */
  async start(): Promise<void> {
    await this.connect();
  }

  version(): string {
    if (!this.listening && !this.closed) return `${this.remote}.${this.local}.deaf${++this.deaf}`;
    return `${this.remote}.${this.local}`;
  }

  /** Fire and forget: a failed notice is logged; the other nodes catch up when their connection comes back. */
  noteWrite(change: string): void {
    this.local++;
    this.unsent.push(change);
    this.notify();
  }

  /**
   * What other nodes announced since the last call; "everything" while this node cannot hear them, and once for the
   * markers that waited too long for their writer's notice. Synchronous: a look at a clock when markers wait.
   */
  remoteChanges(): string[] {
    if (!this.listening && !this.closed) return [EVERYTHING];
    if (this.unanswered.size > 0) this.expireMarkers();
    if (this.heard.length === 0) return [];
    const heard = this.heard;
    this.heard = [];
    return heard;
  }

  private hear(change: string): void {
    if (this.heard.length < MAX_HEARD) this.heard.push(change);
    // Collapsed into one "everything", which stays an unannounced one when it holds one.
    else this.heard = [change === UNANNOUNCED || this.heard.includes(UNANNOUNCED) ? UNANNOUNCED : EVERYTHING];
  }

  /** A notice or a commit marker heard on the listening connection. */
  private onNotification(channel: string, payload: string): void {
    if (channel === COMMIT_CHANNEL) {
      const writer = payload || UNKNOWN_WRITER;
      if (writer !== this.node && !this.unanswered.has(writer)) this.unanswered.set(writer, performance.now());
      return;
    }
    if (channel !== CONTENT_CHANNEL) return;
    const [from, change] = splitNotice(payload);
    if (from === this.node) return;
    // A notice is sent after the commits it tells of, so their markers came before it. It answers every marker of
    // its writer heard so far: one of a second write, committed just before this notice went out, is answered early,
    // and that write's own notice follows at once (lost only if the writer dies in that instant).
    this.unanswered.delete(from);
    this.remote++;
    this.hear(change);
  }

  /** The writers whose markers waited past the bound: their commits were never announced, so everything changed. */
  private expireMarkers(): void {
    const due = performance.now() - this.markerWaitMs;
    let expired = false;
    for (const [writer, since] of this.unanswered) {
      if (since > due) continue;
      this.unanswered.delete(writer);
      expired = true;
    }
    if (!expired) return;
    this.remote++;
    this.hear(UNANNOUNCED);
  }

  // One NOTIFY at a time on the listening connection (pg warns about, and will refuse, a query sent while another
  // runs). Writes made meanwhile are told by one more NOTIFY: the other nodes only need to know that something
  // changed since, not how many times.
  private notifying = false;
  private notifyAgain = false;

  private notify(): void {
    const client = this.client;
    if (!client || !this.listening) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    this.notifyAgain = false;
    client
      .query('select pg_notify($1, $2)', [CONTENT_CHANNEL, `${this.node} ${this.takeUnsent()}`])
      .catch((err: unknown) => {
        this.log('could not tell the other nodes about a write (NOTIFY failed)', err);
      })
      .finally(() => {
        this.notifying = false;
        if (this.notifyAgain) this.notify();
      });
  }

  /** One change for every write not yet told: their keys together (a removal among them makes it one). */
  private takeUnsent(): string {
    const changes = this.unsent;
    this.unsent = [];
    const [only] = changes;
    if (changes.length === 1 && only !== undefined && only.length <= MAX_PAYLOAD) return only;
    if (changes.some((c) => c.replace(/^!/, '') === EVERYTHING || c === '')) return EVERYTHING;
    const removal = changes.some((c) => c.startsWith('!'));
    // `~` is a write readers do not see: it adds no key.
    const keys = new Set(changes.flatMap((c) => c.replace(/^!/, '').split(' ')).filter((k) => k !== NOTHING));
    if (keys.size === 0) return NOTHING;
    const joined = `${removal ? '!' : ''}${[...keys].join(' ')}`;
    return joined.length <= MAX_PAYLOAD ? joined : EVERYTHING;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    // An error event without a listener would end the process; a dropped connection is expected and retried.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => this.onNotification(msg.channel, msg.payload ?? ''));
    try {
      await client.connect();
      await client.query(`listen ${CONTENT_CHANNEL}`);
      await client.query(`listen ${COMMIT_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.listening = true;
    this.backoffMs = 100;
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (client !== this.client || this.closed) return;
    this.client = undefined;
    this.listening = false;
    this.log('lost the PostgreSQL connection that hears other nodes’ writes; reconnecting', err);
    client.removeAllListeners('end');
    client.end().catch(() => {});
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => {
          // Notices sent while we were away are lost: assume everything changed (which answers every marker).
          this.unanswered.clear();
          this.remote++;
          this.hear(EVERYTHING);
          // And ours made meanwhile are told now.
          if (this.unsent.length > 0) this.notify();
        },
        () => this.scheduleRetry(),
      );
    }, delay);
    this.retryTimer.unref();
  }
}

/** `<node> <change>`; a notice from an older node (no change) means everything. */
function splitNotice(payload: string): [string, string] {
  const at = payload.indexOf(' ');
  return at < 0 ? [payload, EVERYTHING] : [payload.slice(0, at), payload.slice(at + 1)];
}
