import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signOutEverywhere } from '../../../modules/accounts/accounts.service.ts';
import {
  changeOwnPassword,
  endOwnSession,
  listOwnSessions,
  renameSelf,
} from '../../../modules/accounts/own-account.service.ts';
import { checkOwnerSetupLink, setUpOwner } from '../../../modules/accounts/owner-setup.service.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../modules/accounts/password.ts';
import {
  checkResetLink,
  RESET_LIMITS,
  requestPasswordReset,
  resetPassword,
} from '../../../modules/accounts/password-reset.service.ts';
import { WindowCounter } from '../../../modules/accounts/rate-window.ts';
import {
  CODE_LIMITS,
  checkSecondStep,
  completeSignIn,
  confirmTotp,
  disableTotp,
  pendingTotpEnrolment,
  startTotpEnrolment,
} from '../../../modules/accounts/second-factor.service.ts';
import { getOwnByline, updateOwnByline } from '../../../modules/content/own-byline.service.ts';
import { type AppError, isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { loadChrome } from '../../kit/render.tsx';
import { CsrfField, Form, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import type { WebContext } from '../../kit/web-deps.ts';
import type { FieldErrors } from '../../ui/form.tsx';
import { type AdminKit, NoticeQuery, type SignedInViewer, seeOther } from '../kit.tsx';
import { checkOrigin, clearedSessionCookie, sessionCookie } from '../session.ts';
import {
  type AccountFormState,
  AccountView,
  accountNoticeText,
  ForgotPasswordView,
  OwnerSetupView,
  ResetPasswordView,
  SignInCodeView,
} from './views.tsx';

const Optional = Type.Optional;
/** A password field: the domain says how long a password may be; past four times that the form is refused. */
const Password = Text(PASSWORD_MAX_LENGTH * 4);
/** A name or an email a person types: the domain checks the real limit and shows the form again. */
const Typed = Text(1000);
const Token = Text(2000);
const Code = Text(100);
const CodeForm = Form({ token: Token, next: Optional(Text(500)), code: Code });
const ForgotQuery = StrictQuery({ email: Optional(Text(254)) });
const ForgotForm = Form({ email: Typed });
const TokenQuery = StrictQuery({ token: Optional(Token) });
const ResetForm = Form({ token: Token, email: Optional(Typed), password: Password, confirm: Password });
const SetupForm = Form({ token: Token, name: Typed, email: Typed, password: Password, confirm: Password });
const NameForm = Form({ ...CsrfField, name: Typed });
/** The byline's name and biography: the domain checks the real limits and shows the form again. */
const BylineForm = Form({ ...CsrfField, bylineName: Typed, bylineBio: Text(10_000) });
const PasswordForm = Form({
  ...CsrfField,
  email: Optional(Typed),
  current: Password,
  password: Password,
  confirm: Password,
});
const CsrfOnly = Form({ ...CsrfField });
const SecondFactorForm = Form({ ...CsrfField, code: Optional(Code), password: Optional(Password) });
const SessionForm = Form({ ...CsrfField, session: Text(40) });

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
  scope: FastifyInstance,
  kit: AdminKit,
  opts: { safeNext: (raw: string | null | undefined) => string },
): void {
  const { ctx, page, accounts, secure } = kit;
  const { deps } = ctx;
  const codeDeps = () => ({ ...accounts, codeAttempts: countersOf(ctx).codes });
  const admin = typed(scope);

  admin.post('/admin/sign-in/code', { schema: { body: CodeForm } }, async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const { token, code } = req.body;
    const next = opts.safeNext(req.body.next);
    const { email } = await checkSecondStep(codeDeps(), token);
    try {
      const signedIn = await completeSignIn(codeDeps(), { token, code, ip: req.ip });
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

  admin.get('/admin/forgot-password', { schema: { querystring: ForgotQuery } }, async (req, reply) =>
    page(reply, {
      title: 'Forgot your password?',
      body: <ForgotPasswordView email={req.query.email ?? ''} sent={false} />,
    }),
  );

  admin.post('/admin/forgot-password', { schema: { body: ForgotForm } }, async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const email = req.body.email.trim();
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

  admin.get('/admin/reset-password', { schema: { querystring: TokenQuery } }, async (req, reply) => {
    const token = req.query.token ?? '';
    return resetPage(reply, token, await checkResetLink(accounts, token), {});
  });

  admin.post('/admin/reset-password', { schema: { body: ResetForm } }, async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const { token, password, confirm } = req.body;
    const user = await checkResetLink(accounts, token);
    if (password !== confirm)
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

  admin.get('/admin/setup', { schema: { querystring: TokenQuery } }, async (req, reply) => {
    const token = req.query.token ?? '';
    await checkOwnerSetupLink(accounts, token);
    return setupPage(reply, token, { name: '', email: '' }, {});
  });

  admin.post('/admin/setup', { schema: { body: SetupForm } }, async (req, reply) => {
    checkOrigin(req, deps.baseUrl);
    const { token, name, email, password, confirm } = req.body;
    const values = { name, email };
    await checkOwnerSetupLink(accounts, token);
    if (password !== confirm)
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
export function registerAccountRoutes(scope: FastifyInstance, kit: AdminKit): void {
  const staff = typed(scope);
  const { ctx, accounts, viewerOf, page, secure } = kit;
  const codeDeps = () => ({ ...accounts, codeAttempts: countersOf(ctx).codes });
  const PAGE = '/admin/account';

  /** The page; `form.notice` is the `?notice=` of a redirect after a saved form. */
  async function show(
    req: FastifyRequest,
    reply: FastifyReply,
    form: AccountFormState & { notice?: string },
    status = 200,
  ) {
    const viewer: SignedInViewer = viewerOf(req);
    const [sessions, enrolment, { site }, byline] = await Promise.all([
      listOwnSessions(accounts, viewer.signedIn),
      pendingTotpEnrolment(codeDeps(), viewer.user.id),
      loadChrome(ctx),
      getOwnByline(accounts, viewer.user),
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
          byline={byline}
          form={form}
          minLength={PASSWORD_MIN_LENGTH}
          notice={accountNoticeText(form.notice)}
        />
      ),
    });
  }
  const done = (reply: FastifyReply, notice: string, anchor: string) =>
    seeOther(reply, `${PAGE}?notice=${notice}#${anchor}`);

  staff.get(PAGE, { schema: { querystring: NoticeQuery } }, async (req, reply) =>
    show(req, reply, { errors: {}, notice: req.query.notice }),
  );

  staff.post(`${PAGE}/name`, { schema: { body: NameForm } }, async (req, reply) => {
    const { name } = req.body;
    try {
      await renameSelf(accounts, { userId: viewerOf(req).user.id, name });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['BAD_REQUEST']);
      return show(req, reply, { name, errors }, status);
    }
    return done(reply, 'name', 'name');
  });

  // Only accounts that write have a byline: refused before the form is read, as a scope's capability is.
  const writersOnly = async (req: FastifyRequest) => {
    kit.requireCapability(req, 'write_posts');
  };
  staff.post(`${PAGE}/byline`, { schema: { body: BylineForm }, preValidation: writersOnly }, async (req, reply) => {
    const { bylineName, bylineBio } = req.body;
    try {
      await updateOwnByline(ctx.deps.content, { user: viewerOf(req).user, name: bylineName, bio: bylineBio });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['BAD_REQUEST']);
      return show(req, reply, { bylineName, bylineBio, errors }, status);
    }
    return done(reply, 'byline', 'byline');
  });

  staff.post(`${PAGE}/password`, { schema: { body: PasswordForm } }, async (req, reply) => {
    const { current, password, confirm } = req.body;
    if (password !== confirm)
      return show(req, reply, { errors: { confirm: 'The two new passwords are not the same.' } }, 400);
    try {
      await changeOwnPassword(accounts, {
        signedIn: viewerOf(req).signedIn,
        current,
        password,
      });
    } catch (err) {
      const { status, errors } = fieldErrorsOf(err, ['CURRENT_PASSWORD_WRONG', 'PASSWORD_REJECTED']);
      return show(req, reply, { errors }, status);
    }
    return done(reply, 'password', 'password');
  });

  staff.post(`${PAGE}/totp/start`, { schema: { body: CsrfOnly } }, async (req, reply) => {
    await startTotpEnrolment(codeDeps(), viewerOf(req).user.id);
    return seeOther(reply, `${PAGE}#second-factor`);
  });

  staff.post(`${PAGE}/totp/confirm`, { schema: { body: SecondFactorForm } }, async (req, reply) => {
    try {
      await confirmTotp(codeDeps(), {
        userId: viewerOf(req).user.id,
        code: req.body.code ?? '',
        password: req.body.password ?? '',
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

  staff.post(`${PAGE}/totp/disable`, { schema: { body: SecondFactorForm } }, async (req, reply) => {
    try {
      await disableTotp(codeDeps(), {
        userId: viewerOf(req).user.id,
        code: req.body.code ?? '',
        password: req.body.password ?? '',
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

  staff.post(`${PAGE}/sessions/end`, { schema: { body: SessionForm } }, async (req, reply) => {
    const ended = await endOwnSession(accounts, { userId: viewerOf(req).user.id, ref: req.body.session });
    return done(reply, ended ? 'session-ended' : 'session-gone', 'sessions');
  });

  staff.post(`${PAGE}/sign-out-everywhere`, { schema: { body: CsrfOnly } }, async (req, reply) => {
    await signOutEverywhere(accounts, viewerOf(req).user.id);
    reply.header('set-cookie', clearedSessionCookie(secure));
    return seeOther(reply, '/admin/sign-in?notice=signed-out');
  });
}
