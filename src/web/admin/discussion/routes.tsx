import { type TOptional, type TString, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../modules/accounts/policies.ts';
import {
  DISCUSSION_NUMBER_LIMITS,
  type DiscussionDeps,
  type DiscussionSettingsInput,
  listArticlesForDiscussion,
  setCommentsOpen,
  updateDiscussionSettings,
} from '../../../modules/moderation/discussion-settings.service.ts';
import { getModerationSettings } from '../../../modules/moderation/moderation-settings.ts';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { loadChrome } from '../../kit/render.tsx';
import { Checkbox, CsrfField, Form, Text, typed } from '../../kit/schemas.ts';
import type { WebContext } from '../../kit/web-deps.ts';
import { IdParams, idParam, NoticeQuery } from '../kit.tsx';
import { type AdminViewer, renderAdminPage } from '../layout.tsx';
import { type DiscussionFormValues, DiscussionSettingsView, discussionNoticeText, formValuesOf } from './views.tsx';

const PAGE = '/admin/discussion';
/** 500 watched phrases of 100 characters, percent-encoded, can pass the admin forms' usual 64 KB. */
const SETTINGS_BODY_LIMIT = 640 * 1024;

const numericKeys = Object.keys(DISCUSSION_NUMBER_LIMITS) as (keyof typeof DISCUSSION_NUMBER_LIMITS)[];

type NumericKey = (typeof numericKeys)[number];
/** Each number as typed (the module says which are out of range, and the form is shown again). */
const numberFields = Object.fromEntries(numericKeys.map((k) => [k, Type.Optional(Text(50))])) as Record<
  NumericKey,
  TOptional<TString>
>;
/** The settings form; the watched words may be long (the module counts them), up to the route's body limit. */
const SettingsForm = Form({
  ...CsrfField,
  ...numberFields,
  moderationWords: Type.Optional(Text(SETTINGS_BODY_LIMIT)),
  holdFirstComment: Checkbox,
});
const CsrfOnly = Form({ ...CsrfField });

/** The settings form as sent, kept as typed so a failed save shows it again unchanged. */
function formValues(
  form: Partial<Record<NumericKey, string>> & { moderationWords?: string; holdFirstComment?: string },
): DiscussionFormValues {
  const numbers = Object.fromEntries(numericKeys.map((k) => [k, form[k] ?? ''])) as Record<NumericKey, string>;
  return { ...numbers, moderationWords: form.moderationWords ?? '', holdFirstComment: form.holdFirstComment === '1' };
}

/**
 * The discussion settings page and each article's comment switch, registered inside the staff scope of
 * routes/admin.tsx (which has already checked the session, and the origin and CSRF token of every POST).
 * Moderators may work the queue but not change its rules, so every route here also needs 'manage_discussion'.
 */
export function registerDiscussionAdminRoutes(staff: FastifyInstance, ctx: WebContext): void {
  const deps: DiscussionDeps = ctx.deps.content;

  staff.register(async (discussion) => {
    const scope = typed(discussion);
    scope.addHook('preValidation', async (req) => {
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

    scope.get(PAGE, { schema: { querystring: NoticeQuery } }, async (req, reply) =>
      show(req, reply, {
        values: formValuesOf(await getModerationSettings(deps)),
        errors: {},
        status: 200,
        notice: discussionNoticeText(req.query.notice),
      }),
    );

    scope.post(PAGE, { bodyLimit: SETTINGS_BODY_LIMIT, schema: { body: SettingsForm } }, async (req, reply) => {
      const values = formValues(req.body);
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
      const schema = { params: IdParams, body: CsrfOnly };
      scope.post(`/admin/discussion/articles/:id/${action}`, { schema }, async (req, reply) => {
        await setCommentsOpen(deps, { postId: idParam(req), open: action === 'open' });
        return reply.code(303).header('location', `${PAGE}?notice=${notice}#articles`).send();
      });
    }
  });
}
