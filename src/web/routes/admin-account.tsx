import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signOutEverywhere } from '../../modules/accounts/accounts.service.ts';
import {
  changeOwnPassword,
  endOwnSession,
  listOwnSessions,
  renameSelf,
} from '../../modules/accounts/own-account.service.ts';
import { checkOwnerSetupLink, setUpOwner } from '../../modules/accounts/owner-setup.service.ts';
import { PASSWORD_MIN_LENGTH } from '../../modules/accounts/password.ts';
import {
  checkResetLink,
  RESET_LIMITS,
  requestPasswordReset,
  resetPassword,
} from '../../modules/accounts/password-reset.service.ts';
import { WindowCounter } from '../../modules/accounts/rate-window.ts';
import {
  CODE_LIMITS,
  checkSecondStep,
  completeSignIn,
  confirmTotp,
  disableTotp,
  pendingTotpEnrolment,
  startTotpEnrolment,
} from '../../modules/accounts/second-factor.service.ts';
import { type AppError, isAppError } from '../../modules/shared/errors.ts';
import { type AdminKit, one, type Query, type SignedInViewer, seeOther } from '../admin-kit.tsx';
import { checkOrigin, clearedSessionCookie, formOf, sessionCookie } from '../admin-session.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { loadChrome } from '../render.tsx';
import {
  type AccountFormState,
  AccountView,
  accountNoticeText,
  type FieldErrors,
  ForgotPasswordView,
  OwnerSetupView,
  ResetPasswordView,
  SignInCodeView,
} from '../views/admin-account.tsx';
import type { WebContext } from '../web-deps.ts';

/**
 * Wrong second-factor codes and password reset requests, counted per app (like the sign-in throttle in
 * admin.tsx): one pair per WebContext, shared by the sign-in steps and the account page.
 */
const counters = new WeakMap<WebContext, { codes: WindowCounter; resets: WindowCounter }>();
function countersOf(ctx: WebContext) {
  let c = counters.get(ctx);
  if (!c) {
    c = {
      codes: new WindowCounter(CODE_LIMITS.windowMs, ctx.limiter, 'code'),
      resets: new WindowCounter(RESET_LIMITS.windowMs, ctx.limiter, 'reset'),
    };
    counters.set(ctx, c);
  }
  return c;
}

/**
 * A reset request answers after at least this long, whether or not the account exists (looking it up and
 * queueing the mail take a few milliseconds that would otherwise tell).
 */
const RESET_ANSWER_MS = 250;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors a form shows beside its fields (with the status of their code); anything else goes to the error page. */
function fieldErrorsOf(err: unknown, codes: readonly AppError['code'][]): { status: number; errors: FieldErrors } {
  if (!isAppError(err) || !codes.includes(err.code)) throw err;
  return { status: HTTP_ERRORS[err.code].status, errors: err.fields ?? { form: err.publicMessage } };
}

/**
 * The steps around a password that happen before there is a session: the second-factor code, "forgot your
 * password?", the reset link, and the first owner's setup link. Registered in the admin scope of admin.tsx
 * (no session; each POST checks its origin, and carries a signed token where it acts for someone).
 */
