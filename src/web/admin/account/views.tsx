import type { User } from '../../../modules/accounts/accounts.types.ts';
import type { OwnSession } from '../../../modules/accounts/own-account.service.ts';
import type { TotpEnrolment } from '../../../modules/accounts/second-factor.service.ts';
import { BYLINE_BIO_MAX_LENGTH, type OwnByline } from '../../../modules/content/own-byline.service.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { CsrfField, ErrorSummary, Field, type FieldErrors, PasswordField, someErrors } from '../../ui/form.tsx';
import { DataTable } from '../../ui/lists.tsx';
import { type AdminViewer, Alert, formatDateTime, Notice } from '../layout.tsx';

// One's own account, and the sign-in steps around a password: the code step, forgotten password, first owner.

export function SignInCodeView(props: { token: string; next: string; email: string; error?: string }) {
  const id = 'sign-in-code';
  return (
    <>
      <h1 class="page-title">Sign in: your code</h1>
      <p>
        The password for <strong>{props.email}</strong> is right. Now type the six-digit code your authenticator app
        shows for this site.
      </p>
      <form class="admin-form" method="post" action="/admin/sign-in/code">
        <input type="hidden" name="token" value={props.token} />
        <input type="hidden" name="next" value={props.next} />
        <Field id={id} label="Code" hint="Six digits; a new one every 30 seconds." error={props.error}>
          {(a11y) => (
            <input
              id={id}
              name="code"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]{6,7}"
              maxLength={7}
              required
              spellcheck={false}
              {...a11y}
            />
          )}
        </Field>
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
      <p>
        <a href="/admin/sign-in">Start again</a>
      </p>
    </>
  );
}

export function ForgotPasswordView(props: { email: string; sent: boolean; error?: string; fieldError?: string }) {
  return (
    <>
      <h1 class="page-title">Forgot your password?</h1>
      <Notice
        text={
          props.sent
            ? `If an account exists for ${props.email}, we have sent it a link to choose a new password. The link works once, for an hour. Check your inbox (and spam folder).`
            : undefined
        }
      />
      <Alert text={props.error} />
      <p>Type the email you sign in with. We will send a link to choose a new password.</p>
      <form class="admin-form" method="post" action="/admin/forgot-password">
        <Field id="forgot-email" label="Email" error={props.fieldError}>
          {(a11y) => (
            <input
              id="forgot-email"
              name="email"
              type="email"
              autoComplete="username"
              required
              maxLength={254}
              value={props.email}
              {...a11y}
            />
          )}
        </Field>
        <p>
          <button type="submit">Send the link</button>
        </p>
      </form>
      <p>
        <a href="/admin/sign-in">Back to sign in</a>
      </p>
    </>
  );
}

/** New password and its repetition, shared by the reset and first-owner forms. */
function NewPasswordFields(props: { prefix: string; minLength: number; errors: FieldErrors; hint?: string }) {
  const { prefix, errors } = props;
  return (
    <>
      <PasswordField
        id={`${prefix}-password`}
        name="password"
        label="New password"
        hint={props.hint ?? `At least ${props.minLength} characters. A few unrelated words make a good one.`}
        error={errors.password}
        autoComplete="new-password"
        required
        minLength={props.minLength}
      />
      <PasswordField
        id={`${prefix}-confirm`}
        name="confirm"
        label="New password again"
        error={errors.confirm}
        autoComplete="new-password"
        required
        minLength={props.minLength}
      />
    </>
  );
}

export function ResetPasswordView(props: { user: User; token: string; minLength: number; errors: FieldErrors }) {
  return (
    <>
      <h1 class="page-title">Choose a new password</h1>
      <ErrorSummary
        errors={someErrors(props.errors)}
        idOf={(k) => `reset-${k}`}
        message="Please correct the following; nothing was changed."
      />
      <p>
        For <strong>{props.user.email}</strong>. Once it is set, every browser signed in to this account is signed out,
        and you sign in with the new password.
      </p>
      <form class="admin-form" method="post" action="/admin/reset-password">
        <input type="hidden" name="token" value={props.token} />
        <input type="text" name="email" autoComplete="username" value={props.user.email} hidden />
        <NewPasswordFields prefix="reset" minLength={props.minLength} errors={props.errors} />
        <p>
          <button type="submit">Set the new password</button>
        </p>
      </form>
    </>
  );
}

export interface SetupValues {
  name: string;
  email: string;
}

