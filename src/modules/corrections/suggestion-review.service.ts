import type { Db, SuggestionStatus } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { findUserById } from '../accounts/user.repository.ts';
import { findPostById } from '../content/post.repository.ts';
import { trainSpam } from '../moderation/spam-classifier.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { type Anchor, anchorQuote, articleText, type PassageSelectors, parseSelectors } from './anchoring.ts';
import { currentBodyHtml } from './current-body.ts';
import { highlightPassage } from './highlight.ts';
import { replaceInMarkdown } from './markdown-replace.ts';
import {
  changeSuggestionStatus,
  countSuggestionsByStatus,
  DECIDED_STATUSES,
  findSuggestionById,
  listSuggestions,
  type SuggestionListRow,
  type SuggestionRow,
  UNDECIDED_STATUSES,
} from './suggestion.repository.ts';

export type { SuggestionListRow } from './suggestion.repository.ts';

import { queueSuggesterMail } from './suggestion-mail.ts';

/** What the review use cases need (built in main.ts; `db` may be a caller's transaction). */
export interface ReviewDeps {
  db: Db;
  clock: Clock;
  /** Absolute origin for links in mail, without a trailing slash. */
  baseUrl: string;
}

const notFound = (id: number) =>
  new AppError('SUGGESTION_NOT_FOUND', 'There is no such correction suggestion.', { detail: `suggestion ${id}` });
const alreadyDecided = (s: Pick<SuggestionRow, 'id' | 'status'>) =>
  new AppError(
    'SUGGESTION_ALREADY_DECIDED',
    s.status === 'accepted' || s.status === 'rejected'
      ? `This suggestion was already ${s.status}: nothing was changed.`
      : 'Someone decided this suggestion while you were looking at it: nothing was changed.',
    { detail: `suggestion ${s.id} is ${s.status}` },
  );

/**
 * The error for a conditional update that changed nothing: someone else decided first. Read the row again to say
 * what they decided (on PostgreSQL both editors may have read it undecided; the loser's update waited for the
 * winner's commit and then matched nothing, and this new read sees the committed status).
 */
async function decidedMeanwhile(db: Db, id: number, fallback: SuggestionStatus = 'open'): Promise<AppError> {
  return alreadyDecided({ id, status: (await findSuggestionById(db, id))?.status ?? fallback });
}

/** The suggestion, if an editor may still decide it (open or waiting for more information). */
async function loadUndecided(db: Db, id: number): Promise<SuggestionRow> {
  const s = await findSuggestionById(db, id);
  if (!s) throw notFound(id);
  if (DECIDED_STATUSES.includes(s.status)) throw alreadyDecided(s);
  if (!UNDECIDED_STATUSES.includes(s.status))
    throw new AppError(
      'SUGGESTION_NOT_FOUND',
      'This suggestion is not open for a decision (it waits for moderation or was discarded).',
      {
        detail: `suggestion ${id} is ${s.status}`,
      },
    );
  return s;
}

