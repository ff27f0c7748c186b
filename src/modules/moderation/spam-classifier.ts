import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { addTokenCounts, dropEmptyTokens, findTokens, takeTokenCount } from './spam-token.repository.ts';

/**
 * A local naive-Bayes spam filter that learns from moderators' decisions (Graham's "A Plan for Spam", with
 * Robinson's smoothing and chi-square combination, as in SpamBayes). Counts live in `spam_tokens`: per token,
 * in how many spam and how many ham documents it appeared; the row DOCUMENTS holds the two document totals.
 * Plain Kysely only, so it runs unchanged on SQLite and PostgreSQL.
 */

/** The row holding the number of spam and ham documents learned. tokenize() never produces it. */
const DOCUMENTS = '__documents__';
/** A text contributes at most this many tokens: enough for any comment, bounded for a pasted book. */
const MAX_TOKENS = 300;
/** No opinion until this many spam and this many ham documents were learned. */
const MIN_DOCUMENTS = 5;
/** The most interesting tokens (furthest from neutral) that decide. */
const CLUES = 15;
/** Fewer clues than this are padded with neutral ones, so one token cannot decide alone. */
const MIN_CLUES = 5;
/** Robinson's smoothing: a token seen n times is pulled towards 0.5 with the weight of STRENGTH sightings. */
const STRENGTH = 1;
const NEUTRAL = 0.5;
/** Rows per statement, well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 100;

const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>()[\]"'`]+/giu;
const WORD_PATTERN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

function domainOf(url: string): string | undefined {
  try {
    const host = new URL(/^https?:\/\//iu.test(url) ? url : `http://${url}`).hostname.toLowerCase();
    return host.replace(/^www\./u, '').replace(/\.$/u, '') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tokens of a text: each link's domain as `domain:example.com` (the rest of the URL is dropped, it is
 * noise), then its lower-cased words of 2 to 40 characters; each token once, at most MAX_TOKENS.
 */
export function tokenize(text: string): string[] {
  const tokens = new Set<string>();
  for (const match of text.matchAll(URL_PATTERN)) {
    const domain = domainOf(match[0]);
    if (domain) tokens.add(`domain:${domain}`);
  }
  const words = text.replace(URL_PATTERN, ' ').toLowerCase().match(WORD_PATTERN) ?? [];
  for (const word of words) {
    const w = word.replace(/’/gu, "'");
    if (w.length >= 2 && w.length <= 40) tokens.add(w);
  }
  return [...tokens].slice(0, MAX_TOKENS);
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Learns a text as spam (or as ham: a good comment). */
export async function trainSpam(db: Db, text: string, isSpam: boolean): Promise<void> {
  const spam = isSpam ? 1 : 0;
  const ham = isSpam ? 0 : 1;
  const rows = [DOCUMENTS, ...tokenize(text)].map((token) => ({ token, spam, ham }));
  await inTransaction(db, async (trx) => {
    for (const chunk of chunks(rows)) await addTokenCounts(trx, chunk);
  });
}

/** Forgets a text learned earlier as spam (or as ham), for a moderator who changed their mind. */
export async function untrainSpam(db: Db, text: string, wasSpam: boolean): Promise<void> {
  const column = wasSpam ? 'spam' : 'ham';
  const tokens = [DOCUMENTS, ...tokenize(text)];
  await inTransaction(db, async (trx) => {
    for (const chunk of chunks(tokens)) await takeTokenCount(trx, chunk, column);
    await dropEmptyTokens(trx);
  });
}

/** Chi-square survival function for an even number of degrees of freedom (Robinson; SpamBayes's chi2Q). */
function chi2Q(x2: number, degrees: number): number {
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < degrees / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}

/** Robinson's Fisher combination of token probabilities: near 1 for spam, near 0 for ham, 0.5 when unsure. */
function combine(probabilities: number[]): number {
  const n = probabilities.length;
  const spamLog = probabilities.reduce((acc, f) => acc + Math.log(1 - f), 0);
  const hamLog = probabilities.reduce((acc, f) => acc + Math.log(f), 0);
  const s = 1 - chi2Q(-2 * spamLog, 2 * n);
  const h = 1 - chi2Q(-2 * hamLog, 2 * n);
  return (s - h + 1) / 2;
}

/**
 * The probability (0..1) that a text is spam, or null until at least MIN_DOCUMENTS spam and as many ham
 * documents were learned. Uses the CLUES tokens furthest from neutral; unknown tokens say nothing.
 */
export async function spamProbability(db: Db, text: string): Promise<number | null> {
  const [totals] = await findTokens(db, [DOCUMENTS]);
  if (!totals || totals.spam < MIN_DOCUMENTS || totals.ham < MIN_DOCUMENTS) return null;

  const tokens = tokenize(text);
  const rows: { spam: number; ham: number }[] = [];
  for (const chunk of chunks(tokens)) {
    rows.push(...(await findTokens(db, chunk)));
  }

  const clues = rows
    .map(({ spam, ham }) => {
      const spamRate = Math.min(1, spam / totals.spam);
      const hamRate = Math.min(1, ham / totals.ham);
      if (spamRate + hamRate === 0) return NEUTRAL;
      const p = spamRate / (spamRate + hamRate);
      const seen = spam + ham;
      const f = (STRENGTH * NEUTRAL + seen * p) / (STRENGTH + seen);
      return Math.min(0.99, Math.max(0.01, f));
    })
    .filter((f) => f !== NEUTRAL)
    .sort((a, b) => Math.abs(b - NEUTRAL) - Math.abs(a - NEUTRAL))
    .slice(0, CLUES);
  while (clues.length < MIN_CLUES) clues.push(NEUTRAL);
  return combine(clues);
}