export function OwnerSetupView(props: { token: string; values: SetupValues; minLength: number; errors: FieldErrors }) {
  const { values, errors } = props;
  return (
    <>
      <h1 class="page-title">Set up the site’s owner</h1>
      <ErrorSummary
        errors={someErrors(errors)}
        idOf={(k) => `setup-${k}`}
        message="Please correct the following; nothing was changed."
      />
      <p>
        Nobody can sign in to this site yet. You become its owner: you can add other people and give them roles. This
        link works once.
      </p>
      <form class="admin-form" method="post" action="/admin/setup">
        <input type="hidden" name="token" value={props.token} />
        <Field id="setup-name" label="Your name" hint="As readers and other users will see it." error={errors.name}>
          {(a11y) => (
            <input
              id="setup-name"
              name="name"
              type="text"
              autoComplete="name"
              required
              maxLength={80}
              value={values.name}
              {...a11y}
            />
          )}
        </Field>
        <Field
          id="setup-email"
          label="Email"
          hint="You sign in with it; password reset links go to it."
          error={errors.email}
        >
          {(a11y) => (
            <input
              id="setup-email"
              name="email"
              type="email"
              autoComplete="username"
              required
              maxLength={254}
              value={values.email}
              {...a11y}
            />
          )}
        </Field>
        <NewPasswordFields prefix="setup" minLength={props.minLength} errors={errors} />
        <p>
          <button type="submit">Become the owner and sign in</button>
        </p>
      </form>
    </>
  );
}

/** Messages after a change on the account page, by key: never text from the address. */
const ACCOUNT_NOTICES: Record<string, string> = {
  name: 'Your name is saved.',
  byline: 'Your byline is saved. Your articles show it now.',
  password: 'Your password is changed. Every other browser signed in to your account is signed out.',
  'totp-on': 'The second factor is on. From now on, signing in asks for a code after your password.',
  'totp-off': 'The second factor is off.',
  'session-ended': 'That browser is signed out.',
  'session-gone': 'That session had already ended.',
};
export const accountNoticeText = (key: string | undefined) =>
  key !== undefined && Object.hasOwn(ACCOUNT_NOTICES, key) ? ACCOUNT_NOTICES[key] : undefined;

/** What the account page's forms send back after a failed attempt: typed values and messages per field. */
export interface AccountFormState {
  name?: string;
  bylineName?: string;
  bylineBio?: string;
  errors: FieldErrors;
}

/** The byline readers see on the account's articles: its name and short biography (its address never changes). */
function BylineSection(props: { byline: OwnByline; form: AccountFormState; csrf: string }) {
  const { byline, form } = props;
  const errors = form.errors;
  return (
    <>
      <h2 id="byline">Byline</h2>
      {byline.slug === null ? (
        <p>
          Readers see your byline above your articles. It is made from your name when you first save a post; you can set
          it now.
        </p>
      ) : (
        <p>
          Readers see your byline above your articles and on your author page,{' '}
          <a href={`/author/${byline.slug}/`}>/author/{byline.slug}/</a>.
        </p>
      )}
      <form class="admin-form" method="post" action="/admin/account/byline">
        <CsrfField csrf={props.csrf} />
        <Field id="account-byline-name" label="Name in the byline" error={errors['byline-name']}>
          {(a11y) => (
            <input
              id="account-byline-name"
              name="bylineName"
              type="text"
              required
              maxLength={80}
              value={form.bylineName ?? byline.name}
              {...a11y}
            />
          )}
        </Field>
        <Field
          id="account-byline-bio"
          label="Short biography"
          hint={`Shown on your author page. At most ${BYLINE_BIO_MAX_LENGTH} characters.`}
          error={errors['byline-bio']}
        >
          {(a11y) => (
            <textarea
              id="account-byline-bio"
              name="bylineBio"
              rows={4}
              maxLength={BYLINE_BIO_MAX_LENGTH}
              value={form.bylineBio ?? byline.bio}
              {...a11y}
            />
          )}
        </Field>
        <p>
          <button type="submit">Save the byline</button>
        </p>
      </form>
    </>
  );
}

function TotpSection(props: { user: User; enrolment?: TotpEnrolment; csrf: string; errors: FieldErrors }) {
  const { errors } = props;
  if (props.user.totpEnabled)
    return (
      <>
        <p>
          The second factor is <strong>on</strong>: signing in asks for a code from your authenticator app after your
          password.
        </p>
        <form class="admin-form" method="post" action="/admin/account/totp/disable">
          <CsrfField csrf={props.csrf} />
          <fieldset>
            <legend>Turn the second factor off</legend>
            <p class="field__hint">Prove it is you with a code from your app, or with your password.</p>
            <Field id="account-disable-code" label="Code from your app" error={errors['disable-code']}>
              {(a11y) => (
                <input
                  id="account-disable-code"
                  name="code"
                  type="text"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  maxLength={7}
                  spellcheck={false}
                  {...a11y}
                />
              )}
            </Field>
            <PasswordField
              id="account-disable-password"
              name="password"
              label="Or your current password"
              autoComplete="current-password"
            />
            <p>
              <button type="submit" class="danger">
                Turn the second factor off
              </button>
            </p>
          </fieldset>
        </form>
      </>
    );
  if (props.enrolment)
    return (
      <>
        <p>Add this account to your authenticator app, then type the code it shows to turn the second factor on.</p>
        <dl class="account-secret">
          <dt>Key to type into the app</dt>
          <dd>
            <code id="totp-secret">{props.enrolment.secret.replace(/(.{4})(?=.)/g, '$1 ')}</code>
          </dd>
          <dt>Or this address, for apps that take one</dt>
          <dd>
            <code id="totp-uri">{props.enrolment.uri}</code>
          </dd>
        </dl>
        <form class="admin-form" method="post" action="/admin/account/totp/confirm">
          <CsrfField csrf={props.csrf} />
          <Field
            id="account-totp-code"
            label="Code from your app"
            hint="Six digits; a new one every 30 seconds."
            error={errors.code}
          >
            {(a11y) => (
              <input
                id="account-totp-code"
                name="code"
                type="text"
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={7}
                required
                spellcheck={false}
                {...a11y}
              />
            )}
          </Field>
          <PasswordField
            id="account-totp-password"
            name="password"
            label="Your current password"
            hint="So that a browser left signed in cannot tie your account to someone else's app."
            error={errors['totp-password']}
            autoComplete="current-password"
            required
          />
          <p>
            <button type="submit">Turn the second factor on</button>
          </p>
        </form>
        <form method="post" action="/admin/account/totp/disable">
          <CsrfField csrf={props.csrf} />
          <button type="submit" class="secondary">
            Cancel the setup
          </button>
        </form>
      </>
    );
  return (
    <>
      <p>
        The second factor is <strong>off</strong>. With it on, signing in needs a code from an authenticator app on your
        phone as well as your password, so a stolen password is not enough.
      </p>
      <form method="post" action="/admin/account/totp/start">
        <CsrfField csrf={props.csrf} />
        <button type="submit">Set up a second factor</button>
      </form>
    </>
  );
}

