import type { FastifyRequest } from 'fastify';
import { AppError } from '../../modules/shared/errors.ts';
import { checkFormToken } from './form-token.ts';
import { sameOrigin } from './same-origin.ts';
import type { WebContext } from './web-deps.ts';

/** What a reader's form says when one of the checks refuses it (each form words it for what it sends). */
export interface ReaderPostWords {
  /** When the per-address limit on posts applies: what to say past it. Absent: no limit is counted. */
  rateLimited?: string;
  /** What to say when the browser sent no valid form token back. */
  tokenMissing: string;
}

const CROSS_ORIGIN = 'This form was sent from another site, so it was not accepted.';

/**
 * The checks every reader's form post passes, in one order (issue 15): sent from this site (kit/same-origin.ts),
 * within the per-address limit on posts, carrying one of our form tokens. Throws the AppError the route shows
 * above the reader's kept text; returns the token (used once by the workflow, its age for the too-fast check).
 */
export async function checkReaderPost(
  ctx: WebContext,
  req: FastifyRequest,
  now: Date,
  words: ReaderPostWords,
): Promise<{ token: string; issuedAt: Date }> {
  if (!sameOrigin(req, ctx.deps.baseUrl)) throw new AppError('CROSS_ORIGIN_REQUEST', CROSS_ORIGIN);
  if (words.rateLimited !== undefined && (await ctx.postLimit.exceeded(req.ip, now.getTime())))
    throw new AppError('RATE_LIMITED', words.rateLimited);
  const token = checkFormToken(req, await ctx.secret(), now);
  if (!token) throw new AppError('FORM_TOKEN_MISSING', words.tokenMissing);
  return token;
}
