import type { FastifyReply, FastifyRequest } from 'fastify';
import { getModerationSettings } from '../../modules/moderation/moderation-settings.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { checkFormToken, type FormToken, issueFormToken, shownBackIssueTime } from './form-token.ts';
import { refuseCrossOrigin } from './same-origin.ts';
import type { WebContext } from './web-deps.ts';

/** What a reader's form says when one of the checks refuses it (each form words it for what it sends). */
export interface ReaderPostWords {
  /** When the per-address limit on posts applies: what to say past it. Absent: no limit is counted. */
  rateLimited?: string;
}

const CROSS_ORIGIN = 'This form was sent from another site, so it was not accepted.';

/**
 * The checks every reader's form post passes, in one order (issue 15): sent from this site (kit/same-origin.ts),
 * within the per-address limit on posts, then the form token. Throws the AppError the route shows above the
 * reader's kept text; returns the token (used once by the workflow, its age for the too-fast check), or
 * undefined when the post came without a valid one: the route then shows its confirm page (decision 035).
 */
export async function checkReaderPost(
  ctx: WebContext,
  req: FastifyRequest,
  now: Date,
  words: ReaderPostWords,
): Promise<FormToken | undefined> {
  refuseCrossOrigin(req, ctx.deps.baseUrl, CROSS_ORIGIN);
  if (words.rateLimited !== undefined && (await ctx.postLimit.exceeded(req.ip, now.getTime())))
    throw new AppError('RATE_LIMITED', words.rateLimited);
  return checkFormToken(req, await ctx.secret(), now);
}

/**
 * Gives the reader a fresh form token with an answer that shows their own text back to be sent again (a confirm
 * page, "Check before posting", a refused post), dated so that the too-fast check asks only for the moment it
 * takes to press the button: see `shownBackIssueTime`.
 */
export async function issueShownBackToken(ctx: WebContext, reply: FastifyReply, now: Date): Promise<void> {
  const { minFormSeconds } = await getModerationSettings(ctx.deps.content);
  const secure = ctx.deps.baseUrl.startsWith('https:');
  issueFormToken(reply, await ctx.secret(), shownBackIssueTime(now, minFormSeconds), secure);
}
