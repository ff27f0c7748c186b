import { USER_ROLES, type User } from '../../../modules/accounts/accounts.types.ts';
import { ROLE_RANK } from '../../../modules/accounts/policies.ts';
import type { Byline, ListedUser } from '../../../modules/content/bylines.service.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import type { UserRole } from '../../../storage/schema.ts';
import { Choice, CsrfField, ErrorSummary, Field, type FieldErrors, someErrors } from '../../ui/form.tsx';
import { DataTable } from '../../ui/lists.tsx';
import { type AdminViewer, Alert, formatDateTime, Notice } from '../layout.tsx';

// The users admin: everyone who can sign in, their roles, status and bylines.

/** What each role may do, in a line an owner reads before giving it. */
export const ROLE_SUMMARIES: Record<UserRole, string> = {
  owner: 'Everything, including other owners.',
  admin: 'Everything except changing owners: users, settings, all posts, comments.',
  editor: 'All posts and pages, categories and tags, media, comments and discussion rules.',
  author: 'Writes, publishes and illustrates their own posts.',
  contributor: 'Writes drafts of their own posts and sends them for review; cannot publish.',
  moderator: 'Works the comment queue and bans; nothing else.',
};

const USER_NOTICES: Record<string, string> = {
  role: 'The role is changed.',
  disabled: 'The account is disabled and signed out everywhere.',
  enabled: 'The account is enabled again.',
  byline: 'The byline is saved.',
  'second-factor': 'The second factor is off: they sign in with their password and can set up a new one.',
  removed: 'The account is removed.',
};
export const userNoticeText = (key: string | undefined) =>
  key !== undefined && Object.hasOwn(USER_NOTICES, key) ? USER_NOTICES[key] : undefined;

/** Roles the viewer may give: none above their own. */
const givableRoles = (viewer: User) => USER_ROLES.filter((r) => ROLE_RANK[r] <= ROLE_RANK[viewer.role]);

function StatusText(props: { user: User }) {
  if (props.user.disabledAt) return <>Disabled</>;
  if (!props.user.hasPassword) return <>Invited (no password yet)</>;
  return <>Active{props.user.totpEnabled ? ', with a second factor' : ''}</>;
}

