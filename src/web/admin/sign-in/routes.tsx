import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  beginSignIn,
  checkSignInLink,
  findSession,
  setPasswordWithLink,
  signOut,
} from '../../../modules/accounts/accounts.service.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../modules/accounts/password.ts';
import { DEFAULT_THROTTLE_LIMITS, SignInThrottle } from '../../../modules/accounts/sign-in-throttle.ts';
import { isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { CsrfField, Form, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import { registerSignInStepRoutes } from '../account/routes.tsx';
import { SignInCodeView } from '../account/views.tsx';
import { type AdminKit, Notice, one, seeOther } from '../kit.tsx';
import { noticeText } from '../layout.tsx';
import {
  checkCsrfToken,
  checkOrigin,
  clearedSessionCookie,
  formOf,
  readSessionCookie,
  sessionCookie,
} from '../session.ts';
import { SignInView, WelcomeView } from './views.tsx';

/** Where signing in lands: the dashboard, which every signed-in person may see. */
export const ADMIN_HOME = '/admin/dashboard';

const Optional = Type.Optional;
/** A password field: the domain says how long a password may be; past four times that the form is refused. */
const Password = Text(PASSWORD_MAX_LENGTH * 4);
const SignInQuery = StrictQuery({ next: Optional(Text(500)), notice: Notice });
const SignInForm = Form({ email: Text(300), password: Password, next: Optional(Text(500)) });
const SignOutForm = Form({ ...CsrfField });
const WelcomeQuery = StrictQuery({ token: Optional(Text(2000)) });
const WelcomeForm = Form({ token: Text(2000), email: Optional(Text(300)), password: Password, confirm: Password });

/** A path inside the administration to return to after signing in; anything else goes to the dashboard. */
const safeNext = (raw: string | undefined | null) =>
  raw && /^\/admin\/[A-Za-z0-9/_?=&%.-]*$/.test(raw) && !raw.startsWith('/admin/sign-') ? raw : ADMIN_HOME;

/**
 * The ways in, for people not signed in: the sign-in form, signing out, the welcome link's password, and (from
 * account/) the second-factor code, a forgotten password and the first owner's setup link.
 */
export function registerSignInRoutes(scope: FastifyInstance, kit: AdminKit): void {
  signInRoutes(scope, kit);
  registerSignInStepRoutes(scope, kit, { safeNext });
  welcomeRoutes(scope, kit);
}

function signInRoutes(scope: FastifyInstance, kit: AdminKit): void {
  const { ctx, accounts, page, secure } = kit;
  const { deps } = ctx;
  const throttle = new SignInThrottle(DEFAULT_THROTTLE_LIMITS, ctx.limiter);
  const admin = typed(scope);

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
      // A second factor: no session yet, only a signed token for the code step (account/routes.tsx).
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
}

/** The one-time link a new person gets: choose a password, and be signed in. */
function welcomeRoutes(scope: FastifyInstance, kit: AdminKit): void {
  const { ctx, accounts, page, secure } = kit;
  const admin = typed(scope);

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
    checkOrigin(req, ctx.deps.baseUrl);
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
      reply.header('set-cookie', sessionCookie(sessionToken, session.expiresAt, ctx.deps.content.clock.now(), secure));
      return seeOther(reply, `${ADMIN_HOME}?notice=welcome`);
    } catch (err) {
      if (isAppError(err) && err.code === 'PASSWORD_REJECTED') return retry(400, err.publicMessage);
      throw err;
    }
  });
}
