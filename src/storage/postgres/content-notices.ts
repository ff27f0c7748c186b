import { randomUUID } from 'node:crypto';
import pg from 'pg';

export const CONTENT_CHANNEL = 'annalist_content';
const MAX_BACKOFF_MS = 5000;
/** NOTIFY payloads must stay under 8000 bytes; a longer change is sent as "everything". */
const MAX_PAYLOAD = 7000;
const EVERYTHING = '*';
const NOTHING = '~';
/** Heard changes kept until the next remoteChanges(); past this, they collapse into "everything". */
const MAX_HEARD = 1000;

export type ProblemLog = (message: string, err?: unknown) => void;

/**
 * The content version across nodes on one PostgreSQL database (the SQLite side reads PRAGMA data_version).
 * Every node keeps one connection of its own that LISTENs on `annalist_content`; a node that has written says
 * so with NOTIFY on that same connection, so the notice never queues behind busy pool connections. Each
 * notice (`<node> <change>`: what the write changed, see Storage.noteWrite) from another node bumps `remote` and
 * is kept for remoteChanges(). A lost connection is re-opened with backoff; once it is back,
 * `remote` is bumped once, because notices sent meanwhile were missed. While the connection is down nothing
 * can be heard at all, so the version changes on every call: caches keep nothing until it is back.
 */
export class ContentNotices {
  private readonly node = randomUUID();
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
    private readonly log: ProblemLog,
  ) {}

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

  /** What other nodes announced since the last call; "everything" while this node cannot hear them. */
  remoteChanges(): string[] {
    if (!this.listening && !this.closed) return [EVERYTHING];
    if (this.heard.length === 0) return [];
    const heard = this.heard;
    this.heard = [];
    return heard;
  }

  private hear(change: string): void {
    if (this.heard.length >= MAX_HEARD) this.heard = [EVERYTHING];
    else this.heard.push(change);
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
    client.on('notification', (msg) => {
      if (msg.channel !== CONTENT_CHANNEL) return;
      const [from, change] = splitNotice(msg.payload ?? '');
      if (from === this.node) return;
      this.remote++;
      this.hear(change);
    });
    try {
      await client.connect();
      await client.query(`listen ${CONTENT_CHANNEL}`);
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
          // Notices sent while we were away are lost: assume everything changed.
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
