import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { User } from '../../modules/accounts/accounts.types.ts';
import { type Capability, can } from '../../modules/accounts/policies.ts';
import type { ModerationAction } from '../../modules/moderation/queue.service.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import { ADMIN_STYLESHEET_URL, FAVICON_URL, STYLESHEET_URL } from '../kit/assets.ts';
import { CsrfField } from '../ui/form.tsx';
import { SiteBrand, SkipLink } from '../ui/layout.tsx';

// The frame of every administration page, and the small pieces all of them use.

/** The person looking at an admin page, and the token their forms carry. */
export interface AdminViewer {
  user: User;
  csrf: string;
}

const ACTION_PAST: Record<ModerationAction, string> = {
  approve: 'approved',
  spam: 'marked as spam',
  trash: 'moved to the trash',
  delete: 'deleted permanently',
  restore: 'restored to the held queue',
};

/** The parts of the administration, each a link in its navigation. */
export type AdminSection =
  | 'dashboard'
  | 'posts'
  | 'pages'
  | 'media'
  | 'taxonomy'
  | 'site'
  | 'widgets'
  | 'menus'
  | 'users'
  | 'account'
  | 'moderation'
  | 'bans'
  | 'discussion'
  | 'words'
  | 'sources'
  | 'entities'
  | 'corrections'
  | 'backups'
  | 'export'
  | 'import';

/** A link of the navigation; it shows only to people who hold its capability (none: everyone signed in). */
export interface AdminNavLink {
  section: AdminSection;
  href: string;
  label: string;
  /** Words that tell two links of one label apart (read by screen readers, not shown): "Discussion" settings. */
  context?: string;
  capability?: Capability;
}

/** A named group of links, folded on a phone. */
export interface AdminNavGroup {
  label: string;
  links: readonly AdminNavLink[];
}

/** The navigation, grouped by what a person came to do, in order; the dashboard and the account stand alone. */
export const ADMIN_NAV_GROUPS: readonly AdminNavGroup[] = [
  {
    label: 'Content',
    links: [
      { section: 'posts', href: '/admin/posts', label: 'Posts', capability: 'write_posts' },
      { section: 'pages', href: '/admin/posts?type=page', label: 'Pages', capability: 'write_posts' },
      { section: 'media', href: '/admin/media', label: 'Media', capability: 'upload_media' },
      { section: 'sources', href: '/admin/sources', label: 'Sources', capability: 'manage_sources' },
      { section: 'entities', href: '/admin/entities', label: 'Entities', capability: 'edit_others_posts' },
      { section: 'taxonomy', href: '/admin/taxonomy', label: 'Categories and tags', capability: 'manage_taxonomy' },
    ],
  },
  {
    label: 'Discussion',
    links: [
      { section: 'moderation', href: '/admin/moderation', label: 'Comments', capability: 'moderate_comments' },
      { section: 'corrections', href: '/admin/corrections', label: 'Corrections', capability: 'review_corrections' },
      { section: 'bans', href: '/admin/bans', label: 'Bans', capability: 'moderate_comments' },
      {
        section: 'discussion',
        href: '/admin/discussion',
        label: 'Settings',
        context: 'Discussion',
        capability: 'manage_discussion',
      },
    ],
  },
  {
    label: 'Site',
    links: [
      { section: 'site', href: '/admin/settings', label: 'Settings', context: 'Site', capability: 'manage_site' },
      { section: 'widgets', href: '/admin/widgets', label: 'Widgets', capability: 'manage_site' },
      { section: 'menus', href: '/admin/menus', label: 'Menus', capability: 'manage_site' },
      { section: 'users', href: '/admin/users', label: 'Users', capability: 'manage_users' },
      { section: 'words', href: '/admin/words', label: 'Word list', capability: 'edit_others_posts' },
      { section: 'import', href: '/admin/import', label: 'Import', capability: 'import_site' },
      { section: 'export', href: '/admin/export', label: 'Export', capability: 'export_site' },
      { section: 'backups', href: '/admin/backups', label: 'Backups', capability: 'manage_backups' },
    ],
  },
];

/** Every link of the navigation, the dashboard first and the account last. */
export const ADMIN_NAV: readonly AdminNavLink[] = [
  { section: 'dashboard', href: '/admin/dashboard', label: 'Dashboard' },
  ...ADMIN_NAV_GROUPS.flatMap((g) => g.links),
  { section: 'account', href: '/admin/account', label: 'Your account' },
];

