import type { FastifyInstance } from 'fastify';
import { findCommentThread } from '../../modules/comments/comment-thread.service.ts';
import { findVisibleArticle } from '../../modules/content/site-index.service.ts';
import { getModerationSettings } from '../../modules/moderation/moderation-settings.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import { dependsOnArticle } from '../kit/page-pipeline.ts';
import { sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { commentsOpen } from '../reader/article.routes.tsx';
import { ThreadView } from './comments.views.tsx';
import { ThreadParams } from './discussion.schemas.ts';

/**
 * A thread's own page (issue 16): the article's discussion folds long lists of replies behind "Show N more
 * replies", and that link leads here, where the whole thread is shown, so it works without JavaScript.
 */
export function registerThreadRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  typed(app).get('/:slug/thread/:id/', cached({ schema: { params: ThreadParams } }), async (req, reply) => {
    const { slug, id: raw } = req.params;
    const post = isSlug(slug) ? await findVisibleArticle(deps.content, slug) : undefined;
    const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : undefined;
    if (!post || id === undefined) throw new AppError('NOT_FOUND', 'There is no such thread.');
    dependsOnArticle(req, post.id, []);
    const settings = await getModerationSettings(deps.content);
    const thread = await findCommentThread(deps.content, {
      postId: post.id,
      commentId: id,
      displayDepth: settings.displayDepth,
    });
    if (!thread) throw new AppError('NOT_FOUND', 'That thread is not there.');
    const open = commentsOpen(
      { commentsOpen: post.comments_open === 1, publishedAt: post.published_at ?? '' },
      settings,
      deps.content.clock.now(),
    );
    return sendPage(ctx, req, reply, (site) => ({
      head: { title: `Thread started by ${thread.authorName} · ${post.title}`, path: `/${slug}/thread/${thread.id}/` },
      body: <ThreadView article={post} thread={thread} open={open} site={site} />,
    }));
  });
}
