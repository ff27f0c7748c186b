import type { Db } from './schema.ts';

/**
 * One writer at a time, across processes, without anyone sleeping. SQLite lets one connection write at a
 * time; a second process that meets the lock waits in SQLite's busy handler, which sleeps its whole event loop
 * for 1, 2, 5, 10… ms. Under load that turns two processes into less than one. A gate hands the turn from one
 * process to the next instead (`src/cluster.ts`: the cluster primary keeps the queue), and a process waiting
 * for its turn goes on serving what needs no write.
 */
export interface WriteGate {
  acquire(): Promise<void>;
  release(): void;
}

const gates = new WeakMap<Db, WriteGate>();

/** Makes every `inTransaction` on `db` take its turn at `gate` first (set once, by the composition root). */
export function setWriteGate(db: Db, gate: WriteGate): void {
  gates.set(db, gate);
}

export function writeGateOf(db: Db): WriteGate | undefined {
  return gates.get(db);
}
