import type { User } from '../../../modules/accounts/accounts.types.ts';
import { Alert, Notice } from '../layout.tsx';

// The pages of signing in: the form, and the welcome link's "choose a password" (routes.tsx beside this).

export function SignInView(props: { email: string; next: string; error?: string; notice?: string }) {
  return (
    <>
      <h1 class="page-title">Sign in</h1>
      <Notice text={props.notice} />
      <Alert text={props.error} />
      <form class="admin-form" method="post" action="/admin/sign-in">
        <input type="hidden" name="next" value={props.next} />
        <p>
          <label for="sign-in-email">Email</label>
          <input id="sign-in-email" name="email" type="email" autocomplete="username" required value={props.email} />
        </p>
        <p>
          <label for="sign-in-password">Password</label>
          <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required />
        </p>
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
      <p>
        <a href="/admin/forgot-password">Forgot your password?</a>
      </p>
    </>
  );
}

export function WelcomeView(props: { user: User; token: string; minLength: number; error?: string }) {
  return (
    <>
      <h1 class="page-title">Welcome, {props.user.name}</h1>
      <p>Choose a password to sign in with from now on. This link works once.</p>
      <Alert text={props.error} />
      <form class="admin-form" method="post" action="/admin/welcome">
        <input type="hidden" name="token" value={props.token} />
        <p>
          <label for="welcome-email">Email</label>
          <input
            id="welcome-email"
            name="email"
            type="email"
            autocomplete="username"
            readOnly
            value={props.user.email}
          />
        </p>
        <p>
          <label for="welcome-password">New password</label>
          <input
            id="welcome-password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={props.minLength}
            aria-describedby="welcome-password-hint"
          />
          <span class="hint" id="welcome-password-hint">
            At least {props.minLength} characters. A few unrelated words make a good one.
          </span>
        </p>
        <p>
          <label for="welcome-confirm">New password again</label>
          <input
            id="welcome-confirm"
            name="confirm"
            type="password"
            autocomplete="new-password"
            required
            minLength={props.minLength}
          />
        </p>
        <p>
          <button type="submit">Set password and sign in</button>
        </p>
      </form>
    </>
  );
}
