import type { FastifyReply, FastifyRequest } from 'fastify';
import { issueShownBackToken } from '../kit/reader-post.ts';
import { sendPage } from '../kit/render.tsx';
import type { WebContext } from '../kit/web-deps.ts';
import { type CommentFormState, ConfirmCommentPage } from './comments.views.tsx';

const AGAIN =
  'Your browser did not send this site’s form cookie back, so your comment is still not posted. Allow cookies for this site, then send it; your text is kept below.';

/**
 * Answers a comment form that came without a valid form token (decision 035): nothing is stored; the page
 * "Confirm your comment" shows the writer's text whole, and brings a fresh token, dated by the shown-back rule
 * (kit/form-token.ts: `shownBackIssueTime`), so the one button posts it. Personal: never cached.
 * `again`: it was this page's own form that came back without the token (the browser refuses the cookie).
 */
export async function sendCommentConfirm(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  page: { article: { slug: string; title: string }; form: CommentFormState; again: boolean },
): Promise<FastifyReply> {
  await issueShownBackToken(ctx, reply, ctx.deps.content.clock.now());
  reply.header('cache-control', 'no-store');
  if (page.again) page.form.message = AGAIN;
  return sendPage(ctx, req, reply, () => ({
    head: { title: 'Confirm your comment', path: `/${page.article.slug}/`, noindex: true },
    body: <ConfirmCommentPage article={page.article} form={page.form} again={page.again} />,
  }));
}
