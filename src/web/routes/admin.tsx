import type { FastifyInstance } from 'fastify';
import {
  beginSignIn,
  checkSignInLink,
  findSession,
  setPasswordWithLink,
  signOut,
} from '../../modules/accounts/accounts.service.ts';
import { PASSWORD_MIN_LENGTH } from '../../modules/accounts/password.ts';
import { DEFAULT_THROTTLE_LIMITS, SignInThrottle } from '../../modules/accounts/sign-in-throttle.ts';
import {
  addBanByHand,
  BAN_KINDS,
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
  type ModerationAction,
  type ModerationDeps,
  moderateComment,
  QUEUE_STATUSES,
  type QueueQuery,
  type QueueStatus,
  replyAsModerator,
} from '../../modules/moderation/queue.service.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { type AdminKit, idParam, makeAdminKit, one, type Query, requireForScope, seeOther } from '../admin-kit.tsx';
import {
  addFormParser,
  checkCsrfToken,
  checkOrigin,
  clearedSessionCookie,
  csrfTokenFor,
  formOf,
  readSessionCookie,
  sessionCookie,
} from '../admin-session.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { loadChrome } from '../render.tsx';
import { SignInCodeView } from '../views/admin-account.tsx';
import { noticeText } from '../views/admin-layout.tsx';
import { BansView, QueueView, SignInView, WelcomeView } from '../views/admin-pages.tsx';
import type { WebContext } from '../web-deps.ts';
import { registerAccountRoutes, registerSignInStepRoutes } from './admin-account.tsx';
import { registerBackupAdminRoutes } from './admin-backups.tsx';
import { registerCorrectionAdminRoutes } from './admin-corrections.tsx';
import { registerDiscussionAdminRoutes } from './admin-discussion.tsx';
import { registerExportAdminRoutes } from './admin-export.tsx';
import { registerImportAdminRoutes } from './admin-import.tsx';
import { registerMediaAdminRoutes } from './admin-media.tsx';
import { registerPostAdminRoutes } from './admin-posts.tsx';
import { registerSiteAdminRoutes } from './admin-site.tsx';
import { registerSourceAdminRoutes } from './admin-sources.tsx';
import { registerTaxonomyAdminRoutes } from './admin-taxonomy.tsx';
import { registerUserAdminRoutes } from './admin-users.tsx';
import { registerWordListRoutes } from './admin-words.tsx';

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
  registerBackupAdminRoutes,
  registerExportAdminRoutes,
  registerImportAdminRoutes,
];

