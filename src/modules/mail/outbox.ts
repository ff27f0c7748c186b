import type { Db } from '../../storage/schema.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { MailDeliveryError, type Mailer, type MailMessage } from './mailer.ts';
import {
  claimOutboxRow,
  insertOutboxRow,
  listDueOutboxRows,
  markOutboxFailed,
  markOutboxSent,
} from './outbox.repository.ts';

/**
 * The mail outbox. Use cases never send mail: they add a row to `outbox` in their own transaction, so a
 * message exists if and only if what it announces was committed; a worker sends the rows later.
 */

/** A row is given up after this many failed attempts (and at once when the server refuses it for good). */
export const MAX_ATTEMPTS = 8;

/** Wait after the n-th failed attempt before the next one: about 22 hours of trying in all. */
const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000];

const HEADER_NAME = /^[A-Za-z0-9-]{1,76}$/;
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();

/** Adds a message to the outbox; pass the caller's transaction as `db` so it commits with the change. */
export async function queueMail(db: Db, clock: Clock, msg: MailMessage): Promise<void> {
  const headers = msg.headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    // A newline in a header would let text become new headers (header injection).
    if (!HEADER_NAME.test(name) || /[\r\n]/.test(value))
      throw new Error(`Refusing mail header ${JSON.stringify(name)}`);
  }
  await insertOutboxRow(db, {
    to_address: oneLine(msg.to),
    subject: oneLine(msg.subject),
    text_body: msg.text,
    headers_json: JSON.stringify(headers),
    created_at: isoNow(clock),
  });
}

/** The message a row stands for (the inverse of queueMail). */
export function messageOfRow(row: {
  to_address: string;
  subject: string;
  text_body: string;
  headers_json: string;
}): MailMessage {
  const headers = JSON.parse(row.headers_json || '{}') as Record<string, string>;
  const message: MailMessage = { to: row.to_address, subject: row.subject, text: row.text_body };
  return Object.keys(headers).length > 0 ? { ...message, headers } : message;
}

/** Where the worker reports failures (main.ts passes the app's logger). */
export interface OutboxLog {
  error(obj: object, msg: string): void;
}

export interface OutboxWorker {
  /** Stops the timer and waits for a batch in progress. */
  stop(): Promise<void>;
  /** Sends every row that is due now (retry delays are respected), then resolves. */
  drain(): Promise<void>;
}

/**
 * Sends pending outbox rows every `intervalMs`, oldest first, `batchSize` at a time.
 *
 * Several processes may run a worker on the same database, so each row is claimed before it is sent, with
 * plain SQL any dialect runs: `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = <now + delay>
 * WHERE id = ? AND sent_at IS NULL AND attempts = <the value read>`. Only one worker's update can match
 * (the others see attempts moved on and skip the row). The claim sets the retry time first, so a row is not
 * due again while its sender is still at work; SMTP timeouts (mailer.ts) are far shorter than that delay.
 * Times are ISO text, so "is it due?" is a string comparison in SQL. If a process dies mid-send the row is
 * tried again after the delay: delivery is at least once, duplicates only after a crash.
 */
export function startOutboxWorker(opts: {
  db: Db;
  mailer: Mailer;
  clock: Clock;
  log: OutboxLog;
  intervalMs: number;
  batchSize?: number;
}): OutboxWorker {
  const { db, mailer, clock, log } = opts;
  const batchSize = opts.batchSize ?? 5;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Batches run one after another in this process, whether the timer or drain() asked.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  };

  async function dueRows() {
    return listDueOutboxRows(db, { now: isoNow(clock), maxAttempts: MAX_ATTEMPTS, limit: batchSize });
  }

  /** One batch; returns how many rows this worker claimed. */
  async function runBatch(): Promise<number> {
    let claimed = 0;
    for (const row of await dueRows()) {
      const delay = RETRY_DELAYS_MS[row.attempts] ?? RETRY_DELAYS_MS.at(-1)!;
      const retryAt = new Date(clock.now().getTime() + delay).toISOString();
      if (!(await claimOutboxRow(db, row, retryAt))) continue; // another worker has it
      claimed++;
      const attempt = row.attempts + 1;
      try {
        await mailer.send(messageOfRow(row));
        await markOutboxSent(db, row.id, isoNow(clock));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const giveUp = err instanceof MailDeliveryError && err.permanent;
        await markOutboxFailed(db, row.id, message.slice(0, 1000), giveUp ? MAX_ATTEMPTS : undefined);
        const final = giveUp || attempt >= MAX_ATTEMPTS;
        log.error(
          { outboxId: row.id, attempt, final, err: message },
          final ? 'mail given up' : 'mail not sent, will retry',
        );
      }
    }
    return claimed;
  }

  async function tick() {
    try {
      await serial(runBatch);
    } catch (err) {
      log.error({ err }, 'outbox batch failed');
    }
    if (!stopped) {
      timer = setTimeout(tick, opts.intervalMs);
      timer.unref();
    }
  }

  timer = setTimeout(tick, opts.intervalMs);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
    async drain() {
      while ((await serial(runBatch)) > 0) {
        // keep going: a full batch may have left more behind
      }
    },
  };
}
