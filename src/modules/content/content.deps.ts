import type { Db } from '../../storage/schema.ts';
import type { SearchIndex } from '../../storage/search-index.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';
import type { GenerationMemo } from '../shared/generation-memo.ts';

/** What the content use cases need, built once in main.ts. */
export interface ContentDeps {
  db: Db;
  clock: Clock;
  search: SearchIndex;
  /** Called after every committed write (naming what changed: shared/changes.ts) so caches know at once. */
  noteWrite: (change?: Change) => void;
  /** Keeps a read's result until a write changes what it was built from (shared/generation-memo.ts). */
  memo?: GenerationMemo;
}
