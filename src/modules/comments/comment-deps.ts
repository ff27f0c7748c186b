import type { Db } from '../../storage/schema.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';
import type { GenerationMemo } from '../shared/generation-memo.ts';

/** What the comment use cases need, built once in main.ts. */
export interface CommentDeps {
  db: Db;
  clock: Clock;
  /** Absolute origin, for links in notification mail. */
  baseUrl: string;
  noteWrite: (change?: Change) => void;
  /** Keeps a read's result until a write changes what it was built from (see ContentDeps.memo). */
  memo?: GenerationMemo;
}
