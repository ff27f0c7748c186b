import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findSession } from '../../modules/accounts/accounts.service.ts';
import { findComment } from '../../modules/comments/comment-lookup.service.ts';
import { renderStoredComment } from '../../modules/comments/comment-markdown.ts';
import {
  listArticleComments,
  pageOfComment,
  parseCommentOrder,
} from '../../modules/comments/comment-thread.service.ts';
import type { Article } from '../../modules/content/content.types.ts';
import { getArticleBySlug } from '../../modules/content/reading.service.ts';
import { findPostHeader } from '../../modules/content/site-index.service.ts';
import { listArticleCorrections } from '../../modules/corrections/corrections-log.service.ts';
import type { CorrectionLogEntry } from '../../modules/corrections/corrections-log.types.ts';
import { getMentionCards, type MentionCard } from '../../modules/history/mention-cards.ts';
import { articleMap } from '../../modules/history/place-maps.ts';
import { getArticleTimeline } from '../../modules/history/timeline.service.ts';
import type { ModerationSettings } from '../../modules/moderation/moderation.types.ts';
import { getModerationSettings } from '../../modules/moderation/moderation-settings.ts';
import {
  type CommentSubmission,
  previewComment,
  submitComment,
} from '../../modules/moderation/submit-comment.workflow.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { commenterToken, setCommenterCookie } from '../discussion/commenter-cookie.ts';
import {
  type CommentFormState,
  CommentsSection,
  emptyCommentForm,
  FORM_MESSAGE_ID,
  ROUTINE_HOLDS,
} from '../discussion/comments.views.tsx';
import { sendCommentConfirm } from '../discussion/confirm-comment.tsx';
import { CommentForm } from '../discussion/discussion.schemas.ts';
import { redirect, slugParam } from '../kit/addresses.ts';
import {
  COMMENTS_SCRIPT_URL,
  CORRECTIONS_SCRIPT_URL,
  FOOTNOTES_SCRIPT_URL,
  MENTION_CARDS_SCRIPT_URL,
  TIMELINE_SCRIPT_URL,
} from '../kit/assets.ts';
import { readCookie, SESSION_COOKIE } from '../kit/cookies.ts';
import { issueFormToken } from '../kit/form-token.ts';
import { HTTP_ERRORS } from '../kit/http-errors.ts';
import { dependsOnArticle, dependsOnShown, keepUntil } from '../kit/page-pipeline.ts';
import { checkReaderPost, issueShownBackToken } from '../kit/reader-post.ts';
import { sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { postUrl } from '../ui/format.ts';
import { KeptArticleView, keptArticleHead } from './article.views.tsx';
import { ArticleQuery, SlugParams } from './reader.schemas.ts';

type Query = Static<typeof ArticleQuery>;

/** An article that mentions nothing: one array, so its kept view is found again (article.views.tsx). */
const NO_CARDS: readonly MentionCard[] = Object.freeze([]);

/** A static page's log: always this one, so its view, kept for the page (article.views.tsx), is found again. */
const NO_CORRECTIONS: CorrectionLogEntry[] = Object.freeze([]) as unknown as CorrectionLogEntry[];

/** Whether an article takes comments now: its own switch, then the site's "close after N days". */
export function commentsOpen(
  article: Pick<Article, 'commentsOpen' | 'publishedAt'>,
  settings: ModerationSettings,
  now: Date,
): boolean {
  if (!article.commentsOpen) return false;
  if (settings.closeAfterDays <= 0) return true;
  return now.getTime() - new Date(article.publishedAt).getTime() < settings.closeAfterDays * 86_400_000;
}

/** The signed-in user behind this request's session cookie, if any: they comment without retyping. */
export async function signedInUser(ctx: WebContext, req: FastifyRequest): Promise<CommentFormState['user']> {
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (!token) return null;
  const found = await findSession(ctx.deps.content, token);
  return found ? { id: found.user.id, name: found.user.name, email: found.user.email } : null;
}

/** Renders the article page with its discussion; the form shows `form` (a writer's values and errors after a failed post). */
async function sendArticle(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  article: Article,
  opts: { form?: CommentFormState; status?: number; query: Query },
) {
  const { deps } = ctx;
  const q = opts.query;
  let discussion: {
    page: Awaited<ReturnType<typeof listArticleComments>>;
    form: CommentFormState;
    open: boolean;
  } | null = null;
  if (article.type === 'post') {
    const settings = await getModerationSettings(deps.content);
    const order = parseCommentOrder(q.corder);
    const page = await listArticleComments(deps.content, {
      postId: article.id,
      order,
      page: q.cpage === undefined ? 1 : parsePageNumber(q.cpage),
      displayDepth: settings.displayDepth,
    });
    const form = opts.form ?? emptyCommentForm();
    form.user ??= await signedInUser(ctx, req);
    const replyToId = opts.form || !q.replyto ? null : Number(q.replyto);
    if (replyToId !== null) {
      const parent = await findComment(deps.content, replyToId);
      if (parent && parent.post_id === article.id && parent.status === 'approved') {
        form.replyTo = replyTarget(parent);
        form.values.parentId = String(parent.id);
        if (q.quote === '1') form.values.quote = (await renderStoredComment(parent.body_md)).text.replace(/\s+/g, ' ');
      }
    }
    discussion = { page, form, open: commentsOpen(article, settings, deps.content.clock.now()) };
    // A page showing the comment form must not be served once the discussion closes by itself.
    if (discussion.open && settings.closeAfterDays > 0)
      keepUntil(req, new Date(article.publishedAt).getTime() + settings.closeAfterDays * 86_400_000);
  }
  const corrections = article.type === 'post' ? await listArticleCorrections(deps.content, article.id) : NO_CORRECTIONS;
  const timeline = article.type === 'post' ? await getArticleTimeline(deps.content, article.id) : undefined;
  const map = article.type === 'post' ? await articleMap(deps.content, article.id) : undefined;
  const mentionCards = article.bodyHtml.includes('data-entity=')
    ? await getMentionCards(deps.content, article.id)
    : NO_CARDS;
  return sendPage(
    ctx,
    req,
    reply,
    (site) => ({
      head: {
        ...keptArticleHead(article, site, deps.baseUrl, corrections),
        scripts: [
          ...(discussion?.open ? [COMMENTS_SCRIPT_URL] : []),
          ...(article.type === 'post' ? [CORRECTIONS_SCRIPT_URL] : []),
          ...noteScripts(article),
          ...(mentionCards.length > 0 ? [MENTION_CARDS_SCRIPT_URL] : []),
          ...(timeline && timeline.length > 0 ? [TIMELINE_SCRIPT_URL] : []),
        ],
      },
      body: (
        <>
          <KeptArticleView
            article={article}
            site={site}
            baseUrl={deps.baseUrl}
            corrections={corrections}
            timeline={timeline}
            map={map}
            mentionCards={mentionCards}
          />
          {discussion ? (
            <CommentsSection
              slug={article.slug}
              page={discussion.page}
              open={discussion.open}
              form={discussion.form}
              notice={q.posted === 'held' ? 'held' : null}
              site={site}
            />
          ) : null}
        </>
      ),
    }),
    opts.status ?? 200,
  );
}

/** The note-preview island, for an article with notes (issue 16). */
const noteScripts = (article: Article): string[] =>
  article.bodyHtml.includes('data-footnote-ref') ? [FOOTNOTES_SCRIPT_URL] : [];

/** The comment a form answers, shown above it (its sanitised HTML, as the discussion shows it). */
const replyTarget = (c: { id: number; author_name: string; body_html: string; created_at: string }) => ({
  id: c.id,
  authorName: c.author_name,
  html: c.body_html,
  createdAt: c.created_at,
});

/** The writer's values, whole (never cut), so that a failed post never loses their text. */
function formFromBody(body: Static<typeof CommentForm>): CommentFormState['values'] {
  return {
    name: body.name ?? '',
    email: body.email ?? '',
    url: body.url ?? '',
    body: body.body,
    quote: body.quote ?? '',
    parentId: body.parent_id ?? '',
    notify: body.notify === '1',
  };
}

/** "Check before posting"'s answer: the form as it was, and why the comment may be held, if it may. */
function checkedForm(values: CommentFormState['values'], warnings: { code: string; message: string }[]) {
  const form = emptyCommentForm();
  form.values = values;
  // The holds every newcomer meets are information; the others say what in the comment may hold it.
  form.routine = warnings.filter((w) => ROUTINE_HOLDS.has(w.code)).map((w) => w.message);
  form.warnings = warnings.filter((w) => !ROUTINE_HOLDS.has(w.code)).map((w) => w.message);
  form.message =
    warnings.length === 0 ? 'Nothing in your comment would hold it back. Post it when you are ready.' : null;
  return form;
}

/** The form shown again with the writer's values, replying to the same comment if it is still shown there. */
async function keptForm(
  ctx: WebContext,
  values: CommentFormState['values'],
  postId: number | undefined,
): Promise<CommentFormState> {
  const form = emptyCommentForm();
  form.values = values;
  const parent =
    values.parentId && /^\d{1,10}$/.test(values.parentId)
      ? await findComment(ctx.deps.content, Number(values.parentId))
      : undefined;
  if (parent && parent.post_id === postId && parent.status === 'approved') form.replyTo = replyTarget(parent);
  else form.values.parentId = '';
  return form;
}

/** The article page (GET) and posting a comment to it without JavaScript (POST, then 303). */
export function registerArticleRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const r = typed(app);

  r.get('/:slug/', cached({ schema: { params: SlugParams, querystring: ArticleQuery } }), async (req, reply) => {
    const slug = slugParam(req);
    const found = await getArticleBySlug(deps.content, { slug });
    if (found.kind === 'redirect') return redirect(ctx, req, reply, postUrl(found.slug));
    const { article } = found;
    dependsOnArticle(req, article.id, [article.previous?.id, article.next?.id]);
    // Its breadcrumb and "Previous in …", its tags, and its notes and bibliography.
    dependsOnShown(req, {
      categories: [...article.breadcrumb, ...(article.category ? [article.category] : [])],
      tags: article.tags,
      sources: article.citedKeys,
    });
    return sendArticle(ctx, req, reply, article, { query: req.query });
  });

  r.post('/:slug/comments', { schema: { params: SlugParams, body: CommentForm } }, async (req, reply) => {
    const slug = slugParam(req);
    // The whole article is loaded only to show the form again; posting needs just the post's id.
    const post = await findPostHeader(deps.content, slug);
    if (!post) {
      const found = await getArticleBySlug(deps.content, { slug });
      if (found.kind === 'redirect') return redirect(ctx, req, reply, postUrl(found.slug));
    }
    const article = async () => {
      const found = await getArticleBySlug(deps.content, { slug });
      if (found.kind === 'redirect') throw new AppError('POST_NOT_FOUND', 'There is no article at this address.');
      return found.article;
    };
    const body = req.body;
    const values = formFromBody(body);
    const now = deps.content.clock.now();
    const secure = deps.baseUrl.startsWith('https:');
    try {
      const token = await checkReaderPost(ctx, req, now, {
        rateLimited: 'You have sent a lot of comments in the last minute. Wait a little, then send this one again.',
      });
      // Without a token (none yet, JavaScript off, or expired) the comment waits for the writer to confirm it;
      // "Check before posting" stores nothing and needs none.
      if (!token && body.intent !== 'check') {
        const form = await keptForm(ctx, values, post?.id);
        form.user = await signedInUser(ctx, req);
        return sendCommentConfirm(ctx, req, reply, {
          article: await article(),
          form,
          again: body.intent === 'confirm',
        });
      }
      const parentId = values.parentId ? Number(values.parentId) : null;
      if (parentId !== null && !Number.isSafeInteger(parentId))
        throw new AppError('PARENT_NOT_FOUND', 'The comment you replied to is not on this article.');
      const submission: CommentSubmission = {
        postSlug: slug,
        post,
        parentId,
        quote: parentId !== null && values.quote ? { commentId: parentId, text: values.quote } : null,
        authorName: values.name,
        authorEmail: values.email,
        authorUrl: values.url,
        body: values.body,
        honeypot: body.homepage ?? '',
        notifyReplies: values.notify,
        ip: req.ip,
        userAgent: String(req.headers['user-agent'] ?? ''),
        formIssuedAt: token?.issuedAt ?? null,
        formToken: token?.token ?? null,
        commenterToken: commenterToken(req),
        user: await signedInUser(ctx, req),
      };
      if (body.intent === 'check') {
        // "Check first": say why the comment may be held, store nothing, and keep the form as it was.
        const warnings = await previewComment({ ...deps.content, baseUrl: deps.baseUrl }, submission);
        const form = checkedForm(values, warnings);
        const parent = parentId === null ? undefined : await findComment(deps.content, parentId);
        if (parent && parent.post_id === post?.id && parent.status === 'approved') form.replyTo = replyTarget(parent);
        // The form comes back with the writer's text: a token for sending it, if they had none.
        if (!token) await issueShownBackToken(ctx, reply, now);
        return sendArticle(ctx, req, reply, await article(), { form, query: {} });
      }
      const result = await submitComment({ ...deps.content, baseUrl: deps.baseUrl }, submission);
      issueFormToken(reply, await ctx.secret(), now, secure);
      setCommenterCookie(reply, result.commenterToken, secure);
      if (result.status !== 'approved')
        return reply.code(303).header('location', `/${slug}/?posted=held#${FORM_MESSAGE_ID}`).send();
      const page = result.page ?? (await pageOfComment(deps.content, { postId: result.postId, commentId: result.id }));
      return reply
        .code(303)
        .header('location', `/${slug}/${page > 1 ? `?cpage=${page}` : ''}#comment-${result.id}`)
        .send();
    } catch (err) {
      if (!isAppError(err)) throw err;
      // Every refusal re-shows the article with the writer's text and the reason; nothing was stored. The fresh
      // token comes with their text shown back (kit/form-token.ts: shownBackIssueTime).
      await issueShownBackToken(ctx, reply, now);
      const form = await keptForm(ctx, values, post?.id);
      form.message = err.publicMessage;
      form.errors = err.fields ?? {};
      return sendArticle(ctx, req, reply, await article(), { form, status: HTTP_ERRORS[err.code].status, query: {} });
    }
  });
}
