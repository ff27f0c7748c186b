import type { Db, PostRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { findCommentById } from '../comments/comment.repository.ts';
import { renderStoredComment } from '../comments/comment-markdown.ts';
import { findPostById, findPostBySlug, isPostVisible } from '../content/post.repository.ts';
import type { ModerationSettings, Verdict } from '../moderation/moderation.types.ts';
import { getModerationSettings } from '../moderation/moderation-settings.ts';
import { requestEmailConfirmation } from '../notifications/notifications.service.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { spendToken } from '../shared/used-tokens.repository.ts';
import { anchorQuote, articleText, describeQuote, findQuotedPassage, type PassageSelectors } from './anchoring.ts';
import { currentBodyHtml } from './current-body.ts';
import { insertSuggestion, latestPublishedRevision } from './suggestion.repository.ts';
import { linksIn, runSuggestionPipeline } from './suggestion-moderation.ts';

/** What the suggestion use cases need (built in main.ts). */
export interface SuggestionDeps {
  db: Db;
  clock: Clock;
  /** Absolute origin for links in mail, without a trailing slash. */
  baseUrl: string;
}

/** Limits on what a reader may type (characters). */
export const SUGGESTION_LIMITS = { quote: 2_000, problem: 4_000, proposed: 4_000, source: 1_000 } as const;

/** The passage as the reader gave it: selectors computed in the browser (or a confirmed match), or typed. */
export interface PassageInput {
  /** From the JavaScript island or the "Did you mean" confirmation: the passage and its context. */
  selectors: { exact: string; prefix: string; suffix: string; start: number; end: number } | null;
  /** From the form without JavaScript: the words the reader copied or typed. */
  typed: string;
}

/** A new suggestion as a reader sends it. Everything in it is hostile until checked. */
export interface SuggestionSubmission {
  postSlug: string;
  passage: PassageInput;
  problem: string;
  proposed: string;
  source: string;
  authorName: string;
  authorEmail: string;
  creditOk: boolean;
  /** "Tell me what happens": asks the reader to confirm their address if it is not confirmed yet. */
  notify: boolean;
  honeypot: string;
  ip: string;
  userAgent: string;
  formIssuedAt: Date | null;
  formToken: string | null;
  user: { id: number; name: string; email: string } | null;
}

export type SubmittedSuggestion =
  | {
      outcome: 'stored';
      id: number;
      status: 'open' | 'held' | 'spam';
      reasons: Verdict[];
      post: { slug: string; title: string };
      /** A confirmation mail went out (the reader asked to be told and the address was new). */
      confirmationSent: boolean;
    }
  | {
      /** The typed passage is not in the article verbatim, but something close is: ask the reader. */
      outcome: 'confirm';
      passage: string;
      selectors: PassageSelectors;
      post: { slug: string; title: string };
    };

const EMAIL =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// Control characters and bidi overrides never belong in what a reader types (tabs and newlines aside).
const stripControls = (s: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g, '');
const oneLine = (s: string) => stripControls(s).normalize('NFC').replace(/\s+/g, ' ').trim();
const block = (s: string) => stripControls(s).normalize('NFC').replace(/\r\n?/g, '\n').trim();

interface CheckedFields {
  name: string;
  email: string;
  problem: string;
  proposed: string;
  source: string;
}

const invalid = (fields: Record<string, string>) =>
  new AppError('SUGGESTION_INVALID', 'Please correct the fields marked below.', { fields });

/** Field-level checks: every problem at once, each with a message the reader can act on. */
function checkFields(input: SuggestionSubmission, settings: ModerationSettings): CheckedFields {
  const fields: Record<string, string> = {};
  const name = oneLine(input.user?.name ?? input.authorName);
  const email = (input.user?.email ?? input.authorEmail).trim().toLowerCase();
  const problem = block(input.problem);
  const proposed = block(input.proposed);
  const source = block(input.source);
  if (!name) fields.name = 'Give your name.';
  else if (name.length > settings.maxNameLength)
    fields.name = `A name can be at most ${settings.maxNameLength} characters.`;
  if (!email) fields.email = 'Give your email address; it is never shown.';
  else if (email.length > 254 || !EMAIL.test(email)) fields.email = 'That is not an email address.';
  const passage = input.passage.selectors?.exact ?? input.passage.typed;
  if (!passage.trim()) fields.quote = 'Copy the passage you want corrected from the article.';
  else if (passage.length > SUGGESTION_LIMITS.quote)
    fields.quote = `Quote at most ${SUGGESTION_LIMITS.quote} characters: the sentence or two that need correcting.`;
  if (!problem) fields.problem = 'Say what is wrong with the passage.';
  else if (problem.length > SUGGESTION_LIMITS.problem)
    fields.problem = `At most ${SUGGESTION_LIMITS.problem} characters.`;
  if (proposed.length > SUGGESTION_LIMITS.proposed)
    fields.proposed = `At most ${SUGGESTION_LIMITS.proposed} characters.`;
  if (source.length > SUGGESTION_LIMITS.source) fields.source = `At most ${SUGGESTION_LIMITS.source} characters.`;
  if (Object.keys(fields).length > 0) throw invalid(fields);
  return { name, email, problem, proposed, source };
}

type Located =
  | { kind: 'found'; selectors: PassageSelectors }
  | { kind: 'fuzzy'; selectors: PassageSelectors; passage: string }
  | { kind: 'none' };

/**
 * Where the reader's passage is in the article as it is now. Selectors from the browser must match verbatim
 * (the stored selectors are then rebuilt from the server's text, so a reader cannot plant context); a typed
 * passage is searched tolerantly, and a near miss is offered for confirmation.
 */
export function locatePassage(text: string, passage: PassageInput): Located {
  const sel = passage.selectors;
  if (sel?.exact) {
    const anchor = anchorQuote(text, [
      { type: 'TextQuoteSelector', exact: sel.exact, prefix: sel.prefix, suffix: sel.suffix },
      { type: 'TextPositionSelector', start: sel.start, end: sel.end },
    ]);
    if (anchor?.exact) return { kind: 'found', selectors: describeQuote(text, anchor.start, anchor.end) };
  }
  const found = findQuotedPassage(text, sel?.exact || passage.typed);
  if (!found) return { kind: 'none' };
  const selectors = describeQuote(text, found.start, found.end);
  return found.exact ? { kind: 'found', selectors } : { kind: 'fuzzy', selectors, passage: selectors[0].exact };
}

const passageNotFound = () =>
  new AppError(
    'SUGGESTION_PASSAGE_NOT_FOUND',
    'The passage you quoted is not in the article. Copy it from the article as it is now; your text is kept below.',
    { fields: { quote: 'These words are not in the article. Copy the passage exactly as the article has it.' } },
  );

async function loadPost(db: Db, slug: string, now: string): Promise<PostRow> {
  const post = await findPostBySlug(db, slug);
  if (post?.type !== 'post' || !isPostVisible(post, now))
    throw new AppError('POST_NOT_FOUND', 'There is no article at this address.', { detail: slug.slice(0, 200) });
  return post;
}

/** The article's text now (the model selectors count in). */
const textOf = async (db: Db, post: PostRow): Promise<string> => articleText(await currentBodyHtml(db, post));

/** Pipeline rejections, in words about suggestions rather than comments. */
function refusal(v: Verdict | undefined): AppError {
  if (v?.code === 'FLOOD')
    return new AppError(
      'RATE_LIMITED',
      'You are sending suggestions too quickly: wait a few seconds, then send it again.',
    );
  if (v?.code === 'DUPLICATE')
    return new AppError('SUGGESTION_INVALID', 'You have already sent this suggestion: the editors have it.', {
      detail: v.code,
    });
  return new AppError('SUGGESTION_INVALID', 'Your suggestion could not be accepted.', { detail: v?.code });
}

/**
 * Checks a reader's suggestion, finds its passage in the article as it is now, runs it through the comment
 * moderation pipeline and stores it — open for the editors, held for a moderator, or as spam — with the form
 * token used up in the same transaction. A passage that is not in the article is refused; one that nearly is
 * comes back for the reader to confirm, and nothing is stored.
 */
export async function submitSuggestion(
  deps: SuggestionDeps,
  input: SuggestionSubmission,
): Promise<SubmittedSuggestion> {
  const now = deps.clock.now();
  const settings = await getModerationSettings(deps);
  const post = await loadPost(deps.db, input.postSlug, now.toISOString());
  const f = checkFields(input, settings);
  const located = locatePassage(await textOf(deps.db, post), input.passage);
  const postRef = { slug: post.slug, title: post.title };
  if (located.kind === 'none') throw passageNotFound();
  if (located.kind === 'fuzzy')
    return { outcome: 'confirm', passage: located.passage, selectors: located.selectors, post: postRef };

  const outcome = await runSuggestionPipeline(
    { db: deps.db, now },
    {
      name: f.name,
      email: f.email,
      problem: f.problem,
      text: [f.problem, f.proposed, f.source].filter(Boolean).join('\n'),
      ip: input.ip,
      honeypot: input.honeypot,
      formIssuedAt: input.formIssuedAt,
      signedIn: input.user !== null,
    },
    settings,
  );
  if (outcome.status === 'rejected') throw refusal(outcome.reasons[0]);
  const status = outcome.status === 'approved' ? 'open' : outcome.status;
  const at = now.toISOString();
  return inTransaction(deps.db, async (trx) => {
    if (input.formToken !== null && !(await spendToken(trx, input.formToken, at)))
      throw new AppError(
        'FORM_TOKEN_REPLAYED',
        'This form was already sent once. Your text is kept below: send it again to make the suggestion.',
      );
    const id = await insertSuggestion(trx, {
      post_id: post.id,
      revision_number: await latestPublishedRevision(trx, post.id),
      selector_json: JSON.stringify(located.selectors),
      quote: located.selectors[0].exact,
      problem: f.problem,
      proposed: f.proposed,
      source_text: f.source,
      author_name: f.name,
      author_email: f.email,
      user_id: input.user?.id ?? null,
      credit_ok: input.creditOk ? 1 : 0,
      status,
      reasons_json: JSON.stringify(outcome.reasons),
      ip: input.ip,
      user_agent: input.userAgent.slice(0, 300),
      created_at: at,
    });
    // A signed-in reader's own account address counts as confirmed: no opt-in mail for it.
    let confirmationSent = false;
    if (input.notify && status !== 'spam' && input.user?.email.trim().toLowerCase() !== f.email) {
      const r = await requestEmailConfirmation(
        { db: trx, clock: deps.clock, baseUrl: deps.baseUrl },
        { email: f.email, name: f.name, about: `about the correction you suggested to “${post.title}”` },
      );
      confirmationSent = r === 'queued';
    }
    return { outcome: 'stored', id, status, reasons: outcome.reasons, post: postRef, confirmationSent };
  });
}

/** What a moderator starts from when turning a comment into a suggestion: its words and its links. */
export async function commentAsSuggestionDraft(
  deps: Pick<SuggestionDeps, 'db'>,
  commentId: number,
): Promise<{
  commentId: number;
  postId: number;
  postTitle: string;
  postSlug: string;
  authorName: string;
  problem: string;
  source: string;
}> {
  const comment = await findCommentById(deps.db, commentId);
  const post = comment && (await findPostById(deps.db, comment.post_id));
  if (!comment || !post || post.type !== 'post')
    throw new AppError('COMMENT_NOT_FOUND', 'There is no such comment on an article.', {
      detail: `comment ${commentId}`,
    });
  const rendered = await renderStoredComment(comment.body_md);
  return {
    commentId: comment.id,
    postId: post.id,
    postTitle: post.title,
    postSlug: post.slug,
    authorName: comment.author_name,
    problem: rendered.text.slice(0, SUGGESTION_LIMITS.problem),
    source: [...new Set([...rendered.links.filter((l) => /^https?:/i.test(l)), ...linksIn(comment.body_md)])]
      .join('\n')
      .slice(0, SUGGESTION_LIMITS.source),
  };
}

/**
 * A moderator or editor turns a reader's comment into a suggestion: the passage is found as in the form
 * without JavaScript, the reader's name and address come from the comment (never credited: they did not
 * agree to it), and the suggestion keeps the link to the comment. It is open at once (staff made it).
 */
export async function suggestionFromComment(
  deps: SuggestionDeps,
  input: {
    commentId: number;
    passage: PassageInput;
    problem: string;
    proposed: string;
    source: string;
    userId: number;
  },
): Promise<SubmittedSuggestion> {
  const comment = await findCommentById(deps.db, input.commentId);
  const post = comment && (await findPostById(deps.db, comment.post_id));
  if (!comment || !post || post.type !== 'post')
    throw new AppError('COMMENT_NOT_FOUND', 'There is no such comment on an article.', {
      detail: `comment ${input.commentId}`,
    });
  const settings = await getModerationSettings(deps);
  const f = checkFields(
    {
      postSlug: post.slug,
      passage: input.passage,
      problem: input.problem,
      proposed: input.proposed,
      source: input.source,
      authorName: comment.author_name,
      authorEmail: comment.author_email,
      creditOk: false,
      notify: false,
      honeypot: '',
      ip: '',
      userAgent: '',
      formIssuedAt: null,
      formToken: null,
      user: null,
    },
    // The commenter's name was accepted with their comment: do not refuse it here.
    { ...settings, maxNameLength: Math.max(settings.maxNameLength, comment.author_name.length) },
  );
  const located = locatePassage(await textOf(deps.db, post), input.passage);
  const postRef = { slug: post.slug, title: post.title };
  if (located.kind === 'none') throw passageNotFound();
  if (located.kind === 'fuzzy')
    return { outcome: 'confirm', passage: located.passage, selectors: located.selectors, post: postRef };
  const at = deps.clock.now().toISOString();
  const id = await inTransaction(deps.db, async (trx) =>
    insertSuggestion(trx, {
      post_id: post.id,
      revision_number: await latestPublishedRevision(trx, post.id),
      selector_json: JSON.stringify(located.selectors),
      quote: located.selectors[0].exact,
      problem: f.problem,
      proposed: f.proposed,
      source_text: f.source,
      author_name: f.name,
      author_email: f.email,
      user_id: comment.user_id,
      credit_ok: 0,
      status: 'open',
      // Who made it from the comment, for the record (shown on the review page).
      reasons_json: JSON.stringify([
        { phase: 'staff', code: 'FROM_COMMENT', message: `Made from comment ${comment.id}.`, userId: input.userId },
      ]),
      comment_id: comment.id,
      ip: comment.ip,
      user_agent: comment.user_agent,
      created_at: at,
    }),
  );
  return { outcome: 'stored', id, status: 'open', reasons: [], post: postRef, confirmationSent: false };
}
