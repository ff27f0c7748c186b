import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findApprovedComment, listRecentComments } from '../../modules/comments/comment-lookup.service.ts';
import { findCommentView, listArticleComments, pageOfComment } from '../../modules/comments/comment-thread.service.ts';
import { findVisibleArticle } from '../../modules/content/site-index.service.ts';
import { xml } from '../../modules/feeds/feed.service.ts';
import { getModerationSettings } from '../../modules/moderation/moderation-settings.ts';
import { REPORT_REASONS, type ReportReason, reportComment } from '../../modules/moderation/report-comment.service.ts';
import {
  type CommentSubmission,
  previewComment,
  submitComment,
} from '../../modules/moderation/submit-comment.workflow.ts';
import { getSiteSettings } from '../../modules/settings/settings.service.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import { SlugParams as ApiSlugParams } from '../api/api.schemas.ts';
import { checkFormToken, issueFormToken } from '../kit/form-token.ts';
import { HTTP_ERRORS } from '../kit/http-errors.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { checkReaderPost, issueShownBackToken } from '../kit/reader-post.ts';
import { sendBody, sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { refuseCrossOrigin } from '../kit/same-origin.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { signedInUser } from '../reader/article.routes.tsx';
import { SlugParams } from '../reader/reader.schemas.ts';
import { TextareaField } from '../ui/form.tsx';
import { commenterToken, setCommenterCookie } from './commenter-cookie.ts';
import { singleCommentHtml } from './comments.views.tsx';
import {
  CommentIdParams,
  CommentJsonBody,
  CommentListQuery,
  REPORT_NOTE_MAX,
  ReportForm,
} from './discussion.schemas.ts';
import { heldCommentKey } from './held-comments.routes.ts';

const REASON_LABELS: Record<ReportReason, string> = {
  abuse: 'Abusive or hateful',
  spam: 'Spam or advertising',
  'off-topic': 'Off topic',
  misinformation: 'Deliberately misleading',
  other: 'Something else',
};

interface ReportState {
  done: boolean;
  error: string | null;
  /**
   * The report came without a form token and waits for the reader to send it again (decision 035); `again`:
   * this page's own form came back without it too.
   */
  confirm?: 'first' | 'again';
  /** What the reader chose and wrote, shown again after a refusal. */
  reason?: ReportReason;
  /** The report came without a reason: nothing is chosen for the reader, so they must pick one. */
  reasonError?: string;
  note?: string;
  noteError?: string;
}

const CONFIRM_REPORT =
  'Your report is not sent yet: your browser had no form token from this site. Check it, then send it.';
const CONFIRM_AGAIN =
  'Your browser did not send this site’s form cookie back, so your report is still not sent. Allow cookies for this site, then send it.';

/** A report that came without a form token, shown again to be confirmed (decision 035). */
const confirmState = (again: boolean): ReportState =>
  again ? { done: false, error: CONFIRM_AGAIN, confirm: 'again' } : { done: false, error: null, confirm: 'first' };

/** The report's reasons: none chosen beforehand, each radio beside its label; `error` when none was sent. */
function ReasonChoices(props: { reason?: ReportReason; error?: string }) {
  return (
    <fieldset
      class={props.error ? 'field field--error report-reasons' : 'field report-reasons'}
      aria-describedby={props.error ? 'reason-error' : undefined}
      aria-invalid={props.error ? 'true' : undefined}
    >
      <legend>What is wrong with it?</legend>
      {props.error ? (
        <p class="field__error" id="reason-error">
          {props.error}
        </p>
      ) : null}
      {REPORT_REASONS.map((r) => (
        <p key={r} class="report-reason">
          <input type="radio" name="reason" id={`reason-${r}`} value={r} checked={r === props.reason} required />
          <label for={`reason-${r}`}>{REASON_LABELS[r]}</label>
        </p>
      ))}
    </fieldset>
  );
}

function ReportView(props: { id: number; author: string; slug: string } & ReportState) {
  return (
    <section class="report-page" aria-labelledby="report-title">
      <h1 id="report-title" class="page-title">
        {props.confirm ? 'Confirm your report' : 'Report a comment'}
      </h1>
      {props.done ? (
        <p role="status">
          Thank you. A moderator will look at the comment by {props.author}.{' '}
          <a href={`/${props.slug}/#comment-${props.id}`}>Back to the discussion</a>.
        </p>
      ) : (
        <form method="post" action={`/comments/${props.id}/report`} class="comment-form">
          <p>
            You are reporting <a href={`/${props.slug}/#comment-${props.id}`}>the comment by {props.author}</a>. Reports
            are read by people, and enough of them hide a comment until a moderator has looked at it.
          </p>
          {props.confirm === 'first' ? <p>{CONFIRM_REPORT}</p> : null}
          {props.error ? (
            <div class="form-alert" role="alert">
              <p>{props.error}</p>
            </div>
          ) : null}
          <ReasonChoices reason={props.reason} error={props.reasonError} />
          <TextareaField
            id="report-note"
            name="note"
            label="Anything a moderator should know (optional)"
            error={props.noteError}
            value={props.note ?? ''}
            rows={3}
            maxLength={REPORT_NOTE_MAX}
          />
          <p>
            <button type="submit" name="intent" value={props.confirm ? 'confirm' : undefined}>
              Send report
            </button>
          </p>
        </form>
      )}
    </section>
  );
}

interface CommentJson {
  id: number;
  parent_id: number | null;
  author: { name: string; url: string | null };
  html: string;
  created_at: string;
  url: string;
}

/** Reports, comment feeds and the comments part of the JSON API. */
export function registerCommentRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const r = typed(app);
  const commentDeps = () => ({ ...deps.content, baseUrl: deps.baseUrl });
  const secure = deps.baseUrl.startsWith('https:');

  async function approvedComment(req: { params: Static<typeof CommentIdParams> }) {
    const raw = req.params.id;
    const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : Number.NaN;
    const found = Number.isNaN(id) ? undefined : await findApprovedComment(deps.content, id);
    if (!found) throw new AppError('NOT_FOUND', 'That comment is not there.');
    return { c: found.comment, slug: found.slug };
  }

  type Reported = Awaited<ReturnType<typeof approvedComment>>;
  const reportPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    { c, slug }: Reported,
    state: ReportState,
    status = 200,
  ) => {
    return sendPage(
      ctx,
      req,
      reply,
      () => ({
        head: { title: 'Report a comment', path: `/comments/${c.id}/report`, noindex: true },
        body: <ReportView id={c.id} author={c.author_name} slug={slug} {...state} />,
      }),
      status,
    );
  };

  // A comment's permalink that works without JavaScript wherever the comment sits: to its comments page.
  const byId = { schema: { params: CommentIdParams } };
  r.get('/comments/:id', byId, async (req, reply) => {
    const { c, slug } = await approvedComment(req);
    const page = await pageOfComment(deps.content, { postId: c.post_id, commentId: c.id });
    return reply
      .code(303)
      .header('cache-control', 'no-store')
      .header('location', `/${slug}/${page > 1 ? `?cpage=${page}` : ''}#comment-${c.id}`)
      .send();
  });

  // The report form is a page of its own, never cached: it brings the reader a form token if they have none.
  r.get('/comments/:id/report', byId, async (req, reply) => {
    const reported = await approvedComment(req);
    const now = deps.content.clock.now();
    reply.header('cache-control', 'no-store');
    if (!checkFormToken(req, await ctx.secret(), now)) issueFormToken(reply, await ctx.secret(), now, secure);
    return reportPage(req, reply, reported, { done: false, error: null });
  });
  r.post('/comments/:id/report', { schema: { params: CommentIdParams, body: ReportForm } }, async (req, reply) => {
    const reported = await approvedComment(req);
    const { c } = reported;
    const reason = REPORT_REASONS.find((x) => x === req.body.reason);
    const note = req.body.note ?? '';
    const kept = { reason, note };
    if (!reason) {
      const reasonError = 'Choose what is wrong with the comment.';
      const state = { done: false, error: 'Your report is not sent: choose a reason.', reasonError, ...kept };
      return reportPage(req, reply, reported, state, HTTP_ERRORS.INVALID_FORM.status);
    }
    if (note.length > REPORT_NOTE_MAX) {
      const noteError = `A note can be at most ${REPORT_NOTE_MAX.toLocaleString('en-GB')} characters.`;
      const state = { done: false, error: 'Please shorten your note; it is kept below.', noteError, ...kept };
      return reportPage(req, reply, reported, state, HTTP_ERRORS.INVALID_FORM.status);
    }
    try {
      const now = deps.content.clock.now();
      if (!(await checkReaderPost(ctx, req, now, {}))) {
        // No token: nothing is sent until the reader confirms, with the fresh one this answer brings.
        await issueShownBackToken(ctx, reply, now);
        reply.header('cache-control', 'no-store');
        return reportPage(req, reply, reported, { ...confirmState(req.body.intent === 'confirm'), ...kept });
      }
      await reportComment(commentDeps(), { commentId: c.id, reporter: req.ip, reason, note });
      return reportPage(req, reply, reported, { done: true, error: null });
    } catch (err) {
      if (!isAppError(err)) throw err;
      const state = { done: false, error: err.publicMessage, ...kept };
      return reportPage(req, reply, reported, state, HTTP_ERRORS[err.code].status);
    }
  });

  // Comment feeds (RSS 2.0): the whole site's, and one article's.
  const commentsFeed = async (
    req: FastifyRequest,
    reply: FastifyReply,
    post: { id: number; slug: string; title: string } | null,
  ) => {
    const site = await getSiteSettings(deps.content);
    const rows = await listRecentComments(deps.content, {
      postId: post?.id,
      limit: 50,
      now: deps.content.clock.now().toISOString(),
    });
    const link = post ? `${deps.baseUrl}/${post.slug}/#comments` : `${deps.baseUrl}/`;
    const self = post ? `${deps.baseUrl}/${post.slug}/comments/feed/` : `${deps.baseUrl}/comments/feed/`;
    const items = rows.map((r) => {
      const url = `${deps.baseUrl}/${r.post_slug}/#comment-${r.id}`;
      return `    <item>
      <title>${xml(`${r.author_name} on ${r.post_title}`)}</title>
      <link>${xml(url)}</link>
      <guid isPermaLink="true">${xml(url)}</guid>
      <dc:creator>${xml(r.author_name)}</dc:creator>
      <pubDate>${new Date(r.created_at).toUTCString()}</pubDate>
      <description>${xml(r.body_html.replace(/href="#/g, `href="${deps.baseUrl}/${r.post_slug}/#`))}</description>
    </item>`;
    });
    const body = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${xml(post ? `Comments on ${post.title} · ${site.title}` : `Comments · ${site.title}`)}</title>
    <link>${xml(link)}</link>
    <description>${xml(post ? `The discussion under ${post.title}` : `The latest comments on ${site.title}`)}</description>
    <language>${xml(site.locale)}</language>
    <atom:link href="${xml(self)}" rel="self" type="application/rss+xml"/>
${items.join('\n')}
  </channel>
</rss>
`;
    return sendBody(ctx, req, reply, { status: 200, contentType: 'application/rss+xml; charset=utf-8', body });
  };

  async function visiblePost(slug: string) {
    const post = isSlug(slug) ? await findVisibleArticle(deps.content, slug) : undefined;
    if (!post) {
      throw new AppError('POST_NOT_FOUND', 'There is no article at this address.');
    }
    return post;
  }

  app.get('/comments/feed/', cached(), (req, reply) => {
    dependsOn(req, changeKeys.comments);
    return commentsFeed(req, reply, null);
  });
  r.get('/:slug/comments/feed/', cached({ schema: { params: SlugParams } }), async (req, reply) => {
    const post = await visiblePost(req.params.slug);
    dependsOn(req, changeKeys.post(post.id), changeKeys.postComments(post.id), changeKeys.postsOrder);
    return commentsFeed(req, reply, post);
  });

  // JSON API: list and create. Creating goes through the same checks, pipeline and limits as the form.
  const apiList = { schema: { params: ApiSlugParams, querystring: CommentListQuery } };
  r.get('/api/v1/posts/:slug/comments', cached(apiList), async (req, reply) => {
    const post = await visiblePost(req.params.slug);
    dependsOn(req, changeKeys.post(post.id), changeKeys.postComments(post.id), changeKeys.postsOrder);
    const q = req.query;
    const settings = await getModerationSettings(deps.content);
    const page = await listArticleComments(deps.content, {
      postId: post.id,
      order: 'oldest',
      page: parsePageNumber(q.page),
      displayDepth: settings.displayDepth,
      perPage: 100,
    });
    const comments: CommentJson[] = page.items.map((c) => ({
      id: c.id,
      parent_id: c.inReplyTo?.id ?? null,
      author: { name: c.authorName, url: c.authorUrl },
      html: c.html,
      created_at: c.createdAt,
      url: `${deps.baseUrl}/${post.slug}/#comment-${c.id}`,
    }));
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ comments, page: page.page, total: page.total, total_pages: page.pageCount }),
    });
  });

  /** Reads a JSON comment body into a submission; the same checks as the form follow in the workflow. */
  /** Reads a JSON comment body (validated by CommentJsonBody) into a submission; the workflow checks the rest. */
  async function apiSubmission(
    req: FastifyRequest & { params: Static<typeof SlugParams>; body: Static<typeof CommentJsonBody> },
  ) {
    const { slug } = req.params;
    refuseCrossOrigin(req, deps.baseUrl, 'Comments cannot be posted from another site.');
    const b = req.body;
    const str = (k: 'name' | 'email' | 'url' | 'body' | 'quote' | 'homepage'): string => b[k] ?? '';
    const parentId = b.parent_id ?? null;
    const token = checkFormToken(req, await ctx.secret(), deps.content.clock.now());
    const submission: CommentSubmission = {
      postSlug: slug,
      parentId,
      quote: parentId !== null && str('quote') ? { commentId: parentId, text: str('quote') } : null,
      authorName: str('name'),
      authorEmail: str('email'),
      authorUrl: str('url'),
      body: str('body'),
      honeypot: str('homepage'),
      notifyReplies: b.notify === true,
      ip: req.ip,
      userAgent: String(req.headers['user-agent'] ?? ''),
      // Without a form token the issue time is unknown, and the pipeline treats that as too fast (a script's).
      formIssuedAt: token?.issuedAt ?? null,
      formToken: token?.token ?? null,
      commenterToken: commenterToken(req),
      // A signed-in writer (the form shows no name or email fields to them) comments under their account.
      user: await signedInUser(ctx, req),
    };
    return { submission, token };
  }

  const apiPost = { schema: { params: ApiSlugParams, body: CommentJsonBody } };
  r.post('/api/v1/posts/:slug/comments/preview', apiPost, async (req, reply) => {
    if (await ctx.previewLimit.exceeded(req.ip, deps.content.clock.now().getTime())) {
      throw new AppError('RATE_LIMITED', 'You have checked a lot of comments in the last minute. Wait a little.');
    }
    const { submission } = await apiSubmission(req);
    const warnings = await previewComment(commentDeps(), submission);
    return reply.send({ warnings: warnings.map((w) => ({ code: w.code, message: w.message })) });
  });

  r.post('/api/v1/posts/:slug/comments', apiPost, async (req, reply) => {
    const { submission, token } = await apiSubmission(req);
    if (await ctx.postLimit.exceeded(req.ip, deps.content.clock.now().getTime())) {
      throw new AppError(
        'RATE_LIMITED',
        'You have sent a lot of comments in the last minute. Wait a little, then send this one again.',
      );
    }
    const result = await submitComment(commentDeps(), submission);
    if (token) issueFormToken(reply, await ctx.secret(), deps.content.clock.now(), secure);
    setCommenterCookie(reply, result.commenterToken, secure);
    const approved = result.status === 'approved';
    return reply.code(201).send({
      comment: {
        id: result.id,
        status: approved ? 'approved' : 'held',
        url: approved ? `${deps.baseUrl}/${result.postSlug}/#comment-${result.id}` : null,
        parent_id: submission.parentId,
        // What the comment island shows at once, in place (decision 052); null when held.
        html: approved ? await postedHtml(result, submission.parentId) : null,
        // For the writer's browser alone: what it shows their comment with while it waits (held-comments.routes.ts).
        key: approved ? null : heldCommentKey(await ctx.secret(), result.id),
      },
    });
  });

  /** An approved comment as the discussion shows it, alone (null if it is gone already). */
  async function postedHtml(posted: { id: number; postId: number; postSlug: string }, parentId: number | null) {
    const input = { postId: posted.postId, commentId: posted.id, parentId };
    const [view, site] = await Promise.all([findCommentView(deps.content, input), getSiteSettings(deps.content)]);
    return view ? singleCommentHtml(view, { slug: posted.postSlug, site }) : null;
  }
}