/** A short quote for a one-line summary. */
const short = (s: string, max = 120) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1).trimEnd()}…` : one;
};

/** Where the suggestion's passage is in the current text of its article (null: orphaned). */
function anchorIn(text: string, s: SuggestionRow): { selectors: PassageSelectors; anchor: Anchor | null } {
  const selectors = parseSelectors(s.selector_json) ?? [
    { type: 'TextQuoteSelector', exact: s.quote, prefix: '', suffix: '' },
    { type: 'TextPositionSelector', start: 0, end: 0 },
  ];
  return { selectors, anchor: anchorQuote(text, selectors) };
}

/**
 * The accept flow's first step (the editor opens with this): the post's current Markdown with the quoted
 * passage replaced by the proposed wording when the passage can be found in the source (exactly once, or the
 * occurrence nearest its anchored place), and the words for the corrections log entry.
 */
export async function proposedEdit(
  db: Db,
  suggestionId: number,
): Promise<{
  postId: number;
  bodyMarkdown: string | null;
  applied: boolean;
  summary: string;
  reason: string;
  sourceText: string;
  creditName: string | null;
  quote: string;
  proposed: string;
}> {
  const s = await loadUndecided(db, suggestionId);
  const post = await findPostById(db, s.post_id);
  if (!post) throw notFound(suggestionId);
  const text = articleText(await currentBodyHtml(db, post));
  const { anchor } = anchorIn(text, s);
  // Replace what the article says now at the anchored place (it may differ from the reader's quote a little).
  const passage = anchor ? text.slice(anchor.start, anchor.end) : s.quote;
  const edited =
    s.proposed && anchor
      ? replaceInMarkdown(post.body_md, passage, s.proposed, text.length > 0 ? anchor.start / text.length : null)
      : null;
  const summary = s.proposed
    ? `Changed "${short(s.quote)}" to "${short(s.proposed)}".`
    : `Corrected "${short(s.quote)}".`;
  return {
    postId: post.id,
    bodyMarkdown: edited ?? post.body_md,
    applied: edited !== null,
    summary,
    reason: s.problem,
    sourceText: s.source_text,
    creditName: s.credit_ok ? s.author_name : null,
    quote: s.quote,
    proposed: s.proposed,
  };
}

/**
 * The accept flow's last step, run inside the transaction that publishes the corrected article: the
 * suggestion is accepted and linked to its log entry (only if nobody decided it meanwhile: the status check
 * is part of the update), and the suggester is told if their address is confirmed.
 */
export async function markSuggestionAccepted(
  db: Db,
  clock: Clock,
  input: { suggestionId: number; correctionId: number; userId: number | null; baseUrl: string },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const s = await loadUndecided(trx, input.suggestionId);
    const changed = await changeSuggestionStatus(trx, s.id, UNDECIDED_STATUSES, {
      status: 'accepted',
      correction_id: input.correctionId,
      decided_by: input.userId,
      decided_at: isoNow(clock),
    });
    if (!changed) throw await decidedMeanwhile(trx, s.id);
    const post = await findPostById(trx, s.post_id);
    if (post)
      await queueSuggesterMail(trx, clock, {
        suggestion: s,
        post,
        news: 'accepted',
        note: '',
        baseUrl: input.baseUrl,
      });
  });
}

/** Longest reason or question an editor may send a reader (characters). */
export const SUGGESTION_NOTE_MAX = 2_000;

function checkNote(note: string, field: 'reason' | 'question'): string {
  const text = note.replace(/\r\n?/g, '\n').trim();
  const what =
    field === 'reason'
      ? 'Give the reason for rejecting it (the reader is told).'
      : 'Write your question for the reader.';
  if (!text)
    throw new AppError('SUGGESTION_INVALID', 'Please correct the field marked below.', { fields: { [field]: what } });
  if (text.length > SUGGESTION_NOTE_MAX)
    throw new AppError('SUGGESTION_INVALID', 'Please correct the field marked below.', {
      fields: { [field]: `At most ${SUGGESTION_NOTE_MAX} characters.` },
    });
  return text;
}

/** Rejects an open suggestion with a reason (required); the suggester is told if their address is confirmed. */
export async function rejectSuggestion(
  deps: ReviewDeps,
  input: { suggestionId: number; userId: number; reason: string },
): Promise<void> {
  const reason = checkNote(input.reason, 'reason');
  await decide(deps, input.suggestionId, input.userId, 'rejected', reason);
}

/** Asks the suggester for more (a question, required): the suggestion waits as needs_info. */
export async function askForMore(
  deps: ReviewDeps,
  input: { suggestionId: number; userId: number; question: string },
): Promise<void> {
  const question = checkNote(input.question, 'question');
  await decide(deps, input.suggestionId, input.userId, 'needs_info', question);
}

async function decide(
  deps: ReviewDeps,
  id: number,
  userId: number,
  status: 'rejected' | 'needs_info',
  note: string,
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const s = await loadUndecided(trx, id);
    // Conditional update: two editors deciding at once cannot both succeed.
    const changed = await changeSuggestionStatus(trx, id, UNDECIDED_STATUSES, {
      status,
      decision_note: note,
      decided_by: userId,
      decided_at: isoNow(deps.clock),
    });
    if (!changed) throw await decidedMeanwhile(trx, id);
    const post = await findPostById(trx, s.post_id);
    if (post)
      await queueSuggesterMail(trx, deps.clock, {
        suggestion: s,
        post,
        news: status,
        note,
        baseUrl: deps.baseUrl,
      });
  });
}

/** A moderator's decision on a held (or spam) suggestion: to the editors, marked spam, or trashed. */
export async function moderateSuggestion(
  deps: ReviewDeps,
  input: { suggestionId: number; userId: number; action: 'approve' | 'spam' | 'trash' },
): Promise<SuggestionStatus> {
  const to: SuggestionStatus = input.action === 'approve' ? 'open' : input.action;
  const movable: SuggestionStatus[] = ['held', 'spam', 'open', 'needs_info'];
  // Approving brings a held (or wrongly spammed) one to the editors; spam and trash take any undecided one.
  const from = input.action === 'approve' ? (['held', 'spam'] as SuggestionStatus[]) : movable;
  return inTransaction(deps.db, async (trx) => {
    const s = await findSuggestionById(trx, input.suggestionId);
    if (!s) throw notFound(input.suggestionId);
    if (DECIDED_STATUSES.includes(s.status)) throw alreadyDecided(s);
    if (s.status === to) return to;
    const changed = await changeSuggestionStatus(trx, s.id, from, { status: to });
    if (!changed) throw await decidedMeanwhile(trx, s.id, s.status);
    // The spam filter learns from moderators' decisions, as it does for comments (the same text it scored).
    const text = `${s.author_name}\n${[s.problem, s.proposed, s.source_text].filter(Boolean).join('\n')}`;
    if (to === 'spam') await trainSpam(trx, text, true);
    if (to === 'open') await trainSpam(trx, text, false);
    return to;
  });
}

/** The list tabs: which statuses each shows. */
export const SUGGESTION_TABS = {
  open: ['open'],
  needs_info: ['needs_info'],
  held: ['held'],
  spam: ['spam'],
  accepted: ['accepted'],
  rejected: ['rejected'],
  trash: ['trash'],
} as const satisfies Record<string, readonly SuggestionStatus[]>;
export type SuggestionTab = keyof typeof SUGGESTION_TABS;

/**
 * One page of a tab, newest first: `perPage` rows from `(page - 1) * perPage`, and whether an older page follows
 * (read as one row more than the page holds; that row is the next page's first, never shown here).
 */
export async function listSuggestionsByStatus(
  deps: Pick<ReviewDeps, 'db'>,
  input: { tab: SuggestionTab; page: number; perPage: number },
): Promise<{ rows: SuggestionListRow[]; hasMore: boolean; counts: Partial<Record<SuggestionStatus, number>> }> {
  const [rows, counts] = await Promise.all([
    listSuggestions(deps.db, SUGGESTION_TABS[input.tab], {
      limit: input.perPage + 1,
      offset: (input.page - 1) * input.perPage,
    }),
    countSuggestionsByStatus(deps.db),
  ]);
  return { rows: rows.slice(0, input.perPage), hasMore: rows.length > input.perPage, counts };
}

export interface SuggestionDetail {
  suggestion: SuggestionRow;
  post: { id: number; title: string; slug: string; status: string };
  /** The current article body with the passage wrapped in <mark> (unchanged when orphaned). */
  highlightedHtml: string;
  anchor: Anchor | null;
  orphaned: boolean;
  /** What the article says now where the passage is anchored (may differ from the quote after edits). */
  currentPassage: string | null;
  /** Who decided it (rejected, asked, accepted), if anyone. */
  decidedByName: string | null;
}

/** A suggestion with its passage re-anchored in the article as it is now, highlighted in place. */
export async function getSuggestionDetail(deps: Pick<ReviewDeps, 'db'>, id: number): Promise<SuggestionDetail> {
  const s = await findSuggestionById(deps.db, id);
  if (!s) throw notFound(id);
  const post = await findPostById(deps.db, s.post_id);
  if (!post) throw notFound(id);
  const html = await currentBodyHtml(deps.db, post);
  const text = articleText(html);
  const { anchor } = anchorIn(text, s);
  return {
    suggestion: s,
    post: { id: post.id, title: post.title, slug: post.slug, status: post.status },
    highlightedHtml: anchor ? highlightPassage(html, anchor.start, anchor.end) : html,
    anchor,
    orphaned: anchor === null,
    currentPassage: anchor ? text.slice(anchor.start, anchor.end) : null,
    decidedByName: s.decided_by === null ? null : ((await findUserById(deps.db, s.decided_by))?.name ?? null),
  };
}
