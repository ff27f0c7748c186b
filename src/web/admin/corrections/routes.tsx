import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../modules/accounts/policies.ts';
import {
  commentAsSuggestionDraft,
  type PassageInput,
  suggestionFromComment,
} from '../../../modules/corrections/submit-suggestion.workflow.ts';
import {
  askForMore,
  getSuggestionDetail,
  listSuggestionsByStatus,
  moderateSuggestion,
  type ReviewDeps,
  rejectSuggestion,
  SUGGESTION_TABS,
  type SuggestionTab,
} from '../../../modules/corrections/suggestion-review.service.ts';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import type { SuggestionStatus } from '../../../storage/schema.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { loadChrome } from '../../kit/render.tsx';
import { CsrfField, Form, OneOf, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import { type AdminKit, FORM_TEXT_MAX, IdParams, idParam, noticeOf, type SignedInViewer, seeOther } from '../kit.tsx';
import { formOf } from '../session.ts';
import {
  CORRECTIONS_PAGE,
  type DecisionForms,
  type FromCommentForm,
  FromCommentView,
  SuggestionDetailView,
  SuggestionListView,
  suggestionUrl,
} from './views.tsx';

const PER_PAGE = 30;
/** What moderators (moderate_comments without review_corrections) may see and act on. */
const MODERATOR_TABS: SuggestionTab[] = ['held', 'spam'];
const ALL_TABS = Object.keys(SUGGESTION_TABS) as SuggestionTab[];

const NOTICES: Record<string, string> = {
  rejected: 'Suggestion rejected. The reader is told if their address is confirmed.',
  asked: 'Question sent. The suggestion waits for the reader.',
  open: 'Suggestion approved: it is open for the editors.',
  spam: 'Suggestion marked as spam.',
  trash: 'Suggestion moved to the trash.',
  created: 'Suggestion made from the comment. It is open for the editors.',
};

const Optional = Type.Optional;
/** Text a person types: the corrections module checks the real limits and the form is shown again, whole. */
const Typed = Optional(Text(FORM_TEXT_MAX));
const ListQuery = StrictQuery({
  status: Optional(Text(20)),
  page: Optional(Text(6)),
  notice: Optional(Text(20)),
});
const DetailQuery = StrictQuery({ notice: Optional(Text(20)) });
const DecisionForm = (field: 'reason' | 'question') => Form({ ...CsrfField, [field]: Typed });
const ModerateForm = Form({ ...CsrfField, action: OneOf(['approve', 'spam', 'trash']) });
const FromCommentQuery = StrictQuery({ comment: Optional(Text(300)) });
/** The passage's hidden fields are ours (the selectors the page found); the rest is typed. */
const FromCommentFormSchema = Form({
  ...CsrfField,
  quote: Typed,
  exact: Typed,
  prefix: Optional(Text(1000)),
  suffix: Optional(Text(1000)),
  start: Optional(Text(12)),
  end: Optional(Text(12)),
  problem: Typed,
  proposed: Typed,
  source: Typed,
  intent: Optional(Text(20)),
});

const forbidden = (viewer: SignedInViewer, what: string) =>
  new AppError('FORBIDDEN', 'Your account is not allowed to do this.', {
    detail: `user ${viewer.user.id} (${viewer.user.role}): ${what}`,
  });

/**
 * Readers' correction suggestions: the list by status, the detail with the passage highlighted in the current
 * article, reject / ask for more (review_corrections), moderation of held ones (moderate_comments too), and
 * turning a comment into a suggestion. Accepting is a link to the editor (posts/routes.tsx).
 */
export function registerCorrectionAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const { deps } = kit.ctx;
  const review: ReviewDeps = { db: deps.content.db, clock: deps.content.clock, baseUrl: deps.baseUrl };

  staff.register(async (corrections) => {
    const scope = typed(corrections);
    // Editors review; moderators see the held and spam ones (the same pipeline as comments put them there).
    const viewerOf = (req: FastifyRequest) => {
      const viewer = kit.viewerOf(req);
      if (!can(viewer.user, 'review_corrections') && !can(viewer.user, 'moderate_comments'))
        throw forbidden(viewer, 'corrections');
      return viewer;
    };
    const mayReview = (viewer: SignedInViewer) => can(viewer.user, 'review_corrections');
    /** A moderator who is not an editor acts only on suggestions waiting for moderation. */
    const checkMayTouch = (viewer: SignedInViewer, status: SuggestionStatus) => {
      if (!mayReview(viewer) && status !== 'held' && status !== 'spam')
        throw forbidden(viewer, `suggestion is ${status}`);
    };
    scope.addHook('preValidation', async (req) => {
      viewerOf(req);
    });

    scope.get(CORRECTIONS_PAGE, { schema: { querystring: ListQuery } }, async (req, reply) => {
      const viewer = viewerOf(req);
      const q = req.query;
      const tabs = mayReview(viewer) ? ALL_TABS : MODERATOR_TABS;
      const asked = q.status || tabs[0]!;
      if (!(tabs as string[]).includes(asked)) throw new AppError('INVALID_QUERY', 'There is no such list.');
      const tab = asked as SuggestionTab;
      const pageRaw = q.page || '1';
      if (!/^[1-9][0-9]{0,5}$/.test(pageRaw)) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
      const page = Number(pageRaw);
      const [{ rows, hasMore, counts }, { site }] = await Promise.all([
        listSuggestionsByStatus(review, { tab, page, perPage: PER_PAGE }),
        loadChrome(kit.ctx),
      ]);
      return kit.page(reply, {
        title: 'Correction suggestions',
        viewer,
        current: 'corrections',
        body: (
          <SuggestionListView
            tab={tab}
            tabs={tabs}
            rows={rows}
            counts={counts}
            page={page}
            hasMore={hasMore}
            site={site}
            notice={NOTICES[q.notice ?? '']}
          />
        ),
      });
    });

    async function showDetail(
      req: FastifyRequest,
      reply: FastifyReply,
      id: number,
      forms: DecisionForms = { reason: '', question: '', errors: {} },
      status = 200,
    ) {
      const viewer = viewerOf(req);
      const [detail, { site }] = await Promise.all([getSuggestionDetail(review, id), loadChrome(kit.ctx)]);
      checkMayTouch(viewer, detail.suggestion.status);
      return kit.page(reply, {
        title: `Suggestion on ${detail.post.title}`,
        viewer,
        current: 'corrections',
        status,
        body: (
          <SuggestionDetailView
            detail={detail}
            viewer={viewer}
            site={site}
            mayReview={mayReview(viewer)}
            forms={forms}
            notice={NOTICES[noticeOf(req) ?? '']}
          />
        ),
      });
    }

    scope.get(
      `${CORRECTIONS_PAGE}/:id`,
      { schema: { params: IdParams, querystring: DetailQuery } },
      async (req, reply) => showDetail(req, reply, idParam(req)),
    );

    for (const [action, field, notice] of [
      ['reject', 'reason', 'rejected'],
      ['ask', 'question', 'asked'],
    ] as const) {
      const schema = { params: IdParams, body: DecisionForm(field) };
      scope.post(`${CORRECTIONS_PAGE}/:id/${action}`, { schema }, async (req, reply) => {
        const viewer = kit.requireCapability(req, 'review_corrections');
        const id = idParam(req);
        const text = formOf(req).get(field) ?? '';
        try {
          const input = { suggestionId: id, userId: viewer.user.id };
          if (action === 'reject') await rejectSuggestion(review, { ...input, reason: text });
          else await askForMore(review, { ...input, question: text });
        } catch (err) {
          if (!isAppError(err) || (err.code !== 'SUGGESTION_INVALID' && err.code !== 'SUGGESTION_ALREADY_DECIDED'))
            throw err;
          // Shown on the page again, with what was typed; nothing changed.
          const forms: DecisionForms = {
            reason: field === 'reason' ? text : '',
            question: field === 'question' ? text : '',
            errors: err.fields ?? {},
            message: err.publicMessage,
          };
          return showDetail(req, reply, id, forms, HTTP_ERRORS[err.code].status);
        }
        return seeOther(reply, `${suggestionUrl(id)}?notice=${notice}`);
      });
    }

    const moderate = { params: IdParams, body: ModerateForm };
    scope.post(`${CORRECTIONS_PAGE}/:id/moderate`, { schema: moderate }, async (req, reply) => {
      const viewer = viewerOf(req);
      const id = idParam(req);
      const { action } = req.body;
      const detail = await getSuggestionDetail(review, id);
      checkMayTouch(viewer, detail.suggestion.status);
      const to = await moderateSuggestion(review, { suggestionId: id, userId: viewer.user.id, action });
      // Back to the list the moderator came from when the suggestion leaves it.
      return seeOther(reply, `${CORRECTIONS_PAGE}?status=${detail.suggestion.status}&notice=${to}`);
    });

    const emptyFromComment = (draft: { problem: string; source: string }): FromCommentForm => ({
      quote: '',
      exact: '',
      prefix: '',
      suffix: '',
      start: '',
      end: '',
      problem: draft.problem,
      proposed: '',
      source: draft.source,
      confirming: false,
      errors: {},
    });

    async function showFromComment(
      req: FastifyRequest,
      reply: FastifyReply,
      commentId: number,
      form?: FromCommentForm,
      status = 200,
    ) {
      const viewer = viewerOf(req);
      const draft = await commentAsSuggestionDraft(review, commentId);
      return kit.page(reply, {
        title: 'Turn a comment into a correction suggestion',
        viewer,
        current: mayReview(viewer) ? 'corrections' : 'moderation',
        status,
        body: (
          <FromCommentView
            comment={{
              id: draft.commentId,
              authorName: draft.authorName,
              postTitle: draft.postTitle,
              postSlug: draft.postSlug,
              text: draft.problem,
            }}
            viewer={viewer}
            form={form ?? emptyFromComment(draft)}
          />
        ),
      });
    }

    // The list's "turn a comment into a suggestion" box: a comment's number or any of its links.
    scope.get(`${CORRECTIONS_PAGE}/from-comment`, { schema: { querystring: FromCommentQuery } }, async (req, reply) => {
      const ref = req.query.comment ?? '';
      const id = /^\s*#?(\d{1,9})\s*$/.exec(ref)?.[1] ?? /(?:\/comments\/|#comment-)(\d{1,9})\b/.exec(ref)?.[1];
      if (!id) throw new AppError('INVALID_QUERY', 'Give a comment number, or a link to the comment.');
      return seeOther(reply, `${CORRECTIONS_PAGE}/from-comment/${id}`);
    });

    const fromComment = { schema: { params: IdParams, querystring: StrictQuery({}) } };
    scope.get(`${CORRECTIONS_PAGE}/from-comment/:id`, fromComment, async (req, reply) =>
      showFromComment(req, reply, idParam(req)),
    );

    const fromCommentPost = { schema: { params: IdParams, body: FromCommentFormSchema } };
    scope.post(`${CORRECTIONS_PAGE}/from-comment/:id`, fromCommentPost, async (req, reply) => {
      const viewer = viewerOf(req);
      const commentId = idParam(req);
      const f = req.body;
      const form: FromCommentForm = {
        quote: f.quote ?? '',
        exact: f.exact ?? '',
        prefix: f.prefix ?? '',
        suffix: f.suffix ?? '',
        start: f.start ?? '',
        end: f.end ?? '',
        problem: f.problem ?? '',
        proposed: f.proposed ?? '',
        source: f.source ?? '',
        confirming: false,
        errors: {},
      };
      if (f.intent === 'edit')
        return showFromComment(req, reply, commentId, {
          ...form,
          quote: form.quote || form.exact,
          exact: '',
          prefix: '',
          suffix: '',
          start: '',
          end: '',
        });
      const position = (s: string) => (/^\d{1,9}$/.test(s) ? Number(s) : 0);
      const passage: PassageInput = {
        selectors: form.exact
          ? {
              exact: form.exact,
              prefix: form.prefix,
              suffix: form.suffix,
              start: position(form.start),
              end: position(form.end),
            }
          : null,
        typed: form.quote,
      };
      try {
        const result = await suggestionFromComment(review, {
          commentId,
          passage,
          problem: form.problem,
          proposed: form.proposed,
          source: form.source,
          userId: viewer.user.id,
        });
        if (result.outcome === 'confirm') {
          const [quote, pos] = result.selectors;
          return showFromComment(req, reply, commentId, {
            ...form,
            exact: quote.exact,
            prefix: quote.prefix,
            suffix: quote.suffix,
            start: String(pos.start),
            end: String(pos.end),
            confirming: true,
            message: 'Those words are not exactly in the article. Did you mean the passage shown?',
          });
        }
        // A moderator who is not an editor cannot open the (open) suggestion: back to the comment queue.
        return seeOther(
          reply,
          mayReview(viewer) ? `${suggestionUrl(result.id)}?notice=created` : '/admin/moderation?notice=suggested',
        );
      } catch (err) {
        if (!isAppError(err) || (err.code !== 'SUGGESTION_INVALID' && err.code !== 'SUGGESTION_PASSAGE_NOT_FOUND'))
          throw err;
        return showFromComment(
          req,
          reply,
          commentId,
          { ...form, errors: err.fields ?? {}, message: err.publicMessage },
          HTTP_ERRORS[err.code].status,
        );
      }
    });
  });
}
