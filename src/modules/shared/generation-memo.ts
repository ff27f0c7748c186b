/**
 * Keeps a read's result until a write changes what it was built from: `dependsOn` names the change keys
 * (changes.ts: `posts`, `comments`, `corrections`, …) whose announcement, in any process, drops it; a change to
 * everything (settings, menus, widgets, taxonomy, sources) and a scheduled post going live drop every read. The
 * web layer gives its content generation's memo (ContentDeps.memo). Absent, nothing is kept.
 */
export type GenerationMemo = <T>(key: string, fn: () => Promise<T>, dependsOn: readonly string[]) => Promise<T>;

/** What keeping a read needs: the memo, and whether the read runs inside a transaction (it must see its writes). */
export interface MemoDeps {
  db: { readonly isTransaction: boolean };
  memo?: GenerationMemo;
}

/**
 * Where one read is kept: `key` among at most `max` others of its `area` (the least recently used go first), all
 * dropped together when a change names one of the area's `dependsOn` (every slot of an area names the same keys).
 */
export interface MemoSlot {
  area: string;
  key: string;
  max: number;
  dependsOn: readonly string[];
}

/**
 * `load()`'s result, kept in `slot` until a change names one of its keys; read afresh inside a transaction or without a
 * memo. A failure is not kept. What it returns may be shared by every request until it is dropped: callers must
 * never change it.
 */
export async function keptForGeneration<T>(deps: MemoDeps, slot: MemoSlot, load: () => Promise<T>): Promise<T> {
  if (!deps.memo || deps.db.isTransaction) return load();
  const kept = await deps.memo(`kept:${slot.area}`, async () => new Map<string, Promise<unknown>>(), slot.dependsOn);
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