export function AccountView(props: {
  viewer: AdminViewer;
  site: SiteSettings;
  sessions: OwnSession[];
  enrolment?: TotpEnrolment;
  /** Absent for an account that does not write. */
  byline?: OwnByline;
  form: AccountFormState;
  minLength: number;
  notice?: string;
}) {
  const { viewer, form } = props;
  const { user, csrf } = viewer;
  const errors = form.errors;
  return (
    <>
      <h1 class="page-title">Your account</h1>
      <Notice text={props.notice} />
      <ErrorSummary
        errors={someErrors(errors)}
        idOf={(k) => `account-${k}`}
        message="Please correct the following; nothing was changed."
      />
      <p>
        Signed in as <strong>{user.email}</strong>, with the role <strong>{user.role}</strong>.
      </p>

      <h2 id="name">Name</h2>
      <form class="admin-form" method="post" action="/admin/account/name">
        <CsrfField csrf={csrf} />
        <Field id="account-name" label="Your name" hint="As readers and other users see it." error={errors.name}>
          {(a11y) => (
            <input
              id="account-name"
              name="name"
              type="text"
              autoComplete="name"
              required
              maxLength={80}
              value={form.name ?? user.name}
              {...a11y}
            />
          )}
        </Field>
        <p>
          <button type="submit">Save the name</button>
        </p>
      </form>

      {props.byline ? <BylineSection byline={props.byline} form={form} csrf={csrf} /> : null}

      <h2 id="password">Password</h2>
      <form class="admin-form" method="post" action="/admin/account/password">
        <CsrfField csrf={csrf} />
        <input type="text" name="email" autoComplete="username" value={user.email} hidden />
        <PasswordField
          id="account-current"
          name="current"
          label="Current password"
          error={errors.current}
          autoComplete="current-password"
          required
        />
        <NewPasswordFields
          prefix="account"
          minLength={props.minLength}
          errors={errors}
          hint={`At least ${props.minLength} characters. Other browsers signed in to your account are signed out.`}
        />
        <p>
          <button type="submit">Change the password</button>
        </p>
      </form>

      <h2 id="second-factor">Second factor</h2>
      <TotpSection user={user} enrolment={props.enrolment} csrf={csrf} errors={errors} />

      <h2 id="sessions">Where you are signed in</h2>
      <DataTable caption="Your sessions, newest first" hiddenCaption columns={['Signed in', 'Ends']} actions="Sign out">
        {props.sessions.map((s) => (
          <tr key={s.ref}>
            <td>
              <time dateTime={s.createdAt}>{formatDateTime(s.createdAt, props.site)}</time>
            </td>
            <td>
              <time dateTime={s.expiresAt}>{formatDateTime(s.expiresAt, props.site)}</time>
            </td>
            <td>
              {s.current ? (
                'This browser'
              ) : (
                <form method="post" action="/admin/account/sessions/end">
                  <CsrfField csrf={csrf} />
                  <input type="hidden" name="session" value={s.ref} />
                  <button type="submit" class="secondary">
                    Sign out
                    <span class="visually-hidden"> the session started {formatDateTime(s.createdAt, props.site)}</span>
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <form method="post" action="/admin/account/sign-out-everywhere">
        <CsrfField csrf={csrf} />
        <p class="field__hint" id="everywhere-hint">
          Ends every session of your account, this one included: use it if you signed in on a computer that is not
          yours.
        </p>
        <button type="submit" class="danger" aria-describedby="everywhere-hint">
          Sign out everywhere
        </button>
      </form>
    </>
  );
}
