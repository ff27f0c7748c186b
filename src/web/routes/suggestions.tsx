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
import { checkFormToken, issueFormToken } from '../form-token.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { sendPage } from '../render.tsx';
import { postUrl } from '../views/format.ts';
import {
  emptySuggestionForm,
  SuggestCorrectionPage,
  type SuggestionFormState,
  SuggestionSentPage,
  suggestSentUrl,
  suggestUrl,
} from '../views/suggest-correction.tsx';
import type { WebContext } from '../web-deps.ts';
import { formString, sameOrigin, signedInUser } from './article.tsx';

type Fields = Record<string, unknown>;

/** The reader's values, kept so a refusal never loses their text. */
function valuesOf(body: Fields): SuggestionFormState['values'] {
  return {
    quote: formString(body, 'quote', 4000),
    exact: formString(body, 'exact', 4000),
    prefix: formString(body, 'prefix', 200),
    suffix: formString(body, 'suffix', 200),
    start: formString(body, 'start', 12),
    end: formString(body, 'end', 12),
    problem: formString(body, 'problem', 10_000),
    proposed: formString(body, 'proposed', 10_000),
    source: formString(body, 'source', 4000),
    name: formString(body, 'name', 500),
    email: formString(body, 'email', 500),
    credit: formString(body, 'credit', 10) === '1',
    notify: formString(body, 'notify', 10) === '1',
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

/** The form page is personal (a form cookie, a signed-in name): never kept in the page cache. */
function sendForm(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  article: Pick<Article, 'slug' | 'title'>,
  form: SuggestionFormState,
  status = 200,
) {
  req.cacheVersion = undefined;
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
export function registerSuggestionRoutes(
  app: FastifyInstance,
  ctx: WebContext,
  helpers: {
    redirect: (ctx: WebContext, req: FastifyRequest, reply: FastifyReply, location: string) => FastifyReply;
    slugParam: (req: FastifyRequest) => string;
  },
): void {
  const { deps } = ctx;
  const secure = deps.baseUrl.startsWith('https:');

  /** The article a suggestion is for (posts only), or a redirect to its new address. */
  async function articleFor(req: FastifyRequest, reply: FastifyReply, to: (slug: string) => string) {
    const slug = helpers.slugParam(req);
    const found = await getArticleBySlug(deps.content, { slug });
    if (found.kind === 'redirect') return { redirected: helpers.redirect(ctx, req, reply, to(found.slug)) };
    if (found.article.type !== 'post')
      throw new AppError('POST_NOT_FOUND', 'Corrections are suggested on articles only.', { detail: slug });
    return { article: found.article };
  }

  app.get('/:slug/corrections/new', async (req, reply) => {
    const found = await articleFor(req, reply, suggestUrl);
    if (!found.article) return found.redirected;
    const { article } = found;
    const form = emptySuggestionForm();
    form.user = await signedInUser(ctx, req);
    const q = valuesOf(req.query as Fields);
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
  });

  app.post('/:slug/corrections/new', async (req, reply) => {
    const found = await articleFor(req, reply, suggestUrl);
    if (!found.article) return found.redirected;
    const { article } = found;
    const body = (req.body ?? {}) as Fields;
    const values = valuesOf(body);
    const user = await signedInUser(ctx, req);
    const now = deps.content.clock.now();
    const secret = await ctx.secret();
    const form = emptySuggestionForm();
    form.values = values;
    form.user = user;
    if (formString(body, 'intent', 10) === 'edit') {
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
      if (!sameOrigin(req, deps.baseUrl))
        throw new AppError('CROSS_ORIGIN_REQUEST', 'This form was sent from another site, so it was not accepted.');
      if (await ctx.postLimit.exceeded(req.ip, now.getTime()))
        throw new AppError(
          'RATE_LIMITED',
          'You have sent a lot in the last minute. Wait a little, then send this again.',
        );
      const token = checkFormToken(req, secret, now);
      if (!token)
        throw new AppError(
          'FORM_TOKEN_MISSING',
          'Your browser did not send back the form cookie. Allow cookies for this site, then send the form again; your text is kept below.',
        );
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
          honeypot: formString(body, 'homepage', 500),
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
      issueFormToken(reply, secret, now, secure);
      form.message = err.publicMessage;
      form.errors = err.fields ?? {};
      return sendForm(ctx, req, reply, article, form, HTTP_ERRORS[err.code].status);
    }
  });

  app.get('/:slug/corrections/sent', async (req, reply) => {
    const found = await articleFor(req, reply, suggestSentUrl);
    if (!found.article) return found.redirected;
    const q = req.query as Fields;
    req.cacheVersion = undefined;
    return sendPage(ctx, req, reply, () => ({
      head: { title: 'Thank you for your suggestion', path: postUrl(found.article.slug), noindex: true },
      body: <SuggestionSentPage article={found.article} held={q.held === '1'} confirmationSent={q.confirm === '1'} />,
    }));
  });
}
