import type { Db } from '../../storage/schema.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';

/** What the comment use cases need, built once in main.ts. */
export interface CommentDeps {
  db: Db;
  clock: Clock;
  /** Absolute origin, for links in notification mail. */
  baseUrl: string;
  noteWrite: (change?: Change) => void;
  /** Keeps a read's result until the content changes (see ContentDeps.memo). Absent, nothing is kept. */
  memo?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}