export function registerSignInStepRoutes(
  admin: FastifyInstance,
  kit: AdminKit,
  opts: { safeNext: (raw: string | null | undefined) => string },
): void {
  const { ctx, page, accounts, secure } = kit;
  const { deps } = ctx;
  const codeDeps = () => ({ ...accounts, codeAttempts: countersOf(ctx).codes });

  admin.post('/admin/sign-in/code', async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const form = formOf(req);
    const token = form.get('token') ?? '';
    const next = opts.safeNext(form.get('next'));
    const { email } = await checkSecondStep(codeDeps(), token);
    try {
      const signedIn = await completeSignIn(codeDeps(), { token, code: form.get('code') ?? '', ip: req.ip });
      reply.header(
        'set-cookie',
        sessionCookie(signedIn.token, signedIn.session.expiresAt, accounts.clock.now(), secure),
      );
      return seeOther(reply, next);
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['TOTP_CODE_INVALID', 'SIGN_IN_RATE_LIMITED']);
      req.log.info({ status }, 'sign-in code refused');
      return page(reply, {
        title: 'Sign in',
        status,
        body: <SignInCodeView token={token} next={next} email={email} error={errors.code ?? errors.form} />,
      });
    }
  });

  admin.get('/admin/forgot-password', async (req, reply) =>
    page(reply, {
      title: 'Forgot your password?',
      body: <ForgotPasswordView email={one(req.query as Query, 'email', 254) ?? ''} sent={false} />,
    }),
  );

  admin.post('/admin/forgot-password', async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const email = (formOf(req).get('email') ?? '').trim().slice(0, 254);
    if (email === '')
      return page(reply, {
        title: 'Forgot your password?',
        status: 400,
        body: <ForgotPasswordView email="" sent={false} fieldError="Type the email you sign in with." />,
      });
    const [outcome] = await Promise.allSettled([
      requestPasswordReset(
        { ...accounts, baseUrl: deps.baseUrl, resetAttempts: countersOf(ctx).resets },
        { email, ip: req.ip },
      ),
      delay(RESET_ANSWER_MS),
    ]);
    if (outcome.status === 'rejected') {
      const err = outcome.reason as unknown;
      if (!isAppError(err) || err.code !== 'RATE_LIMITED') throw err;
      return page(reply, {
        title: 'Forgot your password?',
        status: HTTP_ERRORS.RATE_LIMITED.status,
        body: <ForgotPasswordView email={email} sent={false} error={err.publicMessage} />,
      });
    }
    return page(reply, { title: 'Forgot your password?', body: <ForgotPasswordView email={email} sent /> });
  });

  const resetPage = (
    reply: FastifyReply,
    token: string,
    user: Parameters<typeof ResetPasswordView>[0]['user'],
    errors: FieldErrors,
    status = 200,
  ) => {
    // The token is in the address: no other site may see it in a Referer (see the welcome page in admin.tsx).
    reply.header('referrer-policy', 'same-origin');
    return page(reply, {
      title: 'Choose a new password',
      status,
      body: <ResetPasswordView user={user} token={token} minLength={PASSWORD_MIN_LENGTH} errors={errors} />,
    });
  };

  admin.get('/admin/reset-password', async (req, reply) => {
    const token = one(req.query as Query, 'token', 2000) ?? '';
    return resetPage(reply, token, await checkResetLink(accounts, token), {});
  });

  admin.post('/admin/reset-password', async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const form = formOf(req);
    const token = form.get('token') ?? '';
    const password = form.get('password') ?? '';
    const user = await checkResetLink(accounts, token);
    if (password !== (form.get('confirm') ?? ''))
      return resetPage(reply, token, user, { confirm: 'The two passwords are not the same.' }, 400);
    try {
      await resetPassword(accounts, { token, password });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['PASSWORD_REJECTED']);
      return resetPage(reply, token, user, errors, status);
    }
    reply.header('set-cookie', clearedSessionCookie(secure));
    return seeOther(reply, '/admin/sign-in?notice=password-reset');
  });

  const setupPage = (
    reply: FastifyReply,
    token: string,
    values: { name: string; email: string },
    errors: FieldErrors,
    status = 200,
  ) => {
    reply.header('referrer-policy', 'same-origin');
    return page(reply, {
      title: 'Set up the owner',
      status,
      body: <OwnerSetupView token={token} values={values} minLength={PASSWORD_MIN_LENGTH} errors={errors} />,
    });
  };

  admin.get('/admin/setup', async (req, reply) => {
    const token = one(req.query as Query, 'token', 2000) ?? '';
    await checkOwnerSetupLink(accounts, token);
    return setupPage(reply, token, { name: '', email: '' }, {});
  });

  admin.post('/admin/setup', async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const form = formOf(req);
    const token = form.get('token') ?? '';
    const values = { name: (form.get('name') ?? '').slice(0, 200), email: (form.get('email') ?? '').slice(0, 300) };
    const password = form.get('password') ?? '';
    await checkOwnerSetupLink(accounts, token);
    if (password !== (form.get('confirm') ?? ''))
      return setupPage(reply, token, values, { confirm: 'The two passwords are not the same.' }, 400);
    try {
      const signedIn = await setUpOwner(accounts, { token, ...values, password });
      reply.header(
        'set-cookie',
        sessionCookie(signedIn.token, signedIn.session.expiresAt, accounts.clock.now(), secure),
      );
      return seeOther(reply, `${opts.safeNext(undefined)}?notice=welcome`);
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['BAD_REQUEST', 'PASSWORD_REJECTED', 'USER_EMAIL_TAKEN']);
      return setupPage(reply, token, values, errors, status);
    }
  });
}

