import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenWithConfirmedEmail } from '../../modules/comments/returning-commenter.ts';
import {
  checkUnsubscribeLink,
  confirmEmail,
  deleteOwnComment,
  type NotificationDeps,
  previewOwnCommentDeletion,
  unsubscribe,
} from '../../modules/notifications/notifications.service.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { sendPage } from '../kit/render.tsx';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { commenterToken, setCommenterCookie } from './commenter-cookie.ts';
import { MailLinkQuery } from './discussion.schemas.ts';
import {
  CommentDeletedView,
  DeleteCommentFormView,
  EmailConfirmedView,
  UnsubscribedView,
  UnsubscribeFormView,
} from './notifications.views.tsx';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * The token in ?token=, after making the response private: these pages answer for one person, so they
 * are never kept in the page cache (these routes do not ask for it) nor by browsers,
 * and never pass their address on as a Referer.
 */
function tokenOf(req: FastifyRequest & { query: Static<typeof MailLinkQuery> }, reply: FastifyReply): string {
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  const { token } = req.query;
  if (!token)
    throw new AppError('BAD_REQUEST', 'This link is incomplete. Copy the whole link from the e-mail and try again.');
  return token;
}

/**
 * Links in comment mail: confirm an address (GET, as mail clients open it), stop reply mail and delete
 * one's comment (GET shows a button, POST acts). The signed token is the only credential: no session, no
 * CSRF token, so a mail provider's RFC 8058 one-click POST ("List-Unsubscribe=One-Click") works as is.
 */
export function registerNotificationRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { content, baseUrl } = ctx.deps;
  const deps = (): NotificationDeps => ({
    db: content.db,
    clock: content.clock,
    baseUrl,
    noteWrite: content.noteWrite,
  });
  const here = (req: FastifyRequest) => req.url.split('?')[0]!;

  // Its own scope, so that the form-body parser (the body itself is not needed) touches no other route.
  // The body of a one-click POST is not read (a mail provider sends List-Unsubscribe=One-Click, or nothing): only
  // the query has a schema.
  void app.register(async (plain) => {
    const scope = typed(plain);
    const link = { schema: { querystring: MailLinkQuery } };
    for (const type of FORM_TYPES) {
      if (!scope.hasContentTypeParser(type))
        scope.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
          done(null, body),
        );
    }

    scope.get('/comments/confirm', link, async (req, reply) => {
      const { email } = await confirmEmail(deps(), tokenOf(req, reply));
      // Opening the link shows this browser reads the address's mail: its comments under it are trusted from
      // now on, as a returning commenter's (decision 021).
      const renewed = tokenWithConfirmedEmail(
        { secret: await ctx.secret(), now: content.clock.now() },
        commenterToken(req),
        email,
      );
      setCommenterCookie(reply, renewed, baseUrl.startsWith('https:'));
      return sendPage(ctx, req, reply, () => ({
        head: { title: 'Address confirmed', path: here(req), noindex: true },
        body: <EmailConfirmedView email={email} />,
      }));
    });

    scope.get('/comments/unsubscribe', link, async (req, reply) => {
      const token = tokenOf(req, reply);
      const { email } = await checkUnsubscribeLink(deps(), token);
      return sendPage(ctx, req, reply, () => ({
        head: { title: 'Stop reply e-mails', path: here(req), noindex: true },
        body: <UnsubscribeFormView email={email} action={`${here(req)}?token=${encodeURIComponent(token)}`} />,
      }));
    });

    scope.post('/comments/unsubscribe', link, async (req, reply) => {
      const { email } = await unsubscribe(deps(), tokenOf(req, reply));
      return sendPage(ctx, req, reply, () => ({
        head: { title: 'Reply e-mails stopped', path: here(req), noindex: true },
        body: <UnsubscribedView email={email} />,
      }));
    });

    scope.get('/comments/delete', link, async (req, reply) => {
      const token = tokenOf(req, reply);
      const own = await previewOwnCommentDeletion(deps(), token);
      return sendPage(ctx, req, reply, () => ({
        head: { title: own.gone ? 'Comment deleted' : 'Delete your comment', path: here(req), noindex: true },
        body: <DeleteCommentFormView own={own} action={`${here(req)}?token=${encodeURIComponent(token)}`} />,
      }));
    });

    scope.post('/comments/delete', link, async (req, reply) => {
      const own = await deleteOwnComment(deps(), tokenOf(req, reply));
      return sendPage(ctx, req, reply, () => ({
        head: { title: 'Comment deleted', path: here(req), noindex: true },
        body: <CommentDeletedView own={own} />,
      }));
    });
  });
}
