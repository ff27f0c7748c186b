import type { Db, PostStatus } from '../../storage/schema.ts';
import { findPostById, listArticleSwitches, updatePost } from '../content/post.repository.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import type { ModerationSettings } from './moderation.types.ts';
import { getModerationSettings, saveModerationSettings } from './moderation-settings.ts';
import { commentsClosed } from './phases.ts';

/** What the discussion-settings use cases need. */
export interface DiscussionDeps {
  db: Db;
  clock: Clock;
  /** Called after every committed change, so cached article pages follow the new rules at once. */
  noteWrite: () => void;
}

type NumericSetting = {
  [K in keyof ModerationSettings]: ModerationSettings[K] extends number ? K : never;
}[keyof ModerationSettings];

/** The whole numbers each numeric setting may take; the form's min and max come from here too. */
export const DISCUSSION_NUMBER_LIMITS: Record<NumericSetting, { min: number; max: number }> = {
  minLength: { min: 1, max: 100 },
  maxLength: { min: 100, max: 50_000 },
  maxNameLength: { min: 20, max: 200 },
  floodSeconds: { min: 0, max: 3600 },
  minFormSeconds: { min: 0, max: 120 },
  maxLinks: { min: 0, max: 50 },
  closeAfterDays: { min: 0, max: 36_500 },
  displayDepth: { min: 1, max: 10 },
  reportThreshold: { min: 1, max: 100 },
};

/** At most this many moderation words or phrases, each at most this many characters. */
export const MODERATION_WORDS_LIMITS = { entries: 500, length: 100 } as const;

/**
 * Discussion settings as a form sends them: numbers as typed (or already numbers), the moderation words as
 * the textarea's text (one word or phrase per line) or a list, the checkbox as a boolean.
 */
export type DiscussionSettingsInput = Record<NumericSetting, string | number> & {
  moderationWords: string | string[];
  holdFirstComment: boolean;
};

const formatted = (n: number) => n.toLocaleString('en-GB');

function wholeNumber(raw: string | number, limits: { min: number; max: number }): number | string {
  const range = `from ${formatted(limits.min)} to ${formatted(limits.max)}`;
  // Figures only: "1,5" is one and a half in much of Europe, so separators are refused rather than guessed at.
  const text = typeof raw === 'number' ? String(raw) : raw.trim();
  const n = /^-?[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
  return n >= limits.min && n <= limits.max ? n : `Enter a whole number ${range}.`;
}

/**
 * The moderation words as stored: trimmed, inner spaces collapsed, lower-cased (matching ignores case, so
 * "Zhukov" and "zhukov" are one entry), empty lines dropped, duplicates kept once in their first place.
 */
function moderationWordList(raw: string | string[]): string[] | string {
  const lines = Array.isArray(raw) ? raw : raw.split(/\r\n?|\n/);
  const seen = new Set<string>();
  for (const line of lines) {
    const word = line.normalize('NFC').trim().replace(/\s+/gu, ' ').toLocaleLowerCase('en');
    if (word === '') continue;
    if ([...word].length > MODERATION_WORDS_LIMITS.length) {
      const start = [...word].slice(0, 30).join('');
      return `Each word or phrase can be at most ${MODERATION_WORDS_LIMITS.length} characters; "${start}…" is longer.`;
    }
    seen.add(word);
  }
  if (seen.size > MODERATION_WORDS_LIMITS.entries)
    return `Enter at most ${MODERATION_WORDS_LIMITS.entries} words or phrases; there are ${formatted(seen.size)}.`;
  return [...seen];
}

/**
 * Checks every discussion setting and, when all are valid, saves them. Bad input changes nothing: it throws
 * BAD_REQUEST with one message per field. Only values that differ from the current settings are written, so
 * a setting nobody touched keeps following DEFAULT_MODERATION.
 */
export async function updateDiscussionSettings(
  deps: DiscussionDeps,
  input: DiscussionSettingsInput,
): Promise<ModerationSettings> {
  const next = validateDiscussionSettings(input);
  // Compared with what is stored now, never with a copy kept for readers' pages.
  const current = await getModerationSettings({ db: deps.db });
  const changes: Partial<ModerationSettings> = {};
  for (const key of Object.keys(next) as (keyof ModerationSettings)[]) {
    if (JSON.stringify(next[key]) !== JSON.stringify(current[key])) Object.assign(changes, { [key]: next[key] });
  }
  if (Object.keys(changes).length > 0) await saveModerationSettings(deps, changes);
  return next;
}

/** Checks every discussion setting; all problems at once, by field (BAD_REQUEST), or the settings as stored. */
export function validateDiscussionSettings(input: DiscussionSettingsInput): ModerationSettings {
  const fields: Record<string, string> = {};
  const numbers: Partial<ModerationSettings> = {};
  for (const [key, limits] of Object.entries(DISCUSSION_NUMBER_LIMITS) as [
    NumericSetting,
    { min: number; max: number },
  ][]) {
    const value = wholeNumber(input[key], limits);
    if (typeof value === 'string') fields[key] = value;
    else numbers[key] = value;
  }
  const words = moderationWordList(input.moderationWords);
  if (typeof words === 'string') fields.moderationWords = words;
  if (typeof input.holdFirstComment !== 'boolean') fields.holdFirstComment = 'Choose yes or no.';
  if (Object.keys(fields).length > 0) {
    throw new AppError('BAD_REQUEST', 'Some settings need a correction; nothing was saved.', {
      fields,
      detail: `invalid: ${Object.keys(fields).join(', ')}`,
    });
  }

  return { ...numbers, moderationWords: words, holdFirstComment: input.holdFirstComment } as ModerationSettings;
}

/** Switches comments on or off for one article (the site-wide "close after N days" still applies when on). */
export async function setCommentsOpen(deps: DiscussionDeps, input: { postId: number; open: boolean }): Promise<void> {
  const post = await findPostById(deps.db, input.postId);
  if (post?.type !== 'post')
    throw new AppError('POST_NOT_FOUND', 'There is no such article.', { detail: `post ${input.postId}` });
  const value = input.open ? 1 : 0;
  if (post.comments_open === value) return;
  await updatePost(deps.db, post.id, { comments_open: value });
  deps.noteWrite();
}

/** An article as the discussion settings page lists it. */
export interface DiscussionArticle {
  id: number;
  title: string;
  slug: string;
  status: PostStatus;
  publishedAt: string | null;
  /** The article's own switch. */
  commentsOpen: boolean;
  /** Switched on, but closed anyway because it is older than the site's "close after N days". */
  closedByAge: boolean;
  /** Approved comments. */
  commentCount: number;
}

/** Every article (not page), newest first, with its comment switch and count; drafts last. */
export async function listArticlesForDiscussion(
  deps: Pick<DiscussionDeps, 'db' | 'clock'>,
): Promise<DiscussionArticle[]> {
  const rows = await listArticleSwitches(deps.db);
  const settings = await getModerationSettings(deps);
  const now = deps.clock.now();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    slug: r.slug,
    status: r.status,
    publishedAt: r.published_at,
    commentsOpen: r.comments_open === 1,
    // The same rule the moderation pipeline applies, asked as if the switch were on.
    closedByAge:
      r.comments_open === 1 &&
      r.published_at !== null &&
      commentsClosed({ now, settings, post: { commentsOpen: true, publishedAt: r.published_at } }) !== undefined,
    commentCount: r.comment_count,
  }));
}
