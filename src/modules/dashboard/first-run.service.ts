import type { Db } from '../../storage/schema.ts';
import type { User } from '../accounts/accounts.types.ts';
import { type Capability, can } from '../accounts/policies.ts';
import { DEMO_SITE_TITLE } from '../demo/demo.service.ts';
import { DEFAULT_SETTINGS, getSiteSettings } from '../settings/settings.service.ts';
import { readSetting, writeSettingOnce } from '../shared/settings.repository.ts';
import {
  findImportedUpload,
  findImportMapEntry,
  findOtherActiveUser,
  findOwnLivePost,
} from './dashboard.repository.ts';

// The dashboard's first-run checklist: what a new owner does to make the site theirs, each step ticked by what
// the site holds (never by a box someone ticks), until every step is done or the checklist is put away.

/** A step of the checklist, by key; the web layer gives each its words and its link. */
export type FirstRunStep = 'first-post' | 'byline' | 'site-title' | 'invite' | 'import';

export interface FirstRunItem {
  step: FirstRunStep;
  done: boolean;
}

/** The settings key that records "Hide this checklist" (for the whole site: it is about setting the site up). */
export const CHECKLIST_DISMISSED_KEY = 'dashboard_checklist_dismissed';

/** Who sees which step: the capability it needs. The checklist itself shows to people who run the site. */
const STEP_CAPABILITY: Record<FirstRunStep, Capability> = {
  'first-post': 'write_posts',
  byline: 'write_posts',
  'site-title': 'manage_site',
  invite: 'manage_users',
  import: 'import_site',
};

type Deps = { db: Db };

/**
 * A published or scheduled post this account made (the demo's posts belong to no account, so they never count):
 * a draft alone is not yet "written" for readers.
 */
async function hasOwnPost(db: Db, user: User): Promise<boolean> {
  return (await findOwnLivePost(db, user.id)) !== undefined;
}

/** The site's title is the owner's own: neither Annalist's default nor the demo's. */
async function hasOwnTitle(db: Db): Promise<boolean> {
  const { title } = await getSiteSettings({ db });
  return title !== DEFAULT_SETTINGS.title && title !== DEMO_SITE_TITLE;
}

/** Another account in use: a disabled one (as the demo's bylines' are: demo-accounts.ts) is nobody invited. */
async function hasOtherAccount(db: Db, user: User): Promise<boolean> {
  return (await findOtherActiveUser(db, user.id)) !== undefined;
}

/** An import finished: one from /admin/import, or one from the command line (it leaves its map of old ids). */
async function hasImported(db: Db): Promise<boolean> {
  const [upload, mapped] = await Promise.all([findImportedUpload(db), findImportMapEntry(db)]);
  return upload !== undefined || mapped !== undefined;
}

async function isDismissed(db: Db): Promise<boolean> {
  return (await readSetting(db, CHECKLIST_DISMISSED_KEY)) !== undefined;
}

const CHECKS: Record<FirstRunStep, (db: Db, user: User) => Promise<boolean>> = {
  'first-post': hasOwnPost,
  byline: async (_db, user) => user.authorId !== null,
  'site-title': hasOwnTitle,
  invite: hasOtherAccount,
  import: hasImported,
};

/**
 * The checklist for `user`: the steps their role can take, each done or not; null when it is not for them (they
 * do not run the site), when every step is done, or when someone hid it.
 */
export async function loadFirstRunChecklist(deps: Deps, user: User): Promise<FirstRunItem[] | null> {
  if (!can(user, 'manage_site') || (await isDismissed(deps.db))) return null;
  const steps = (Object.keys(STEP_CAPABILITY) as FirstRunStep[]).filter((s) => can(user, STEP_CAPABILITY[s]));
  const items = await Promise.all(steps.map(async (step) => ({ step, done: await CHECKS[step](deps.db, user) })));
  return items.every((i) => i.done) ? null : items;
}

/** "Hide this checklist": put away for everyone who runs the site (the steps stay where they are). */
export async function dismissFirstRunChecklist(deps: Deps & { clock: { now(): Date } }): Promise<void> {
  await writeSettingOnce(deps.db, CHECKLIST_DISMISSED_KEY, deps.clock.now().toISOString());
}
