export interface PurgeLog {
  warn(obj: object, msg: string): void;
}

/**
 * Tells a CDN in front that content changed (ANNALIST_PURGE_WEBHOOK): a POST with JSON
 * `{ "paths": "all", "generation": "…" }`. Changes are coalesced: at most one request per `intervalMs`, sent after
 * the last change of a burst has had time to settle, never while a request is answering a reader, and a failure
 * (or a 2 s timeout) is logged and forgotten: the next change sends again. The URL is the operator's own setting,
 * so it may point anywhere, loopback included.
 */
export class PurgeWebhook {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastSent = 0;

  constructor(
    private readonly opts: {
      url: string;
      /** The generation to report (the shared one with Redis, else this node's content version). */
      generation: () => string;
      log: PurgeLog;
      intervalMs?: number;
      timeoutMs?: number;
    },
  ) {}

  /** Content changed: a purge follows within intervalMs. */
  changed(): void {
    if (this.timer) return;
    const interval = this.opts.intervalMs ?? 1000;
    const wait = Math.max(50, this.lastSent + interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastSent = Date.now();
      this.inFlight = this.send().finally(() => {
        this.inFlight = undefined;
      });
    }, wait);
    this.timer.unref();
  }

  /** Sends what is pending now and waits for it (on shutdown). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.send();
    }
    await this.inFlight;
  }

  private async send(): Promise<void> {
    const generation = this.opts.generation();
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ paths: 'all', generation }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2000),
      });
      await res.body?.cancel();
      if (!res.ok) this.opts.log.warn({ status: res.status }, 'the purge webhook answered an error');
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'the purge webhook could not be reached');
    }
  }
}
