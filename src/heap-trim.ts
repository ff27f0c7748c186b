import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A long batch command's heap kept near what it holds. V8 collects the old generation lazily: while an import
 * writes a million comments, garbage it has long stopped using piles up to several times what is alive, and
 * the process's memory with it (decision 033). A full collection every so often (a few tens of milliseconds)
 * keeps the peak bounded whatever the file's size. Node gives no `gc()` without `--expose-gc` on the command
 * line, which `npx annalist` cannot add, so the flag is set now and the function taken from a fresh context.
 */
export function heapTrimmer(every: number): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  let calls = 0;
  return () => {
    if (++calls % every === 0) gc?.();
  };
}
