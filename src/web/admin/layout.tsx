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
  | 'media'
  | 'taxonomy'
  | 'site'
  | 'users'
  | 'account'
  | 'moderation'
  | 'bans'
  | 'discussion'
  | 'words'
  | 'sources'
  | 'corrections'
  | 'backups'
  | 'export'
  | 'import';

/** The navigation, in order; a link shows only to people who hold its capability (none: everyone signed in). */
export const ADMIN_NAV: readonly { section: AdminSection; href: string; label: string; capability?: Capability }[] = [
  { section: 'dashboard', href: '/admin/dashboard', label: 'Dashboard' },
  { section: 'posts', href: '/admin/posts', label: 'Posts', capability: 'write_posts' },
  { section: 'words', href: '/admin/words', label: 'Word list', capability: 'edit_others_posts' },
  { section: 'media', href: '/admin/media', label: 'Media', capability: 'upload_media' },
  { section: 'sources', href: '/admin/sources', label: 'Sources', capability: 'manage_sources' },
  { section: 'corrections', href: '/admin/corrections', label: 'Corrections', capability: 'review_corrections' },
  { section: 'moderation', href: '/admin/moderation', label: 'Comments', capability: 'moderate_comments' },
  { section: 'bans', href: '/admin/bans', label: 'Bans', capability: 'moderate_comments' },
  { section: 'discussion', href: '/admin/discussion', label: 'Discussion settings', capability: 'manage_discussion' },
  { section: 'taxonomy', href: '/admin/taxonomy', label: 'Categories and tags', capability: 'manage_taxonomy' },
  { section: 'site', href: '/admin/settings', label: 'Site', capability: 'manage_site' },
  { section: 'users', href: '/admin/users', label: 'Users', capability: 'manage_users' },
  { section: 'backups', href: '/admin/backups', label: 'Backups', capability: 'manage_backups' },
  { section: 'export', href: '/admin/export', label: 'Export', capability: 'export_site' },
  { section: 'import', href: '/admin/import', label: 'Import', capability: 'import_site' },
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
        <header class="site-header">
          <div class="site-header__inner">
            <SiteBrand title={site.title} tagline="Administration" />
            {viewer ? (
              <>
                <nav class="site-nav" aria-label="Administration">
                  <ul>
                    {ADMIN_NAV.filter((item) => !item.capability || can(viewer.user, item.capability)).map((item) => (
                      <li key={item.section}>
                        <a href={item.href} aria-current={props.current === item.section ? 'page' : undefined}>
                          {item.label}
                        </a>
                      </li>
                    ))}
                  </ul>
                </nav>
                <form class="admin-signout" method="post" action="/admin/sign-out">
                  <CsrfField csrf={viewer.csrf} />
                  <p>
                    Signed in as <strong>{viewer.user.name}</strong>
                  </p>
                  <button type="submit">Sign out</button>
                </form>
              </>
            ) : null}
          </div>
        </header>
        <div class="layout">
          <main id="main" tabIndex={-1} class="admin-main">
            {props.children}
          </main>
        </div>
      </body>
    </html>,
  )}`;
}

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
