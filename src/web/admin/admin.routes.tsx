import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  beginSignIn,
  checkSignInLink,
  findSession,
  setPasswordWithLink,
  signOut,
} from '../../modules/accounts/accounts.service.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../modules/accounts/password.ts';
import { DEFAULT_THROTTLE_LIMITS, SignInThrottle } from '../../modules/accounts/sign-in-throttle.ts';
import {
  addBanByHand,
  BAN_KINDS,
  BAN_LIMITS,
  banCommentAuthor,
  liftBan,
  listActiveBans,
} from '../../modules/moderation/ban-list.service.ts';
import { MODERATION_REASON_CODES, type ModerationReasonCode } from '../../modules/moderation/moderation.types.ts';
import {
  bulkModerate,
  editComment,
  listQueue,
  listQueueArticles,
  MODERATION_ACTIONS,
  type ModerationDeps,
  moderateComment,
  QUEUE_STATUSES,
  type QueueQuery,
  type QueueStatus,
  replyAsModerator,
} from '../../modules/moderation/queue.service.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { HTTP_ERRORS } from '../kit/http-errors.ts';
import { loadChrome } from '../kit/render.tsx';
import { CsrfField, Form, Many, OneOf, Params, PublicQuery, StrictQuery, Text, typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { registerAccountRoutes, registerSignInStepRoutes } from './account/routes.tsx';
import { SignInCodeView } from './account/views.tsx';
import { BansView, QueueView, SignInView, WelcomeView } from './admin-pages.views.tsx';
import { registerBackupAdminRoutes } from './backups/routes.tsx';
import { registerCorrectionAdminRoutes } from './corrections/routes.tsx';
import { registerDiscussionAdminRoutes } from './discussion/routes.tsx';
import { registerEntityAdminRoutes } from './entities/routes.tsx';
import { registerEntitySuggestRoutes } from './entities/suggest.routes.ts';
import { registerExportAdminRoutes } from './export/routes.tsx';
import { registerImportAdminRoutes } from './import/routes.tsx';
import {
  type AdminKit,
  FORM_TEXT_MAX,
  IdParams,
  idParam,
  makeAdminKit,
  Notice,
  NoticeQuery,
  one,
  type Query,
  requireForScope,
  seeOther,
} from './kit.tsx';
import { noticeText } from './layout.tsx';
import { registerMediaAdminRoutes } from './media/routes.tsx';
import { registerPostAdminRoutes } from './posts/routes.tsx';
import {
  checkCsrfToken,
  checkOrigin,
  clearedSessionCookie,
  csrfFieldOf,
  csrfTokenFor,
  formOf,
  readSessionCookie,
  sessionCookie,
} from './session.ts';
import { registerSiteAdminRoutes } from './site/routes.tsx';
import { registerWordListRoutes } from './site/words.routes.tsx';
import { registerSourceAdminRoutes } from './sources/routes.tsx';
import { registerTaxonomyAdminRoutes } from './taxonomy/routes.tsx';
import { registerUserAdminRoutes } from './users/routes.tsx';

/** Every route file of the administration, registered inside the signed-in scope. */
const ADMIN_ROUTE_FILES: readonly ((staff: FastifyInstance, kit: AdminKit) => void)[] = [
  (staff, kit) => registerDiscussionAdminRoutes(staff, kit.ctx),
  registerPostAdminRoutes,
  registerSiteAdminRoutes,
  registerTaxonomyAdminRoutes,
  registerMediaAdminRoutes,
  registerUserAdminRoutes,
  registerAccountRoutes,
  registerWordListRoutes,
  registerCorrectionAdminRoutes,
  registerSourceAdminRoutes,
  registerEntityAdminRoutes,
  registerEntitySuggestRoutes,
  registerBackupAdminRoutes,
  registerExportAdminRoutes,
  registerImportAdminRoutes,
];

/** Where signing in lands: the dashboard, which every signed-in person may see. */
const HOME = '/admin/dashboard';
/** Where moderation forms return when their "back" field is missing or not one of ours. */
const QUEUE = '/admin/moderation';

const Optional = Type.Optional;
/** A password field: the domain says how long a password may be; past four times that the form is refused. */
const Password = Text(PASSWORD_MAX_LENGTH * 4);
const SignInQuery = StrictQuery({ next: Optional(Text(500)), notice: Notice });
const SignInForm = Form({ email: Text(300), password: Password, next: Optional(Text(500)) });
const SignOutForm = Form({ ...CsrfField });
const WelcomeQuery = StrictQuery({ token: Optional(Text(2000)) });
const WelcomeForm = Form({ token: Text(2000), email: Optional(Text(300)), password: Password, confirm: Password });
/** The queue's filters (a GET form and its links, queueHref): an empty field means "any". */
const QueueQuerySchema = StrictQuery({
  status: Optional(Text(20)),
  post: Optional(Text(12)),
  reason: Optional(Text(40)),
  author: Optional(Text(200)),
  page: Optional(Text(12)),
  notice: Notice,
  n: Optional(Text(4)),
});
/** Where a moderation form returns to: a queue address with its filters. */
const Back = Optional(Text(1000));
const BulkForm = Form({
  ...CsrfField,
  back: Back,
  action: OneOf(MODERATION_ACTIONS),
  ids: Optional(Many(Text(12), 200)),
});
const CommentTextForm = Form({ ...CsrfField, back: Back, body: Text(FORM_TEXT_MAX) });
const Days = Optional(Text(10));
const BanReason = Optional(Text(BAN_LIMITS.reason));
const BanAuthorForm = Form({ ...CsrfField, back: Back, kind: OneOf(['email', 'ip']), days: Days, reason: BanReason });
const ActionParams = Params({ id: Text(30), action: Text(30) });
const BackForm = Form({ ...CsrfField, back: Back });
const BanForm = Form({
  ...CsrfField,
  back: Back,
  kind: OneOf(BAN_KINDS),
  value: Text(1000),
  days: Days,
  reason: BanReason,
});

const badQuery = (what: string) => new AppError('INVALID_QUERY', `The ${what} in the address is not valid.`);

function readQueueQuery(q: Query): QueueQuery {
  const status = one(q, 'status') ?? 'held';
  if (!(QUEUE_STATUSES as readonly string[]).includes(status)) throw badQuery('status');
  const post = one(q, 'post');
  if (post !== undefined && !/^[0-9]{1,9}$/.test(post)) throw badQuery('article');
  const reason = one(q, 'reason');
  if (reason !== undefined && !(MODERATION_REASON_CODES as readonly string[]).includes(reason))
    throw badQuery('reason');
  const author = one(q, 'author')?.trim();
  return {
    status: status as QueueStatus,
    postId: post === undefined ? undefined : Number(post),
    reason: reason as ModerationReasonCode | undefined,
    author: author || undefined,
    page: parsePageNumber(q.page),
  };
}

/** Where to go back to after a form: only our own admin lists, never anywhere a form field could point. */
function backTo(raw: string | null | undefined, notice: string, n?: number): string {
  let url: URL;
  try {
    url = new URL(raw ?? QUEUE, 'http://admin.invalid');
  } catch {
    url = new URL(QUEUE, 'http://admin.invalid');
  }
  if (url.origin !== 'http://admin.invalid' || !['/admin/moderation', '/admin/bans'].includes(url.pathname))
    url = new URL(QUEUE, 'http://admin.invalid');
  url.searchParams.set('notice', notice);
  if (n !== undefined && n !== 1) url.searchParams.set('n', String(n));
  else url.searchParams.delete('n');
  return `${url.pathname}${url.search}`;
}

/** A path inside the administration to return to after signing in; anything else goes to the queue. */
const safeNext = (raw: string | undefined | null) =>
  raw && /^\/admin\/[A-Za-z0-9/_?=&%.-]*$/.test(raw) && !raw.startsWith('/admin/sign-') ? raw : HOME;

function daysOf(raw: string | null | undefined): number | null {
  const v = raw?.trim() ?? '';
  if (v === '') return null;
  if (!/^[0-9]{1,5}$/.test(v)) {
    throw new AppError('BAD_REQUEST', 'The days of a ban must be a whole number, or empty for a ban without end.');
  }
  return Number(v);
}

/**
 * The administration under /admin/: signing in, the comment moderation queue and bans. Nothing here is ever
 * cached; every page but sign-in and welcome needs a session, and every POST passes an origin and CSRF check.
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const accounts = { db: deps.content.db, clock: deps.content.clock };
  const moderation: ModerationDeps = { ...deps.content, baseUrl: deps.baseUrl };
  const throttle = new SignInThrottle(DEFAULT_THROTTLE_LIMITS, ctx.limiter);
  const secure = deps.baseUrl.startsWith('https:');

  const kit = makeAdminKit(ctx);
  const { page, viewerOf } = kit;

  app.register(async (scope) => {
    const admin = typed(scope);
    admin.addHook('onRequest', async (_req, reply) => {
      // Never (having no cache option) into the page cache, never into a browser's or proxy's cache, never into a
      // search engine.
      reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');
    });

    // The way in people type or bookmark: whatever its address carries, it leads to the dashboard.
    const entry = { schema: { querystring: PublicQuery({}) } };
    admin.get('/admin', entry, async (_req, reply) => seeOther(reply, HOME));
    admin.get('/admin/', entry, async (_req, reply) => seeOther(reply, HOME));

    admin.get('/admin/sign-in', { schema: { querystring: SignInQuery } }, async (req, reply) => {
      const q = req.query;
      const token = readSessionCookie(req);
      if (token && (await findSession(accounts, token))) return seeOther(reply, safeNext(one(q, 'next', 500)));
      const notice = noticeText(one(q, 'notice'), 1);
      return page(reply, {
        title: 'Sign in',
        body: <SignInView email="" next={safeNext(one(q, 'next', 500))} notice={notice} />,
      });
    });

    admin.post('/admin/sign-in', { schema: { body: SignInForm } }, async (req, reply) => {
      checkOrigin(req, deps.baseUrl);
      const { email, password } = req.body;
      const next = safeNext(req.body.next);
      try {
        const result = await beginSignIn({ ...accounts, throttle }, { email, password, ip: req.ip });
        // A second factor: no session yet, only a signed token for the code step (routes/admin-account.tsx).
        if ('secondStep' in result)
          return page(reply, {
            title: 'Sign in',
            body: <SignInCodeView token={result.secondStep.token} next={next} email={result.secondStep.email} />,
          });
        reply.header(
          'set-cookie',
          sessionCookie(result.token, result.session.expiresAt, deps.content.clock.now(), secure),
        );
        return seeOther(reply, next);
      } catch (err) {
        if (!isAppError(err) || (err.code !== 'SIGN_IN_FAILED' && err.code !== 'SIGN_IN_RATE_LIMITED')) throw err;
        req.log.info({ code: err.code, detail: err.detail }, 'sign-in refused');
        return page(reply, {
          title: 'Sign in',
          status: HTTP_ERRORS[err.code].status,
          body: <SignInView email={email} next={next} error={err.publicMessage} />,
        });
      }
    });

    admin.post('/admin/sign-out', { schema: { body: SignOutForm } }, async (req, reply) => {
      checkOrigin(req, deps.baseUrl);
      const token = readSessionCookie(req);
      const signedIn = token ? await findSession(accounts, token) : undefined;
      if (token && signedIn) {
        checkCsrfToken(await ctx.secret(), signedIn.session.tokenHash, formOf(req).get('csrf'));
        await signOut(accounts, token);
      }
      reply.header('set-cookie', clearedSessionCookie(secure));
      return seeOther(reply, '/admin/sign-in?notice=signed-out');
    });

    // The second-factor code, forgotten passwords and the first owner's setup link (routes/admin-account.tsx).
    registerSignInStepRoutes(admin, kit, { safeNext });

    admin.get('/admin/welcome', { schema: { querystring: WelcomeQuery } }, async (req, reply) => {
      const token = req.query.token ?? '';
      const user = await checkSignInLink(accounts, token);
      // The token is in this page's address: no other site may see it in a Referer. Not "no-referrer": with it
      // browsers send "Origin: null" on the form's POST, which the same-origin check rightly refuses.
      reply.header('referrer-policy', 'same-origin');
      return page(reply, {
        title: 'Choose a password',
        body: <WelcomeView user={user} token={token} minLength={PASSWORD_MIN_LENGTH} />,
      });
    });

    admin.post('/admin/welcome', { schema: { body: WelcomeForm } }, async (req, reply) => {
      checkOrigin(req, deps.baseUrl);
      const { token, password, confirm } = req.body;
      const user = await checkSignInLink(accounts, token);
      const retry = (status: number, error: string) =>
        page(reply, {
          title: 'Choose a password',
          status,
          body: <WelcomeView user={user} token={token} minLength={PASSWORD_MIN_LENGTH} error={error} />,
        });
      if (password !== confirm) return retry(400, 'The two passwords are not the same.');
      try {
        const { token: sessionToken, session } = await setPasswordWithLink(accounts, { token, password });
        reply.header('set-cookie', sessionCookie(sessionToken, session.expiresAt, deps.content.clock.now(), secure));
        return seeOther(reply, `${HOME}?notice=welcome`);
      } catch (err) {
        if (isAppError(err) && err.code === 'PASSWORD_REJECTED') return retry(400, err.publicMessage);
        throw err;
      }
    });

    // Everything below needs a session whose user may moderate comments.
    // Session, origin and CSRF run before the schema check (preValidation), as capability checks do: a person
    // signed out or not allowed learns nothing of what a form may carry, and gets the redirect or the 403.
    admin.register(async (staff) => {
      staff.addHook('preValidation', async (req, reply) => {
        const token = readSessionCookie(req);
        const signedIn = token ? await findSession(accounts, token) : undefined;
        if (!signedIn) {
          const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
          return seeOther(reply, `/admin/sign-in${next}`);
        }
        if (req.method === 'POST') {
          checkOrigin(req, deps.baseUrl);
          checkCsrfToken(await ctx.secret(), signedIn.session.tokenHash, csrfFieldOf(req));
        }
        if (signedIn.user.disabledAt !== null)
          throw new AppError('FORBIDDEN', 'This account is disabled.', { detail: `user ${signedIn.user.id}` });
        req.adminViewer = {
          user: signedIn.user,
          csrf: csrfTokenFor(await ctx.secret(), signedIn.session.tokenHash),
          signedIn,
        };
        return undefined;
      });

      staff.register(async (moderators) => registerModerationRoutes(moderators));

      for (const register of ADMIN_ROUTE_FILES) register(staff, kit);
    });
  });

  /** The comment queue and bans: for people who may moderate comments. */
  function registerModerationRoutes(scope: FastifyInstance) {
    requireForScope(scope, kit, 'moderate_comments');
    const staff = typed(scope);

    staff.get('/admin/moderation', { schema: { querystring: QueueQuerySchema } }, async (req, reply) => {
      const q = req.query;
      const query = readQueueQuery(q);
      const [queue, articles] = await Promise.all([listQueue(moderation, query), listQueueArticles(moderation)]);
      if (query.page > queue.pageCount) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
      const n = Number(one(q, 'n', 4) ?? '1');
      const { site } = await loadChrome(ctx);
      return page(reply, {
        title: 'Comments',
        viewer: viewerOf(req),
        current: 'moderation',
        body: (
          <QueueView
            queue={queue}
            query={query}
            articles={articles}
            viewer={viewerOf(req)}
            site={site}
            notice={noticeText(one(q, 'notice'), Number.isInteger(n) ? n : 1)}
          />
        ),
      });
    });

    staff.post('/admin/moderation/bulk', { schema: { body: BulkForm } }, async (req, reply) => {
      const { action, back } = req.body;
      const raw = [req.body.ids ?? []].flat();
      if (raw.length === 0) return seeOther(reply, backTo(back, 'none-selected'));
      if (!raw.every((v) => /^[0-9]{1,9}$/.test(v))) throw new AppError('BAD_REQUEST', 'The selection is not valid.');
      const { done } = await bulkModerate(moderation, {
        ids: raw.map(Number),
        action,
        moderatorId: viewerOf(req).user.id,
      });
      return seeOther(reply, backTo(back, action, done));
    });

    const commentText = { params: IdParams, body: CommentTextForm };
    staff.post('/admin/moderation/:id/edit', { schema: commentText }, async (req, reply) => {
      await editComment(moderation, { commentId: idParam(req), body: req.body.body });
      return seeOther(reply, backTo(req.body.back, 'edit'));
    });

    staff.post('/admin/moderation/:id/reply', { schema: commentText }, async (req, reply) => {
      const { user } = viewerOf(req);
      await replyAsModerator(moderation, { commentId: idParam(req), body: req.body.body, moderator: user });
      return seeOther(reply, backTo(req.body.back, 'reply'));
    });

    staff.post(
      '/admin/moderation/:id/ban',
      { schema: { params: IdParams, body: BanAuthorForm } },
      async (req, reply) => {
        const { kind, reason, days, back } = req.body;
        await banCommentAuthor(moderation, { commentId: idParam(req), kind, reason: reason ?? '', days: daysOf(days) });
        return seeOther(reply, backTo(back, 'ban'));
      },
    );

    staff.post(
      '/admin/moderation/:id/:action',
      { schema: { params: ActionParams, body: BackForm } },
      async (req, reply) => {
        const action = MODERATION_ACTIONS.find((a) => a === req.params.action);
        if (action === undefined) throw new AppError('NOT_FOUND', 'There is nothing at this address.');
        await moderateComment(moderation, { commentId: idParam(req), action, moderatorId: viewerOf(req).user.id });
        return seeOther(reply, backTo(req.body.back, action));
      },
    );

    staff.get('/admin/bans', { schema: { querystring: NoticeQuery } }, async (req, reply) => {
      const bans = await listActiveBans(moderation);
      const { site } = await loadChrome(ctx);
      return page(reply, {
        title: 'Bans',
        viewer: viewerOf(req),
        current: 'bans',
        body: (
          <BansView bans={bans} viewer={viewerOf(req)} site={site} notice={noticeText(one(req.query, 'notice'), 1)} />
        ),
      });
    });

    staff.post('/admin/bans', { schema: { body: BanForm } }, async (req, reply) => {
      const { kind, value, reason, days } = req.body;
      await addBanByHand(moderation, { kind, value, reason: reason ?? '', days: daysOf(days) });
      return seeOther(reply, '/admin/bans?notice=ban');
    });

    staff.post('/admin/bans/:id/remove', { schema: { params: IdParams, body: BackForm } }, async (req, reply) => {
      await liftBan(moderation, idParam(req));
      return seeOther(reply, '/admin/bans?notice=unban');
    });

    // Discussion settings and each article's comment switch: editors and above (routes/admin-discussion.tsx).
  }
}
