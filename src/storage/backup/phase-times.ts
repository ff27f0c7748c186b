/**
 * Where a backup's or a restore's time goes: wall-clock seconds per named step, in the order the steps first
 * ran. The CLI prints them in its closing line (and each step as it ends at LOG_LEVEL=debug); bench/backup.mjs
 * reads them from there.
 */

export interface PhaseTime {
  name: string;
  seconds: number;
}

export class PhaseTimes {
  private readonly seconds = new Map<string, number>();

  /** `step(name, seconds)` hears of every step as it ends (tables one by one included). */
  constructor(private readonly step: (name: string, seconds: number) => void = () => {}) {}

  /** Runs `fn`, adding the time it took to `name`. */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add(name, (performance.now() - start) / 1000);
    }
  }

  add(name: string, seconds: number): void {
    this.seconds.set(name, (this.seconds.get(name) ?? 0) + seconds);
    this.step(name, seconds);
  }

  /** A part of a step (one table), told to `step` only: the summary stays short. */
  detail(name: string, seconds: number): void {
    this.step(name, seconds);
  }

  list(): PhaseTime[] {
    return [...this.seconds].map(([name, seconds]) => ({ name, seconds }));
  }
}

/** "tables 21.3 s, pack 2.0 s" */
export const describePhases = (phases: PhaseTime[]): string =>
  phases.map((p) => `${p.name} ${p.seconds.toFixed(1)} s`).join(', ');
