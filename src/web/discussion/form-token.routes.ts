import type { FastifyInstance } from 'fastify';
import { AppError } from '../../modules/shared/errors.ts';
import { issueFormToken } from '../kit/form-token.ts';
import { PostRateLimit } from '../kit/rate-limit.ts';
import { refuseCrossOrigin } from '../kit/same-origin.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { NoBody } from './discussion.schemas.ts';

/**
 * `POST /form-token`: a reader's form token (kit/form-token.ts), asked for by the comment island when the reader
 * starts writing, since no cached page sets a cookie (decision 035). Answers 204 with the cookie alone, never
 * cached. Same origin as every reader's post; limited per address like them, in a count of its own so that
 * asking for a token does not use up a post.
 */
export function registerFormTokenRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const limit = new PostRateLimit(deps.commentPostsPerMinute, ctx.limiter, 'form-token');
  const secure = deps.baseUrl.startsWith('https:');

  app.post('/form-token', { schema: { body: NoBody } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    refuseCrossOrigin(req, deps.baseUrl, 'A form token is given to this site’s own pages only.');
    const now = deps.content.clock.now();
    if (await limit.exceeded(req.ip, now.getTime()))
      throw new AppError('RATE_LIMITED', 'You have started a lot of comments in the last minute. Wait a little.');
    issueFormToken(reply, await ctx.secret(), now, secure);
    return reply.code(204).send();
  });
}
