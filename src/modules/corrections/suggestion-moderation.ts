import type { Db } from '../../storage/schema.ts';
import { findMatchingBans } from '../moderation/bans.repository.ts';
import type { ModerationContext, ModerationOutcome, ModerationSettings } from '../moderation/moderation.types.ts';
import { runPipeline } from '../moderation/pipeline.ts';
import { spamProbability } from '../moderation/spam-classifier.ts';
import { findSuggestionHistory } from './suggestion.repository.ts';

/**
 * A reader's suggestion passes the same moderation pipeline as a comment (bans, flood, honeypot, too fast,
 * spam classifier, links, moderation words, profanity, first contribution). What the pipeline reads as "the
 * comment" is the reader's own words (problem, proposed wording, source); the quoted passage is the
 * article's, so it is left out. History comes from earlier suggestions and, for "known reader", comments.
 */

export interface SuggestionForModeration {
  name: string;
  email: string;
  /** What is wrong, as typed (a second identical one from the same reader is a duplicate). */
  problem: string;
  /** Problem, proposed wording and source together. */
  text: string;
  ip: string;
  honeypot: string;
  formIssuedAt: Date | null;
  signedIn: boolean;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"')\]]+/giu;

/** The http(s) links in a text (a source URL among them). */
export function linksIn(text: string): string[] {
  return [...text.matchAll(URL_IN_TEXT)].map((m) => m[0]);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** Gathers what the phases read (one statement for the history), then runs the pipeline. */
export async function runSuggestionPipeline(
  deps: { db: Db; now: Date },
  s: SuggestionForModeration,
  settings: ModerationSettings,
): Promise<ModerationOutcome> {
  const { db, now } = deps;
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const links = linksIn(s.text);
  const [history, spam] = await Promise.all([
    findSuggestionHistory(db, { ip: s.ip, email: s.email, problem: s.problem, since: dayAgo }),
    spamProbability(db, `${s.name}\n${s.text}`),
  ]);
  const domains = [s.email.split('@')[1] ?? '', ...links.map(hostOf)].filter(Boolean);
  const bans = await findMatchingBans(
    db,
    { email: s.email, ip: s.ip, domains, text: `${s.name}\n${s.text}` },
    now.toISOString(),
  );
  const ctx: ModerationContext = {
    now,
    // Closing comments on an old article does not close it to corrections.
    settings: { ...settings, closeAfterDays: 0 },
    post: { commentsOpen: true, publishedAt: now.toISOString() },
    comment: {
      authorName: s.name,
      authorEmail: s.email,
      authorUrl: null,
      body: s.text,
      text: s.text,
      links,
      ip: s.ip,
      honeypot: s.honeypot,
      formIssuedAt: s.formIssuedAt,
      signedIn: s.signedIn,
      // A suggestion goes to the editors, never straight onto a page under the reader's name, so the identity
      // hold of decision 021 (which guards published comments) is not applied: a known email still counts.
      identityProven: true,
    },
    history: {
      lastFromIp: s.ip && history.last_ip ? new Date(history.last_ip) : null,
      lastFromEmail: history.last_email ? new Date(history.last_email) : null,
      duplicate: history.duplicate !== null,
      approvedFromEmail: history.approved_comment !== null || history.approved_suggestion !== null ? 1 : 0,
      nameOfAnother: false, // as above: nothing is published under the name
    },
    bans,
    spamProbability: spam,
  };
  return runPipeline(ctx);
}
