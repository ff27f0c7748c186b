import { randomUUID } from 'node:crypto';
import type SQLite from 'better-sqlite3';

/** Rows kept: a process that has not looked for this many writes of others drops everything instead. */
const KEEP_ROWS = 5000;
const PRUNE_EVERY = 500;

/** What "everything changed" is called on the wire (see encodeChange in src/modules/shared/changes.ts). */
export const EVERYTHING_WIRE = '*';

/**
 * How the processes on one SQLite file tell each other what their writes changed (issue 14, decision 036): each
 * announced write appends a row (its process and its encoded change) to `change_log`, a table that is transport,
 * not content (never backed up or exported). Another process learns that someone committed from
 * `PRAGMA data_version` (read anyway for the content version) and only then reads the rows it has not seen. A commit
 * with no row (a write nobody announced, or one whose row is not written yet) and a gap in the sequence (rows pruned
 * before this process read them) are "everything changed": never a stale page.
 */
export class SqliteChangeLog {
  private readonly node = randomUUID();
  private lastSeq: number;
  private lastDataVersion: number;
  private written = 0;
  private looked = false;
  private readonly lookAgain = () => {
    this.looked = false;
  };
  private readonly since: SQLite.Statement<[number], { seq: number; node: string; change: string }>;
  private readonly dataVersion: SQLite.Statement<[], number>;
  private readonly insert: SQLite.Statement<[string, string]>;
  private readonly prune: SQLite.Statement<[number]>;

  constructor(raw: SQLite.Database) {
    raw.exec(
      'create table if not exists change_log (seq integer primary key autoincrement, node text not null, change text not null)',
    );
    this.since = raw.prepare('select seq, node, change from change_log where seq > ? order by seq');
    this.insert = raw.prepare('insert into change_log (node, change) values (?, ?)');
    this.prune = raw.prepare('delete from change_log where seq <= (select max(seq) from change_log) - ?');
    this.dataVersion = raw.prepare('pragma data_version').pluck() as SQLite.Statement<[], number>;
    this.lastSeq = (raw.prepare('select coalesce(max(seq), 0) from change_log').pluck().get() as number) ?? 0;
    this.lastDataVersion = this.dataVersion.get() as number;
  }

  /**
   * Appends this process's change at once (synchronously: right after the commit it describes, so another process
   * rarely sees the commit without its row). Never throws: a row that could not be written leaves the others a
   * commit without a row, which they read as "everything changed".
   */
  record(change: string): void {
    try {
      this.insert.run(this.node, change);
      if (++this.written % PRUNE_EVERY === 0) this.prune.run(KEEP_ROWS);
    } catch {
      // Busy past the timeout, or the disk full: the others drop everything on this commit instead.
    }
  }

  /**
   * The changes other processes committed since the last call (synchronous; nothing read unless one committed).
   * As for the content version, `data_version` is read once per turn of the event loop: requests handled in one
   * turn arrived before it began, so a write acknowledged before such a request was sent is still heard.
   */
  take(): string[] {
    if (this.looked) return [];
    this.looked = true;
    setImmediate(this.lookAgain);
    const version = this.dataVersion.get() as number;
    if (version === this.lastDataVersion) return [];
    this.lastDataVersion = version;
    const rows = this.since.all(this.lastSeq);
    const first = rows[0];
    const last = rows[rows.length - 1];
    const gap = first !== undefined && first.seq !== this.lastSeq + 1;
    if (last) this.lastSeq = last.seq;
    const theirs = rows.filter((r) => r.node !== this.node).map((r) => r.change);
    return gap || theirs.length === 0 ? [EVERYTHING_WIRE] : theirs;
  }
}
