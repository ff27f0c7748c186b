import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Article } from '../../modules/content/content.types.ts';
import { getArticleBySlug } from '../../modules/content/reading.service.ts';
import { articleText } from '../../modules/corrections/anchoring.ts';
import {
  locatePassage,
  type PassageInput,
  submitSuggestion,
} from '../../modules/corrections/submit-suggestion.workflow.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { redirect, type SlugRequest, slugParam } from '../kit/addresses.ts';
import { checkFormToken, issueFormToken } from '../kit/form-token.ts';
import { HTTP_ERRORS } from '../kit/http-errors.ts';
import { checkReaderPost, issueShownBackToken } from '../kit/reader-post.ts';
import { sendPage } from '../kit/render.tsx';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { signedInUser } from '../reader/article.routes.tsx';
import { SlugParams } from '../reader/reader.schemas.ts';
import { postUrl } from '../ui/format.ts';
import { SentQuery, SuggestionForm, SuggestionQuery } from './evidence.schemas.ts';
import {
  emptySuggestionForm,
  SuggestCorrectionPage,
  type SuggestionFormState,
  SuggestionSentPage,
  suggestSentUrl,
  suggestUrl,
} from './suggest-correction.views.tsx';

type Fields = Static<typeof SuggestionQuery> & Partial<Static<typeof SuggestionForm>>;

/** The reader's values, whole (never cut), kept so a refusal never loses their text. */
function valuesOf(body: Fields): SuggestionFormState['values'] {
  return {
    quote: body.quote ?? '',
    exact: body.exact ?? '',
    prefix: body.prefix ?? '',
    suffix: body.suffix ?? '',
    start: body.start ?? '',
    end: body.end ?? '',
    problem: body.problem ?? '',
    proposed: body.proposed ?? '',
    source: body.source ?? '',
    name: body.name ?? '',
    email: body.email ?? '',
    credit: body.credit === '1',
    notify: body.notify === '1',
  };
}

const position = (s: string) => (/^\d{1,9}$/.test(s) ? Number(s) : 0);

function passageOf(v: SuggestionFormState['values']): PassageInput {
  return {
    selectors: v.exact
      ? { exact: v.exact, prefix: v.prefix, suffix: v.suffix, start: position(v.start), end: position(v.end) }
      : null,
    typed: v.quote,
  };
}

const CONFIRM_AGAIN =
  'Your browser did not send this site’s form cookie back, so your suggestion is still not sent. Allow cookies for this site, then send it; your text is kept below.';

/** The form page is personal (a form cookie, a signed-in name): never kept in the page cache. */
function sendForm(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  article: Pick<Article, 'slug' | 'title'>,
  form: SuggestionFormState,
  status = 200,
) {
  reply.header('cache-control', 'no-store');
  return sendPage(
    ctx,
    req,
    reply,
    () => ({
      head: { title: `Suggest a correction: ${article.title}`, path: suggestUrl(article.slug), noindex: true },
      body: <SuggestCorrectionPage article={article} form={form} />,
    }),
    status,
  );
}

/**
 * Readers' correction suggestions: the form page (GET, prefilled by the selection island through the query
 * string), sending it (POST: origin, rate limit, form token, then the workflow), and the thank-you page.
 */