/** Where signing in lands: the dashboard, which every signed-in person may see. */
const HOME = '/admin/dashboard';
/** Where moderation forms return when their "back" field is missing or not one of ours. */
const QUEUE = '/admin/moderation';

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
function backTo(raw: string | null, notice: string, n?: number): string {
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

function daysOf(raw: string | null): number | null {
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

  app.register(async (admin) => {
    addFormParser(admin);
    admin.addHook('onRequest', async (req, reply) => {
      // Never into the page cache, never into a browser's or proxy's cache, never into a search engine.
      req.cacheVersion = undefined;
      reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');
    });

    admin.get('/admin', async (_req, reply) => seeOther(reply, HOME));
    admin.get('/admin/', async (_req, reply) => seeOther(reply, HOME));

    admin.get('/admin/sign-in', async (req, reply) => {
      const q = req.query as Query;
      const token = readSessionCookie(req);
      if (token && (await findSession(accounts, token))) return seeOther(reply, safeNext(one(q, 'next', 500)));
      const notice = noticeText(one(q, 'notice'), 1);
      return page(reply, {
        title: 'Sign in',
        body: <SignInView email="" next={safeNext(one(q, 'next', 500))} notice={notice} />,
      });
    });

    admin.post('/admin/sign-in', async (req, reply) => {
      checkOrigin(req, deps.baseUrl);
      const form = formOf(req);
      const email = (form.get('email') ?? '').slice(0, 300);
      const next = safeNext(form.get('next'));
      try {
        const result = await beginSignIn(
          { ...accounts, throttle },
          { email, password: form.get('password') ?? '', ip: req.ip },
        );
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

    admin.post('/admin/sign-out', async (req, reply) => {
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

    admin.get('/admin/welcome', async (req, reply) => {
      const token = one(req.query as Query, 'token', 2000) ?? '';
      const user = await checkSignInLink(accounts, token);
      // The token is in this page's address: no other site may see it in a Referer. Not "no-referrer": with it
      // browsers send "Origin: null" on the form's POST, which the same-origin check rightly refuses.
      reply.header('referrer-policy', 'same-origin');
      return page(reply, {
        title: 'Choose a password',
        body: <WelcomeView user={user} token={token} minLength={PASSWORD_MIN_LENGTH} />,
      });
    });

    admin.post('/admin/welcome', async (req, reply) => {
      checkOrigin(req, deps.baseUrl);
      const form = formOf(req);
      const token = form.get('token') ?? '';
      const password = form.get('password') ?? '';
      const user = await checkSignInLink(accounts, token);
      const retry = (status: number, error: string) =>
        page(reply, {
          title: 'Choose a password',
          status,
          body: <WelcomeView user={user} token={token} minLength={PASSWORD_MIN_LENGTH} error={error} />,
        });
      if (password !== (form.get('confirm') ?? '')) return retry(400, 'The two passwords are not the same.');
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
    admin.register(async (staff) => {
      staff.addHook('preHandler', async (req, reply) => {
        const token = readSessionCookie(req);
        const signedIn = token ? await findSession(accounts, token) : undefined;
        if (!signedIn) {
          const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
          return seeOther(reply, `/admin/sign-in${next}`);
        }
        if (req.method === 'POST') {
          checkOrigin(req, deps.baseUrl);
          checkCsrfToken(await ctx.secret(), signedIn.session.tokenHash, formOf(req).get('csrf'));
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
  function registerModerationRoutes(staff: FastifyInstance) {
    requireForScope(staff, kit, 'moderate_comments');

    staff.get('/admin/moderation', async (req, reply) => {
      const q = req.query as Query;
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

    staff.post('/admin/moderation/bulk', async (req, reply) => {
      const form = formOf(req);
      const action = form.get('action') ?? '';
      if (!(MODERATION_ACTIONS as readonly string[]).includes(action))
        throw new AppError('BAD_REQUEST', 'Choose what to do with the selected comments.');
      const raw = form.getAll('ids');
      if (raw.length === 0) return seeOther(reply, backTo(form.get('back'), 'none-selected'));
      if (!raw.every((v) => /^[0-9]{1,9}$/.test(v))) throw new AppError('BAD_REQUEST', 'The selection is not valid.');
      const { done } = await bulkModerate(moderation, {
        ids: raw.map(Number),
        action: action as ModerationAction,
        moderatorId: viewerOf(req).user.id,
      });
      return seeOther(reply, backTo(form.get('back'), action, done));
    });

    staff.post('/admin/moderation/:id/edit', async (req, reply) => {
      const form = formOf(req);
      await editComment(moderation, { commentId: idParam(req), body: form.get('body') ?? '' });
      return seeOther(reply, backTo(form.get('back'), 'edit'));
    });

    staff.post('/admin/moderation/:id/reply', async (req, reply) => {
      const form = formOf(req);
      const { user } = viewerOf(req);
      await replyAsModerator(moderation, { commentId: idParam(req), body: form.get('body') ?? '', moderator: user });
      return seeOther(reply, backTo(form.get('back'), 'reply'));
    });

    staff.post('/admin/moderation/:id/ban', async (req, reply) => {
      const form = formOf(req);
      const kind = form.get('kind');
      if (kind !== 'email' && kind !== 'ip') throw new AppError('BAD_REQUEST', 'Ban by email or by IP address.');
      await banCommentAuthor(moderation, {
        commentId: idParam(req),
        kind,
        reason: form.get('reason') ?? '',
        days: daysOf(form.get('days')),
      });
      return seeOther(reply, backTo(form.get('back'), 'ban'));
    });

    staff.post('/admin/moderation/:id/:action', async (req, reply) => {
      const { action } = req.params as { action: string };
      if (!(MODERATION_ACTIONS as readonly string[]).includes(action))
        throw new AppError('NOT_FOUND', 'There is nothing at this address.');
      const form = formOf(req);
      await moderateComment(moderation, {
        commentId: idParam(req),
        action: action as ModerationAction,
        moderatorId: viewerOf(req).user.id,
      });
      return seeOther(reply, backTo(form.get('back'), action));
    });

    staff.get('/admin/bans', async (req, reply) => {
      const bans = await listActiveBans(moderation);
      const { site } = await loadChrome(ctx);
      return page(reply, {
        title: 'Bans',
        viewer: viewerOf(req),
        current: 'bans',
        body: (
          <BansView
            bans={bans}
            viewer={viewerOf(req)}
            site={site}
            notice={noticeText(one(req.query as Query, 'notice'), 1)}
          />
        ),
      });
    });

    staff.post('/admin/bans', async (req, reply) => {
      const form = formOf(req);
      const kind = form.get('kind') ?? '';
      if (!(BAN_KINDS as readonly string[]).includes(kind))
        throw new AppError('BAD_REQUEST', 'A ban is on an email, an IP address, a domain or a word.');
      await addBanByHand(moderation, {
        kind: kind as (typeof BAN_KINDS)[number],
        value: form.get('value') ?? '',
        reason: form.get('reason') ?? '',
        days: daysOf(form.get('days')),
      });
      return seeOther(reply, '/admin/bans?notice=ban');
    });

    staff.post('/admin/bans/:id/remove', async (req, reply) => {
      await liftBan(moderation, idParam(req));
      return seeOther(reply, '/admin/bans?notice=unban');
    });

    // Discussion settings and each article's comment switch: editors and above (routes/admin-discussion.tsx).
  }
}