function RoleSelect(props: { id: string; viewer: User; value: string; error?: string; hint?: string }) {
  return (
    <Field id={props.id} label="Role" hint={props.hint} error={props.error}>
      {(a11y) => (
        <select id={props.id} name="role" required {...a11y}>
          {givableRoles(props.viewer).map((r) => (
            <option key={r} value={r} selected={r === props.value}>
              {r}: {ROLE_SUMMARIES[r]}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export interface AddUserValues {
  name: string;
  email: string;
  role: string;
}

export function UsersView(props: {
  users: ListedUser[];
  viewer: AdminViewer;
  site: SiteSettings;
  values: AddUserValues;
  errors: FieldErrors;
  notice?: string;
  /** Just added: the sign-in link is shown this once. */
  added?: { user: User; url: string; expiresAt: string };
}) {
  const { viewer, site, values, errors } = props;
  return (
    <>
      <h1 class="page-title">Users</h1>
      <Notice text={props.notice} />
      {props.added ? (
        <div class="admin-notice" role="status">
          <p>
            {props.added.user.name} is added as {props.added.user.role}. We emailed them this sign-in link, where they
            choose a password. It works once, until{' '}
            <time dateTime={props.added.expiresAt}>{formatDateTime(props.added.expiresAt, site)}</time>, and is shown
            only now:
          </p>
          <p>
            <code class="user-link">{props.added.url}</code>
          </p>
        </div>
      ) : null}
      <DataTable
        caption="People who can sign in"
        hiddenCaption
        columns={['Name', 'Email', 'Role', 'Status', 'Byline', 'Added']}
      >
        {props.users.map((u) => (
          <tr key={u.id}>
            <td>
              <a href={`/admin/users/${u.id}`}>{u.name}</a>
              {u.id === viewer.user.id ? ' (you)' : ''}
            </td>
            <td>{u.email}</td>
            <td>{u.role}</td>
            <td>
              <StatusText user={u} />
            </td>
            <td>{u.bylineName ?? 'None'}</td>
            <td>
              <time dateTime={u.createdAt}>{formatDateTime(u.createdAt, site)}</time>
            </td>
          </tr>
        ))}
      </DataTable>

      <h2 id="add">Add a person</h2>
      <ErrorSummary errors={someErrors(errors)} idOf={(k) => `add-${k}`} message="The person was not added:" />
      <form class="admin-form" method="post" action="/admin/users">
        <CsrfField csrf={viewer.csrf} />
        <Field id="add-name" label="Name" hint="As readers and other users will see it." error={errors.name}>
          {(a11y) => (
            <input id="add-name" name="name" type="text" required maxLength={80} value={values.name} {...a11y} />
          )}
        </Field>
        <Field
          id="add-email"
          label="Email"
          hint="They sign in with it; the sign-in link goes to it."
          error={errors.email}
        >
          {(a11y) => (
            <input id="add-email" name="email" type="email" required maxLength={254} value={values.email} {...a11y} />
          )}
        </Field>
        <RoleSelect
          id="add-role"
          viewer={viewer.user}
          value={values.role || 'author'}
          error={errors.role}
          hint="No role above your own can be given."
        />
        <p>
          <button type="submit">Add and email a sign-in link</button>
        </p>
      </form>
    </>
  );
}

export function UserView(props: {
  target: ListedUser;
  bylines: Byline[];
  viewer: AdminViewer;
  site: SiteSettings;
  notice?: string;
  error?: string;
  errors: FieldErrors;
}) {
  const { target, viewer, errors } = props;
  const base = `/admin/users/${target.id}`;
  const self = target.id === viewer.user.id;
  const outranked = !self && ROLE_RANK[target.role] > ROLE_RANK[viewer.user.role];
  return (
    <>
      <h1 class="page-title">{target.name}</h1>
      <Notice text={props.notice} />
      <Alert text={props.error} />
      <p>
        <a href="/admin/users">All users</a>
      </p>
      <dl class="user-facts">
        <div>
          <dt>Email</dt>
          <dd>{target.email}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{target.role}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusText user={target} />
          </dd>
        </div>
        <div>
          <dt>Byline</dt>
          <dd>{target.bylineName ?? 'None'}</dd>
        </div>
        <div>
          <dt>Added</dt>
          <dd>
            <time dateTime={target.createdAt}>{formatDateTime(target.createdAt, props.site)}</time>
          </dd>
        </div>
      </dl>
      {outranked ? (
        <p>
          {target.name} is {target.role}, above your own role, so you cannot change their account.
        </p>
      ) : (
        <>
          <h2 id="role">Role</h2>
          <form class="admin-form" method="post" action={`${base}/role`}>
            <CsrfField csrf={viewer.csrf} />
            <RoleSelect
              id="user-role"
              viewer={viewer.user}
              value={target.role}
              error={errors.role}
              hint={self ? 'Your own role: you can lower it, never raise it.' : undefined}
            />
            <p>
              <button type="submit">Change the role</button>
            </p>
          </form>

          <h2 id="byline">Byline</h2>
          <form class="admin-form" method="post" action={`${base}/byline`}>
            <CsrfField csrf={viewer.csrf} />
            <Field
              id="user-author"
              label="Writes as"
              hint="Authors and contributors edit only the posts that carry their byline. A person who writes with no byline gets a new one, from their name, at their next save."
              error={errors.author}
            >
              {(a11y) => (
                <select id="user-author" name="author" {...a11y}>
                  <option value="" selected={target.authorId === null}>
                    No byline
                  </option>
                  {props.bylines.map((b) => (
                    <option key={b.id} value={String(b.id)} selected={b.id === target.authorId}>
                      {b.name}
                    </option>
                  ))}
                  <option value="new">A new byline: {target.name}</option>
                </select>
              )}
            </Field>
            <p>
              <button type="submit">Save the byline</button>
            </p>
          </form>

          {self ? null : (
            <>
              <h2 id="status">Access</h2>
              <form method="post" action={`${base}/${target.disabledAt ? 'enable' : 'disable'}`}>
                <CsrfField csrf={viewer.csrf} />
                <p class="field__hint" id="user-access-hint">
                  {target.disabledAt
                    ? 'Enabling lets them sign in again.'
                    : 'Disabling signs them out everywhere at once and stops them signing in; nothing they wrote changes.'}
                </p>
                <button
                  type="submit"
                  class={target.disabledAt ? undefined : 'secondary'}
                  aria-describedby="user-access-hint"
                >
                  {target.disabledAt ? 'Enable the account' : 'Disable the account'}
                </button>
              </form>
              {target.totpEnabled ? (
                <>
                  <h2 id="second-factor">Second factor</h2>
                  <form method="post" action={`${base}/second-factor/reset`}>
                    <CsrfField csrf={viewer.csrf} />
                    <p class="field__hint" id="user-totp-hint">
                      For a lost phone, or an app they did not set up: turns the second factor off and signs them out
                      everywhere. They sign in with their password and can set up a new one.
                    </p>
                    <button type="submit" class="secondary" aria-describedby="user-totp-hint">
                      Turn off their second factor
                    </button>
                  </form>
                </>
              ) : null}
              <h2 id="remove">Remove</h2>
              <form class="admin-form" method="post" action={`${base}/remove`}>
                <CsrfField csrf={viewer.csrf} />
                <Choice
                  type="checkbox"
                  id="user-remove-confirm"
                  name="confirm"
                  value="1"
                  required
                  error={errors.confirm}
                >
                  Yes, remove {target.name}’s account for good
                </Choice>
                <p class="field__hint">
                  Their posts and comments stay; only the account goes. Disabling can be undone.
                </p>
                <p>
                  <button type="submit" class="danger">
                    Remove the account
                  </button>
                </p>
              </form>
            </>
          )}
        </>
      )}
    </>
  );
}
