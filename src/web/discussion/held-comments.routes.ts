import type { FastifyInstance } from 'fastify';
import { listCommentsByIds } from '../../modules/comments/comment-lookup.service.ts';
import { signToken, verifyToken } from '../../modules/shared/secret.ts';
import { refuseCrossOrigin } from '../kit/same-origin.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { HeldCommentsBody } from './discussion.schemas.ts';

/**
 * A writer's own comments while they wait for a moderator (issue 16). Cached pages show nothing personal
 * (decisions 035–037), so the page never holds them: the answer to a comment post gives the writer's browser a
 * signed key for the comment (`heldCommentKey`), the comment island keeps it in localStorage, and asks here, on
 * a request never cached, how each comment stands: still held (with its text, to show it marked "awaiting
 * moderation"), approved (it is on the page now) or gone. Nobody without the key learns anything of it.
 */

const PURPOSE = 'held-comment';

/** The key a comment's writer gets with the answer to their post: it names the comment, signed. */
export const heldCommentKey = (secret: Buffer, id: number): string => signToken(secret, PURPOSE, String(id));

type HeldState = 'held' | 'approved' | 'gone';

/** `POST /api/v1/comments/held`: how the comments behind the given keys stand (JSON, never cached). */
export function registerHeldCommentRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  typed(app).post('/api/v1/comments/held', { schema: { body: HeldCommentsBody } }, async (req, reply) => {
    refuseCrossOrigin(req, deps.baseUrl, 'Comments cannot be looked up from another site.');
    const secret = await ctx.secret();
    const asked = req.body.keys.map((key) => {
      const id = Number(verifyToken(secret, PURPOSE, key) ?? Number.NaN);
      return { key, id: Number.isSafeInteger(id) && id > 0 ? id : null };
    });
    const ids = asked.flatMap((a) => (a.id === null ? [] : [a.id]));
    const rows = new Map((await listCommentsByIds(deps.content, ids)).map((r) => [r.id, r]));
    const comments = asked.map(({ key, id }) => {
      const row = id === null ? undefined : rows.get(id);
      // Spam is "held" to its writer, as the post's answer said: it tells a robot nothing.
      const state: HeldState =
        row?.status === 'approved' ? 'approved' : row?.status === 'held' || row?.status === 'spam' ? 'held' : 'gone';
      if (!row || state !== 'held') return { key, state };
      return {
        key,
        state,
        id: row.id,
        article: row.post_slug,
        parent_id: row.parent_id,
        author: { name: row.author_name },
        html: row.body_html,
        created_at: row.created_at,
      };
    });
    return reply.header('cache-control', 'no-store').send({ comments });
  });
}
