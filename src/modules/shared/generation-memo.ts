/**
 * Keeps a read's result until the content changes (any write, in any process, or a scheduled post going live):
 * the web layer gives its content generation's memo (ContentDeps.memo). Absent, nothing is kept.
 */
export type GenerationMemo = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/** What keeping a read needs: the memo, and whether the read runs inside a transaction (it must see its writes). */
export interface MemoDeps {
  db: { readonly isTransaction: boolean };
  memo?: GenerationMemo;
}

/** Where one read is kept: `key` among at most `max` others of its `area` (the least recently used go first). */
export interface MemoSlot {
  area: string;
  key: string;
  max: number;
}

/**
 * `load()`'s result, kept for the content generation in `slot`; read afresh inside a transaction or without a
 * memo. A failure is not kept. What it returns may be shared by every request of the generation: callers must
 * never change it.
 */
export async function keptForGeneration<T>(deps: MemoDeps, slot: MemoSlot, load: () => Promise<T>): Promise<T> {
  if (!deps.memo || deps.db.isTransaction) return load();
  const kept = await deps.memo(`kept:${slot.area}`, async () => new Map<string, Promise<unknown>>());
  const found = kept.get(slot.key) as Promise<T> | undefined;
  if (found) {
    // Most recently used last, so the bound drops what readers stopped asking for.
    kept.delete(slot.key);
    kept.set(slot.key, found);
    return found;
  }
  const loading = load();
  if (kept.size >= slot.max) kept.delete(kept.keys().next().value as string);
  kept.set(slot.key, loading);
  loading.catch(() => {
    if (kept.get(slot.key) === loading) kept.delete(slot.key);
  });
  return loading;
}