export function registerSuggestionRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const r = typed(app);
  const secure = deps.baseUrl.startsWith('https:');

  /** The article a suggestion is for (posts only), or a redirect to its new address. */
  async function articleFor(req: FastifyRequest & SlugRequest, reply: FastifyReply, to: (slug: string) => string) {
    const slug = slugParam(req);
    const found = await getArticleBySlug(deps.content, { slug });
    if (found.kind === 'redirect') return { redirected: redirect(ctx, req, reply, to(found.slug)) };
    if (found.article.type !== 'post')
      throw new AppError('POST_NOT_FOUND', 'Corrections are suggested on articles only.', { detail: slug });
    return { article: found.article };
  }

  r.get(
    '/:slug/corrections/new',
    { schema: { params: SlugParams, querystring: SuggestionQuery } },
    async (req, reply) => {
      const found = await articleFor(req, reply, suggestUrl);
      if (!found.article) return found.redirected;
      const { article } = found;
      const form = emptySuggestionForm();
      form.user = await signedInUser(ctx, req);
      const q = valuesOf(req.query);
      if (q.exact || q.quote) {
        // Opened from a selection: show the passage as a quote if it is in the article, else let the reader type it.
        const located = locatePassage(articleText(article.bodyHtml), passageOf(q));
        if (located.kind === 'found') {
          const [quote, pos] = located.selectors;
          Object.assign(form.values, {
            exact: quote.exact,
            prefix: quote.prefix,
            suffix: quote.suffix,
            start: String(pos.start),
            end: String(pos.end),
          });
        } else form.values.quote = q.exact || q.quote;
      }
      const now = deps.content.clock.now();
      if (!checkFormToken(req, await ctx.secret(), now)) issueFormToken(reply, await ctx.secret(), now, secure);
      return sendForm(ctx, req, reply, article, form);
    },
  );

  r.post('/:slug/corrections/new', { schema: { params: SlugParams, body: SuggestionForm } }, async (req, reply) => {
    const found = await articleFor(req, reply, suggestUrl);
    if (!found.article) return found.redirected;
    const { article } = found;
    const body = req.body;
    const values = valuesOf(body);
    const user = await signedInUser(ctx, req);
    const now = deps.content.clock.now();
    const secret = await ctx.secret();
    const form = emptySuggestionForm();
    form.values = values;
    form.user = user;
    if (body.intent === 'edit') {
      // "Change what I quoted": back to the text box with what the reader typed (or the chosen passage).
      form.values = {
        ...values,
        quote: values.quote || values.exact,
        exact: '',
        prefix: '',
        suffix: '',
        start: '',
        end: '',
      };
      return sendForm(ctx, req, reply, article, form);
    }
    try {
      const token = await checkReaderPost(ctx, req, now, {
        rateLimited: 'You have sent a lot in the last minute. Wait a little, then send this again.',
      });
      if (!token) {
        // Nothing is sent until the reader confirms, with the fresh token this answer brings (decision 035).
        await issueShownBackToken(ctx, reply, now);
        form.confirmSend = body.intent === 'confirm' ? 'again' : 'first';
        if (form.confirmSend === 'again') form.message = CONFIRM_AGAIN;
        return sendForm(ctx, req, reply, article, form);
      }
      const result = await submitSuggestion(
        { db: deps.content.db, clock: deps.content.clock, baseUrl: deps.baseUrl },
        {
          postSlug: article.slug,
          passage: passageOf(values),
          problem: values.problem,
          proposed: values.proposed,
          source: values.source,
          authorName: values.name,
          authorEmail: values.email,
          creditOk: values.credit,
          notify: values.notify,
          honeypot: body.homepage ?? '',
          ip: req.ip,
          userAgent: String(req.headers['user-agent'] ?? ''),
          formIssuedAt: token.issuedAt,
          formToken: token.token,
          user,
        },
      );
      if (result.outcome === 'confirm') {
        // Nothing stored and the token not used: the reader confirms the passage with the same form.
        const [quote, pos] = result.selectors;
        form.values = {
          ...values,
          exact: quote.exact,
          prefix: quote.prefix,
          suffix: quote.suffix,
          start: String(pos.start),
          end: String(pos.end),
        };
        form.confirming = true;
        form.message = 'The words you quoted are not exactly in the article. Did you mean the passage below?';
        return sendForm(ctx, req, reply, article, form);
      }
      issueFormToken(reply, secret, now, secure);
      // Spam is thanked like a held suggestion: a robot learns nothing from the answer.
      const held = result.status !== 'open' ? '1' : '0';
      const confirm = result.confirmationSent ? '&confirm=1' : '';
      return reply
        .code(303)
        .header('location', `${suggestSentUrl(article.slug)}?held=${held}${confirm}`)
        .send();
    } catch (err) {
      if (!isAppError(err)) throw err;
      await issueShownBackToken(ctx, reply, now);
      form.message = err.publicMessage;
      form.errors = err.fields ?? {};
      return sendForm(ctx, req, reply, article, form, HTTP_ERRORS[err.code].status);
    }
  });

  r.get('/:slug/corrections/sent', { schema: { params: SlugParams, querystring: SentQuery } }, async (req, reply) => {
    const found = await articleFor(req, reply, suggestSentUrl);
    if (!found.article) return found.redirected;
    const q = req.query;
    return sendPage(ctx, req, reply, () => ({
      head: { title: 'Thank you for your suggestion', path: postUrl(found.article.slug), noindex: true },
      body: <SuggestionSentPage article={found.article} held={q.held === '1'} confirmationSent={q.confirm === '1'} />,
    }));
  });
}
