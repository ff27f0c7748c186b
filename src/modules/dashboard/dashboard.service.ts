import type { Db, PostStatus, PostType } from '../../storage/schema.ts';
import type { User } from '../accounts/accounts.types.ts';
import { can } from '../accounts/policies.ts';
import type { BackupStatus } from '../backups/backup-status.service.ts';
import { countSuggestionsByStatus } from '../corrections/suggestion.repository.ts';
import {
  heldCommentsSummary,
  listDashboardPosts,
  listUnpublishedWithText,
  type PostsOf,
} from './dashboard.repository.ts';

// The dashboard: what needs a writer's or editor's attention, each part shown only to people who can act on it.

/** A post as the dashboard lists it. */
export interface DashboardPost {
  id: number;
  type: PostType;
  title: string;
  status: PostStatus;
  /** Last saved (or created). */
  changedAt: string;
  /** Scheduled posts: when they go live. */
  publishAt: string | null;
  submittedAt: string | null;
}

/** A post whose preflight checks found something, with the messages. */
export interface FailingPost extends DashboardPost {
  issues: { check: string; message: string }[];
}

export interface Dashboard {
  /** Null: the viewer does not write (the part is not shown). */
  drafts: DashboardPost[] | null;
  review: DashboardPost[] | null;
  scheduled: DashboardPost[] | null;
  failing: FailingPost[] | null;
  /** Null: the viewer does not moderate. */
  held: { count: number; latest: { id: number; authorName: string; postTitle: string; createdAt: string }[] } | null;
  /** Readers' correction suggestions waiting: open ones for editors (null otherwise), held ones for moderators. */
  suggestions: { open: number | null; held: number } | null;
  /** True when the lists hold everyone's posts, false when only the viewer's own. */
  everyone: boolean;
  /** Scheduled backups, for people who run the site (owners and admins); null otherwise. */
  backups: BackupStatus | null;
}

/** What a post's checks need: the fields preflight reads. */
export interface PreflightInput {
  title: string;
  standfirst: string;
  bodyMarkdown: string;
  coverAlt: string | null;
  coverSrc: string | null;
}

export interface DashboardDeps {
  db: Db;
  clock: { now(): Date };
  /** The preflight checks (src/modules/preflight), passed in so the dashboard runs whatever checks exist. */
  checkPost: (post: PreflightInput) => Promise<{ issues: { check: string; message: string }[] }>;
  /** Where backups stand (src/modules/backups), when the site has them. */
  backupStatus?: () => Promise<BackupStatus>;
}

export const DASHBOARD_LIMITS = { list: 5, checked: 5, held: 3 } as const;

/** The dashboard for `user`: drafts, posts in review, scheduled posts, failing checks and held comments. */
export async function loadDashboard(deps: DashboardDeps, user: User): Promise<Dashboard> {
  const writes = can(user, 'write_posts');
  const everyone = can(user, 'edit_others_posts');
  const now = deps.clock.now().toISOString();

  const of: PostsOf = everyone ? { everyone: true } : user;
  const list = (name: 'drafts' | 'review' | 'scheduled') =>
    writes ? listDashboardPosts(deps.db, { of, list: name, now, limit: DASHBOARD_LIMITS.list }) : null;
  const toPost = (r: NonNullable<Awaited<ReturnType<typeof list>>>[number]): DashboardPost => ({
    id: r.id,
    type: r.type,
    title: r.title,
    status: r.status,
    changedAt: r.updated_at ?? r.created_at,
    publishAt: r.status === 'scheduled' ? r.published_at : null,
    submittedAt: r.submitted_at,
  });

  const [drafts, review, scheduled, held] = await Promise.all([
    list('drafts'),
    list('review'),
    list('scheduled'),
    can(user, 'moderate_comments') ? loadHeld(deps.db) : null,
  ]);

  return {
    drafts: drafts?.map(toPost) ?? null,
    review: review?.map(toPost) ?? null,
    scheduled: scheduled?.map(toPost) ?? null,
    failing: writes ? await failingChecks(deps, of) : null,
    held,
    suggestions: await suggestionCounts(deps.db, user),
    everyone,
    backups: deps.backupStatus && can(user, 'manage_site') ? await deps.backupStatus() : null,
  };
}

async function suggestionCounts(db: Db, user: User): Promise<Dashboard['suggestions']> {
  const reviews = can(user, 'review_corrections');
  if (!reviews && !can(user, 'moderate_comments')) return null;
  const counts = await countSuggestionsByStatus(db);
  return { open: reviews ? (counts.open ?? 0) : null, held: counts.held ?? 0 };
}

/** Runs the preflight checks over the few most recently changed unpublished posts; keeps those with issues. */
async function failingChecks(deps: DashboardDeps, of: PostsOf): Promise<FailingPost[]> {
  const now = deps.clock.now().toISOString();
  const rows = await listUnpublishedWithText(deps.db, { of, now, limit: DASHBOARD_LIMITS.checked });
  const failing: FailingPost[] = [];
  for (const r of rows) {
    const { issues } = await deps.checkPost({
      title: r.title,
      standfirst: r.standfirst,
      bodyMarkdown: r.body_md,
      coverAlt: r.cover_alt,
      coverSrc: r.cover_src,
    });
    if (issues.length === 0) continue;
    failing.push({
      id: r.id,
      type: r.type,
      title: r.title,
      status: r.status,
      changedAt: r.updated_at ?? r.created_at,
      publishAt: r.status === 'scheduled' ? r.published_at : null,
      submittedAt: r.submitted_at,
      issues: issues.map((i) => ({ check: i.check, message: i.message })),
    });
  }
  return failing;
}

async function loadHeld(db: Db): Promise<NonNullable<Dashboard['held']>> {
  const { count, latest } = await heldCommentsSummary(db, DASHBOARD_LIMITS.held);
  return {
    count,
    latest: latest.map((c) => ({ id: c.id, authorName: c.author_name, postTitle: c.title, createdAt: c.created_at })),
  };
}