/** The signed-in person's own account: name, password, second factor, sessions. Every role has one. */
export function registerAccountRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const { ctx, accounts, viewerOf, page, secure } = kit;
  const codeDeps = () => ({ ...accounts, codeAttempts: countersOf(ctx).codes });
  const PAGE = '/admin/account';

  async function show(req: FastifyRequest, reply: FastifyReply, form: AccountFormState, status = 200) {
    const viewer: SignedInViewer = viewerOf(req);
    const [sessions, enrolment, { site }] = await Promise.all([
      listOwnSessions(accounts, viewer.signedIn),
      pendingTotpEnrolment(codeDeps(), viewer.user.id),
      loadChrome(ctx),
    ]);
    return page(reply, {
      title: 'Your account',
      viewer,
      current: 'account',
      status,
      body: (
        <AccountView
          viewer={viewer}
          site={site}
          sessions={sessions}
          enrolment={enrolment}
          form={form}
          minLength={PASSWORD_MIN_LENGTH}
          notice={accountNoticeText(one(req.query as Query, 'notice'))}
        />
      ),
    });
  }
  const done = (reply: FastifyReply, notice: string, anchor: string) =>
    seeOther(reply, `${PAGE}?notice=${notice}#${anchor}`);

  staff.get(PAGE, async (req, reply) => show(req, reply, { errors: {} }));

  staff.post(`${PAGE}/name`, async (req, reply) => {
    const name = (formOf(req).get('name') ?? '').slice(0, 200);
    try {
      await renameSelf(accounts, { userId: viewerOf(req).user.id, name });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['BAD_REQUEST']);
      return show(req, reply, { name, errors }, status);
    }
    return done(reply, 'name', 'name');
  });

  staff.post(`${PAGE}/password`, async (req, reply) => {
    const form = formOf(req);
    const password = form.get('password') ?? '';
    if (password !== (form.get('confirm') ?? ''))
      return show(req, reply, { errors: { confirm: 'The two new passwords are not the same.' } }, 400);
    try {
      await changeOwnPassword(accounts, {
        signedIn: viewerOf(req).signedIn,
        current: form.get('current') ?? '',
        password,
      });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['CURRENT_PASSWORD_WRONG', 'PASSWORD_REJECTED']);
      return show(req, reply, { errors }, status);
    }
    return done(reply, 'password', 'password');
  });

  staff.post(`${PAGE}/totp/start`, async (req, reply) => {
    await startTotpEnrolment(codeDeps(), viewerOf(req).user.id);
    return seeOther(reply, `${PAGE}#second-factor`);
  });

  staff.post(`${PAGE}/totp/confirm`, async (req, reply) => {
    try {
      const form = formOf(req);
      await confirmTotp(codeDeps(), {
        userId: viewerOf(req).user.id,
        code: form.get('code') ?? '',
        password: form.get('password') ?? '',
        ip: req.ip,
      });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, [
        'TOTP_CODE_INVALID',
        'SIGN_IN_RATE_LIMITED',
        'CURRENT_PASSWORD_WRONG',
      ]);
      return show(
        req,
        reply,
        { errors: errors.password ? { 'totp-password': errors.password } : { code: errors.code ?? errors.form ?? '' } },
        status,
      );
    }
    return done(reply, 'totp-on', 'second-factor');
  });

  staff.post(`${PAGE}/totp/disable`, async (req, reply) => {
    const form = formOf(req);
    try {
      await disableTotp(codeDeps(), {
        userId: viewerOf(req).user.id,
        code: form.get('code') ?? '',
        password: form.get('password') ?? '',
        ip: req.ip,
      });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, [
        'TOTP_CODE_INVALID',
        'CURRENT_PASSWORD_WRONG',
        'SIGN_IN_RATE_LIMITED',
      ]);
      return show(req, reply, { errors: { 'disable-code': errors.code ?? errors.form ?? '' } }, status);
    }
    return done(reply, 'totp-off', 'second-factor');
  });

  staff.post(`${PAGE}/sessions/end`, async (req, reply) => {
    const ended = await endOwnSession(accounts, {
      userId: viewerOf(req).user.id,
      ref: (formOf(req).get('session') ?? '').slice(0, 40),
    });
    return done(reply, ended ? 'session-ended' : 'session-gone', 'sessions');
  });

  staff.post(`${PAGE}/sign-out-everywhere`, async (req, reply) => {
    await signOutEverywhere(accounts, viewerOf(req).user.id);
    reply.header('set-cookie', clearedSessionCookie(secure));
    return seeOther(reply, '/admin/sign-in?notice=signed-out');
  });
}
