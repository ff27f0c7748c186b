import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../modules/accounts/policies.ts';
import {
  DISCUSSION_NUMBER_LIMITS,
  type DiscussionDeps,
  type DiscussionSettingsInput,
  listArticlesForDiscussion,
  setCommentsOpen,
  updateDiscussionSettings,
} from '../../modules/moderation/discussion-settings.service.ts';
import { getModerationSettings } from '../../modules/moderation/moderation-settings.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { formOf } from '../admin-session.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { loadChrome } from '../render.tsx';
import {
  type DiscussionFormValues,
  DiscussionSettingsView,
  discussionNoticeText,
  formValuesOf,
} from '../views/admin-discussion.tsx';
import { type AdminViewer, renderAdminPage } from '../views/admin-layout.tsx';
import type { WebContext } from '../web-deps.ts';

const PAGE = '/admin/discussion';
/** 500 watched phrases of 100 characters, percent-encoded, can pass the admin forms' usual 64 KB. */
const SETTINGS_BODY_LIMIT = 640 * 1024;

const numericKeys = Object.keys(DISCUSSION_NUMBER_LIMITS) as (keyof typeof DISCUSSION_NUMBER_LIMITS)[];

/** The settings form as sent, kept as typed so a failed save shows it again unchanged. */
function formValues(form: URLSearchParams): DiscussionFormValues {
  const numbers = Object.fromEntries(numericKeys.map((k) => [k, (form.get(k) ?? '').slice(0, 50)]));
  return {
    ...(numbers as Record<(typeof numericKeys)[number], string>),
    moderationWords: form.get('moderationWords') ?? '',
    holdFirstComment: form.get('holdFirstComment') === '1',
  };
}

function articleId(req: FastifyRequest): number {
  const { id } = req.params as { id: string };
  if (!/^[0-9]{1,9}$/.test(id)) throw new AppError('NOT_FOUND', 'There is nothing at this address.');
  return Number(id);
}

/**
 * The discussion settings page and each article's comment switch, registered inside the staff scope of
 * routes/admin.tsx (which has already checked the session, and the origin and CSRF token of every POST).
 * Moderators may work the queue but not change its rules, so every route here also needs 'manage_discussion'.
 */
export function registerDiscussionAdminRoutes(staff: FastifyInstance, ctx: WebContext): void {
  const deps: DiscussionDeps = ctx.deps.content;

  staff.register(async (scope) => {
    scope.addHook('preHandler', async (req) => {
      const user = req.adminViewer?.user;
      if (!user || !can(user, 'manage_discussion'))
        throw new AppError('FORBIDDEN', 'Your account cannot change the discussion settings.', {
          detail: user ? `user ${user.id} (${user.role})` : 'no viewer',
        });
    });

    async function show(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { values: DiscussionFormValues; errors: Record<string, string>; status: number; notice?: string },
    ) {
      const viewer = req.adminViewer as AdminViewer;
      const [settings, articles, { site }] = await Promise.all([
        getModerationSettings(deps),
        listArticlesForDiscussion(deps),
        loadChrome(ctx),
      ]);
      const html = renderAdminPage({
        site,
        title: 'Discussion settings',
        viewer,
        current: 'discussion',
        children: (
          <DiscussionSettingsView
            values={form.values}
            errors={form.errors}
            closeAfterDays={settings.closeAfterDays}
            articles={articles}
            viewer={viewer}
            site={site}
            notice={form.notice}
          />
        ),
      });
      return reply.code(form.status).type('text/html; charset=utf-8').send(html);
    }

    scope.get(PAGE, async (req, reply) => {
      const notice = (req.query as Record<string, unknown>).notice;
      return show(req, reply, {
        values: formValuesOf(await getModerationSettings(deps)),
        errors: {},
        status: 200,
        notice: discussionNoticeText(typeof notice === 'string' ? notice : undefined),
      });
    });

    scope.post(PAGE, { bodyLimit: SETTINGS_BODY_LIMIT }, async (req, reply) => {
      const values = formValues(formOf(req));
      const input: DiscussionSettingsInput = { ...values };
      try {
        await updateDiscussionSettings(deps, input);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'BAD_REQUEST' || !err.fields) throw err;
        req.log.info({ code: err.code, detail: err.detail }, 'discussion settings refused');
        return show(req, reply, { values, errors: err.fields, status: HTTP_ERRORS[err.code].status });
      }
      return reply.code(303).header('location', `${PAGE}?notice=saved`).send();
    });

    for (const [action, notice] of [
      ['open', 'opened'],
      ['close', 'closed'],
    ] as const) {
      scope.post(`/admin/discussion/articles/:id/${action}`, async (req, reply) => {
        await setCommentsOpen(deps, { postId: articleId(req), open: action === 'open' });
        return reply.code(303).header('location', `${PAGE}?notice=${notice}#articles`).send();
      });
    }
  });
}
