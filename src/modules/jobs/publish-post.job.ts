import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { type Change, postChange } from '../shared/changes.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import type { ClaimedJob } from './job.repository.ts';
import { cancelJob, enqueueJob } from './job.repository.ts';
import type { JobHandler } from './job-worker.ts';
import { findPostSchedule, publishIfDue } from './publish-post.repository.ts';

/** Job kind: turn a scheduled post into a published one when its time comes. Payload `{ postId }`. */
export const PUBLISH_POST = 'publish_post';

const publishKey = (postId: number) => `publish:${postId}`;

/**
 * Asks for `postId` to be published at `at`, replacing any earlier schedule for it. Call it inside the save's
 * transaction (`trx`), so the job exists exactly when the scheduled post does.
 */
export async function schedulePublish(trx: Db, postId: number, at: Date | string): Promise<void> {
  await enqueueJob(trx, { kind: PUBLISH_POST, uniqueKey: publishKey(postId), payload: { postId }, runAt: at });
}

/** Withdraws the pending publish of `postId` (moved back to draft, published by hand, deleted). */
export async function unschedulePublish(trx: Db, postId: number): Promise<void> {
  await cancelJob(trx, publishKey(postId));
}

function postIdOf(job: ClaimedJob): number {
  const postId = (job.payload as { postId?: unknown } | null)?.postId;
  if (typeof postId !== 'number' || !Number.isInteger(postId)) throw new Error('publish_post job without a postId');
  return postId;
}

/**
 * Publishes the post when it is still scheduled and its time has come, in one transaction; a post moved back to
 * draft or published by hand is left alone. If its time has moved later without the job following, the job is
 * rescheduled to that time. Readers already see a scheduled post once its time has passed (post.repository's
 * `visible`); this makes the stored status, and what is built from it, agree.
 */
export function publishPostHandler(deps: { db: Db; clock: Clock; noteWrite: (change?: Change) => void }): JobHandler {
  return async (job) => {
    const postId = postIdOf(job);
    const now = isoNow(deps.clock);
    const published = await inTransaction(deps.db, async (trx) => {
      if (await publishIfDue(trx, postId, now)) return true;
      const post = await findPostSchedule(trx, postId);
      if (post?.status === 'scheduled' && post.published_at && post.published_at > now)
        await schedulePublish(trx, postId, post.published_at);
      return false;
    });
    // A scheduled post going live: its page, every list, and its neighbours' previous/next links.
    if (published) deps.noteWrite(postChange([postId], { order: true }));
  };
}