/** Status messages shown after a form was sent, by key (never text from the address itself). */
export function noticeText(notice: string | undefined, n: number): string | undefined {
  const comments = n === 1 ? 'Comment' : `${n} comments`;
  if (notice && Object.hasOwn(ACTION_PAST, notice)) return `${comments} ${ACTION_PAST[notice as ModerationAction]}.`;
  const fixed: Record<string, string> = {
    edit: 'Comment changed.',
    reply: 'Your reply is published.',
    ban: 'Ban added.',
    unban: 'Ban lifted.',
    welcome: 'Your password is set and you are signed in.',
    'checklist-hidden': 'The checklist is hidden; each of its steps is still in the menu.',
    'none-selected': 'No comments were selected, so nothing was changed.',
    'signed-out': 'You are signed out.',
    'password-reset': 'Your new password is set, and every browser that was signed in is signed out. Sign in with it.',
  };
  return notice ? fixed[notice] : undefined;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
export function formatDateTime(iso: string, site: SiteSettings): string {
  const key = `${site.locale}|${site.timeZone}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(site.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: site.timeZone });
    dateTimeFormats.set(key, f);
  }
  return f.format(new Date(iso));
}

/** A whole admin page: the site's look, no search-engine indexing, navigation once signed in. */
export function renderAdminPage(props: {
  site: SiteSettings;
  title: string;
  viewer?: AdminViewer;
  current?: AdminSection;
  children: ComponentChildren;
}): string {
  const { site, viewer } = props;
  return `<!DOCTYPE html>${renderToString(
    <html lang={site.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${site.title} administration`}</title>
        <meta name="robots" content="noindex, nofollow" />
        <link rel="stylesheet" href={STYLESHEET_URL} />
        <link rel="stylesheet" href={ADMIN_STYLESHEET_URL} />
        <link rel="icon" href={FAVICON_URL} type="image/svg+xml" />
      </head>
      <body>
        <SkipLink />
        <header class="admin-header">
          <SiteBrand title={site.title} tagline="Administration" />
          <div class="admin-header__tools">
            <a class="admin-header__view" href="/">
              View site
            </a>
            {viewer ? (
              <form class="admin-signout" method="post" action="/admin/sign-out">
                <CsrfField csrf={viewer.csrf} />
                <p>
                  <span class="admin-signout__as">Signed in as </span>
                  <strong>{viewer.user.name}</strong>
                </p>
                <button type="submit">Sign out</button>
              </form>
            ) : null}
          </div>
        </header>
        <div class={viewer ? 'admin-layout' : 'admin-layout admin-layout--signed-out'}>
          {viewer ? <AdminNav user={viewer.user} current={props.current} /> : null}
          <main id="main" tabIndex={-1} class="admin-main">
            {props.children}
          </main>
        </div>
      </body>
    </html>,
  )}`;
}

const allowed = (user: User) => (link: AdminNavLink) => !link.capability || can(user, link.capability);

function NavLink(props: { link: AdminNavLink; current?: AdminSection }) {
  return (
    <li>
      <a href={props.link.href} aria-current={props.current === props.link.section ? 'page' : undefined}>
        {props.link.context ? <span class="visually-hidden">{`${props.link.context} `}</span> : null}
        {props.link.label}
      </a>
    </li>
  );
}

/**
 * The navigation: the dashboard, then each group the person has links in, then their account. Each group is a
 * `<details>`: folded on a phone (the group of the page shown starts open), always open beside the page on a
 * wide screen (admin.css), so it works without any script.
 */
function AdminNav(props: { user: User; current?: AdminSection }) {
  const mayUse = allowed(props.user);
  const [dashboard, account] = [ADMIN_NAV[0]!, ADMIN_NAV[ADMIN_NAV.length - 1]!];
  return (
    <nav class="admin-nav" aria-label="Administration">
      <ul class="admin-nav__single">
        <NavLink link={dashboard} current={props.current} />
      </ul>
      {ADMIN_NAV_GROUPS.map((group) => {
        const links = group.links.filter(mayUse);
        if (links.length === 0) return null;
        const here = links.some((l) => l.section === props.current);
        return (
          <details key={group.label} class="admin-nav__group" open={here}>
            <summary>{group.label}</summary>
            <ul>
              {links.map((link) => (
                <NavLink key={link.section} link={link} current={props.current} />
              ))}
            </ul>
          </details>
        );
      })}
      <ul class="admin-nav__single">
        <NavLink link={account} current={props.current} />
      </ul>
    </nav>
  );
}

/**
 * A page's notice texts, looked up by the key the address carries (`?notice=saved`): the text of a known key,
 * else nothing (an address never puts its own words on the page).
 */
export const noticeLookup =
  <K extends string>(notices: Readonly<Record<K, string>>) =>
  (key: string | undefined): string | undefined =>
    key !== undefined && Object.hasOwn(notices, key) ? notices[key as K] : undefined;

export function Notice(props: { text: string | undefined }) {
  // The live region is always there, so a screen reader announces a message that appears in it.
  return (
    <div role="status">
      {props.text ? (
        <div class="admin-notice">
          <p>{props.text}</p>
        </div>
      ) : null}
    </div>
  );
}

export function Alert(props: { text: string | undefined }) {
  return props.text ? (
    <div class="admin-alert" role="alert">
      <p>{props.text}</p>
    </div>
  ) : null;
}

export function FormTokens(props: { csrf: string; back: string }) {
  return (
    <>
      <CsrfField csrf={props.csrf} />
      <input type="hidden" name="back" value={props.back} />
    </>
  );
}
