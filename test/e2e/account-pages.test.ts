import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { createOwnerSetupLink } from '../../src/modules/accounts/owner-setup.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { DESKTOP, launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TEST_BASE_URL } from '../support/site.ts';

const PASSWORD = 'a long writer passphrase';

let site: ServedSite;
let browser: TestBrowser;

before(async () => {
  // axe is injected as a script, which the site's CSP forbids: this browser bypasses it.
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

const deps = () => ({ db: site.site.content.db, clock: site.clock, baseUrl: TEST_BASE_URL });

async function person(email: string, name: string, role: 'owner' | 'author') {
  const user = await createUser(deps(), { email, name, role });
  await setPassword(deps(), { userId: user.id, password: PASSWORD });
  return user;
}

async function signInWithPassword(page: Page, email: string): Promise<void> {
  await page.goto(`${site.origin}/admin/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const codeNow = (secret: string) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: site.clock.now().getTime() });

/** The authenticator app's next code: the clock moves on a step, as it would while a person types. */
function nextStep(): void {
  site.clock.set(new Date(site.clock.now().getTime() + 30_000));
}

/** Opens a page that must answer 200 (an error page would pass axe for the wrong reason). */
async function open(page: Page, path: string): Promise<void> {
  const res = await page.goto(site.origin + path);
  assert.equal(res?.status(), 200, `${path} answers 200`);
}

async function expectNoViolations(page: Page, name: string, failures: string[]): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) failures.push(describeViolations(name, violations));
}

describe('accounts in a browser', () => {
  test('a writer turns on a second factor, then signs in with password and code', async () => {
    await person('wanda@writers.test', 'Wanda Writer', 'author');
    const page = await browser.newPage(DESKTOP);
    try {
      await signInWithPassword(page, 'wanda@writers.test');
      await page.waitForURL(/\/admin\/(?!sign-in)/);
      await page.getByRole('link', { name: 'Your account' }).click();
      await page.getByRole('button', { name: 'Set up a second factor' }).click();
      const secret = (await page.locator('#totp-secret').textContent())?.replace(/\s+/g, '') ?? '';
      assert.match(secret, /^[A-Z2-7]{32}$/, 'the secret is shown as text');
      assert.match((await page.locator('#totp-uri').textContent()) ?? '', /^otpauth:\/\/totp\//);
      await page.getByLabel('Code from your app').fill(codeNow(secret));
      await page.getByLabel('Your current password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Turn the second factor on' }).click();
      await page.getByText('The second factor is on. From now on').waitFor();

      await page.locator('.admin-signout').getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out.').waitFor();

      nextStep();
      await signInWithPassword(page, 'wanda@writers.test');
      await page.getByRole('heading', { name: 'Sign in: your code' }).waitFor();
      assert.equal(
        (await browser.context.cookies()).some((c) => c.name === 'annalist_session'),
        false,
        'no session before the code',
      );
      await page.getByLabel('Code').fill('000000' === codeNow(secret) ? '111111' : '000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('That code is not right').first().waitFor();
      assert.equal(
        await page.getByLabel('Code').getAttribute('aria-invalid'),
        'true',
        'the field is marked and described',
      );
      await page.getByLabel('Code').fill(codeNow(secret));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/admin\/(?!sign-in)/);
      await page.goto(`${site.origin}/admin/account`);
      assert.ok(await page.getByText('The second factor is on:').isVisible());
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('sign-in, code, forgotten password, reset, setup, account and users pages have no axe violations', async () => {
    const owner = await person('olive@writers.test', 'Olive Owner', 'owner');
    const totpUser = await person('theo@writers.test', 'Theo Twofactor', 'author');
    const page = await browser.newPage(DESKTOP);
    const failures: string[] = [];
    try {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await open(page, '/admin/sign-in');
        await expectNoViolations(page, `sign in (${scheme})`, failures);
        await open(page, '/admin/forgot-password');
        await expectNoViolations(page, `forgot password (${scheme})`, failures);
      }
      await page.emulateMedia({ colorScheme: 'light' });

      await page.goto(`${site.origin}/admin/forgot-password`);
      await page.getByLabel('Email').fill('olive@writers.test');
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.getByText('If an account exists for olive@writers.test').waitFor();
      await expectNoViolations(page, 'forgot password, sent', failures);

      const row = await site.site.content.db
        .selectFrom('outbox')
        .select('text_body')
        .where('to_address', '=', 'olive@writers.test')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const reset = /http:\/\/annalist\.test(\/admin\/reset-password\?token=\S+)/.exec(row.text_body)?.[1];
      assert.ok(reset, 'the reset mail has a link');
      await open(page, reset);
      await expectNoViolations(page, 'reset password', failures);
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByLabel('New password again').fill('short');
      // The browser's own minlength check would stop the form: the server's answer is what is tested.
      await page.locator('form').evaluate((f) => f.setAttribute('novalidate', ''));
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByText('Use at least 12 characters').first().waitFor();
      await expectNoViolations(page, 'reset password, with an error', failures);

      const setup = (await createOwnerSetupLink(deps())).url.slice(TEST_BASE_URL.length);
      await site.site.content.db
        .updateTable('users')
        .set({ disabled_at: '2000-01-01T00:00:00.000Z' })
        .where('role', '=', 'owner')
        .execute();
      await open(page, setup);
      await expectNoViolations(page, 'owner setup', failures);
      await site.site.content.db.updateTable('users').set({ disabled_at: null }).where('role', '=', 'owner').execute();

      // The code step of a person with a second factor.
      await site.site.content.db
        .updateTable('users')
        .set({ totp_secret: new Secret({ size: 20 }).base32, totp_enabled_at: site.clock.now().toISOString() })
        .where('id', '=', totpUser.id)
        .execute();
      await signInWithPassword(page, 'theo@writers.test');
      await page.getByRole('heading', { name: 'Sign in: your code' }).waitFor();
      await expectNoViolations(page, 'sign-in code', failures);
      await page.getByLabel('Code').fill('12345');
      await page.locator('form.admin-form').evaluate((f) => f.setAttribute('novalidate', ''));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('That code is not right').first().waitFor();
      await expectNoViolations(page, 'sign-in code, wrong', failures);

      await signInWithPassword(page, 'olive@writers.test');
      await page.waitForURL(/\/admin\/(?!sign-in)/);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, url] of [
          ['account', '/admin/account'],
          ['users', '/admin/users'],
          ['a user', `/admin/users/${totpUser.id}`],
          ['the owner’s own page', `/admin/users/${owner.id}`],
        ] as const) {
          await open(page, url);
          await expectNoViolations(page, `${name} (${scheme})`, failures);
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });

      await page.goto(`${site.origin}/admin/account`);
      await page.getByRole('button', { name: 'Set up a second factor' }).click();
      await expectNoViolations(page, 'account, second factor being set up', failures);
      await page.getByLabel('Current password', { exact: true }).fill('wrong');
      await page.getByLabel('New password', { exact: true }).fill('a new long passphrase');
      await page.getByLabel('New password again').fill('a new long passphrase');
      await page.getByRole('button', { name: 'Change the password' }).click();
      await page.getByText('That is not your current password.').first().waitFor();
      await expectNoViolations(page, 'account, with an error', failures);

      await page.goto(`${site.origin}/admin/users`);
      await page.getByLabel('Name').fill('Newt Newcomer');
      await page.getByLabel('Email').fill('newt@writers.test');
      await page.getByLabel('Role').selectOption('contributor');
      await page.getByRole('button', { name: 'Add and email a sign-in link' }).click();
      await page.getByText('Newt Newcomer is added as contributor').waitFor();
      await expectNoViolations(page, 'users, a person just added', failures);
      await page.getByLabel('Name').fill('');
      await page.getByLabel('Email').fill('not an email');
      await page.locator('form.admin-form').evaluate((f) => f.setAttribute('novalidate', ''));
      await page.getByRole('button', { name: 'Add and email a sign-in link' }).click();
      await page.getByText('That is not an email address.').first().waitFor();
      await expectNoViolations(page, 'users, with errors', failures);

      assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });
});
