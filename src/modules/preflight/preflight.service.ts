import type { Db } from '../../storage/schema.ts';
import { resolveMentions, unknownMentions } from '../history/entities.service.ts';
import { loadEntityNameIndex, mentionDirective } from '../history/entity-lookup.service.ts';
import { markdownShapeProblem } from '../markdown/markdown-limits.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { runBounded, WorkTooCostly } from '../shared/bounded-work.ts';
import type { Clock } from '../shared/clock.ts';
import { unknownCitedKeys } from '../sources/cited-markdown.ts';
import { describePeriod, findFullDates, type Period, periodFromText } from './dates.ts';
import { findUnmarkedNames } from './entity-names.ts';
import { findLinkProblems, type LinkProblem } from './internal-links.ts';
import type { ScannedMarkdown } from './markdown-scan.ts';
import { getSiteWords } from './site-words.ts';
import { checkSpelling, SiteWords, type SpellingSource } from './spelling.ts';

export { getSiteWords, SITE_WORDS_KEY, saveSiteWords } from './site-words.ts';

/** What the checks read: the post as the editor holds it (saved or not). */
export interface PreflightInput {
  title: string;
  standfirst: string;
  bodyMarkdown: string;
  /** The years the article is about; when absent, taken from the years in the title and standfirst. */
  period?: { from: number; to: number } | null;
  coverAlt?: string | null;
  coverSrc?: string | null;
}

export type PreflightCheck =
  | 'body'
  | 'spelling'
  | 'internal-link'
  | 'citation'
  | 'mention'
  | 'entity-name'
  | 'image-alt'
  | 'heading-order'
  | 'date-period';

export interface PreflightIssue {
  check: PreflightCheck;
  /** One sentence the writer can act on. */
  message: string;
  /** The words, link or date in question, as written. */
  excerpt?: string;
  /** Line of the body (1-based); absent for the title, standfirst and cover. */
  line?: number;
  suggestions?: string[];
}

export interface PreflightReport {
  issues: PreflightIssue[];
  checkedAt: string;
}

export interface PreflightDeps {
  db: Db;
  clock: Clock;
  /** The site's public origin ("https://history.example"), so absolute links to the site are checked too. */
  baseUrl?: string;
  /** The data folder's media/ (the demo's drawings are files there); without it, the demo's names are accepted. */
  mediaDir?: string;
}

const CHECK_ORDER: PreflightCheck[] = [
  'body',
  'spelling',
  'internal-link',
  'citation',
  'mention',
  'entity-name',
  'image-alt',
  'heading-order',
  'date-period',
];

/**
 * Checks a post before it is published and lists what the writer may want to fix: spelling (dictionary plus the
 * site's word list), links to this site that lead nowhere, images without alt text, headings out of order, and
 * full dates outside the article's period. Checks warn; they never block. Issues come in document order (the
 * title, standfirst and cover first).
 */
/** Longer bodies cannot be saved (the editor's limit), so they are not checked. */
const MAX_CHECKED_LENGTH = 400_000;

/** The body read in a worker thread with a deadline (decision 024); undefined when it takes too long. */
async function scanBounded(input: PreflightInput): Promise<ScannedMarkdown | undefined> {
  try {
    return await runBounded<ScannedMarkdown>('scan', { source: input.bodyMarkdown }, SCAN_DEADLINE_MS);
  } catch (err) {
    if (err instanceof WorkTooCostly) return undefined;
    throw err;
  }
}

/** As long as an article's render may take: the scan is the same parse without the output. */
const SCAN_DEADLINE_MS = 5_000;

export async function preflightPost(deps: PreflightDeps, input: PreflightInput): Promise<PreflightReport> {
  // A body the editor would refuse is not parsed here either (the parser's time grows with the square of it).
  const refused = markdownShapeProblem(input.bodyMarkdown);
  const scan = refused || input.bodyMarkdown.length > MAX_CHECKED_LENGTH ? undefined : await scanBounded(input);
  if (!scan)
    return {
      issues: [{ check: 'body', message: refused ?? 'The body is too long to check; shorten it to save it first.' }],
      checkedAt: deps.clock.now().toISOString(),
    };
  const [settings, words] = await Promise.all([getSiteSettings(deps), getSiteWords(deps)]);
  const issues = [
    ...(await spellingIssues(input, scan, words, /^en-(?!US)/i.test(settings.locale))),
    ...(await linkIssues(deps, input, scan)),
    ...(await citationIssues(deps, input)),
    ...(await mentionIssues(deps, input)),
    ...(await unmarkedNameIssues(deps, input, scan)),
    ...altTextIssues(input, scan),
    ...headingIssues(scan),
    ...dateIssues(input, scan),
  ];
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || CHECK_ORDER.indexOf(a.check) - CHECK_ORDER.indexOf(b.check));
  return { issues, checkedAt: deps.clock.now().toISOString() };
}

const quote = (s: string) => `“${s}”`;

/** A `:cite[key]` whose key no source has: the page would show "[key]" where the note should be. */
async function citationIssues(deps: PreflightDeps, input: PreflightInput): Promise<PreflightIssue[]> {
  const unknown = await unknownCitedKeys(deps.db, input.bodyMarkdown);
  const lines = input.bodyMarkdown.split('\n');
  return unknown.map((key) => {
    const at = lines.findIndex((l) => l.toLowerCase().includes(key) && /:cite\[/.test(l));
    return {
      check: 'citation' as const,
      message: `No source has the key ${quote(key)}: readers would see “[${key}]” instead of a note. Add the source in Sources, or correct the key.`,
      excerpt: `:cite[${key}]`,
      ...(at >= 0 ? { line: at + 1 } : {}),
    };
  });
}

const DIRECTIVE_OF: Record<string, string> = { person: 'person', place: 'place', event: 'event', organisation: 'org' };

/** A `:person[…]{#slug}` (or place, event, org) naming no entity: readers would see plain text, not a link. */
async function mentionIssues(deps: PreflightDeps, input: PreflightInput): Promise<PreflightIssue[]> {
  const unknown = await unknownMentions(deps.db, input.bodyMarkdown);
  const lines = input.bodyMarkdown.split('\n');
  return unknown.map((key) => {
    const [kind = '', slug = ''] = key.split(':');
    const directive = `:${DIRECTIVE_OF[kind]}[`;
    const at = lines.findIndex((l) => l.includes(directive) && l.includes(`{#${slug}`));
    return {
      check: 'mention' as const,
      message: `No ${kind} has the id ${quote(slug)}: readers would see the words without a link. Add it under Entities, or correct the id.`,
      excerpt: `${directive}…]{#${slug}}`,
      ...(at >= 0 ? { line: at + 1 } : {}),
    };
  });
}

/**
 * A known entity's name written without a mention (decision 045): "Zhukov" where `:person[Zhukov]{#georgy-zhukov}`
 * would link it. Once per entity, and not for an entity the text marks elsewhere.
 */
async function unmarkedNameIssues(
  deps: PreflightDeps,
  input: PreflightInput,
  scan: ScannedMarkdown,
): Promise<PreflightIssue[]> {
  const [index, marked] = await Promise.all([
    loadEntityNameIndex({ db: deps.db }),
    resolveMentions(deps.db, input.bodyMarkdown),
  ]);
  return findUnmarkedNames(scan.prose, index, new Set(marked.values())).map((n) => {
    const directive = mentionDirective(n.kind, n.slug, n.text);
    return {
      check: 'entity-name' as const,
      message: `${quote(n.text)} (line ${n.line}) matches the ${n.kind} ${n.entityName}; mark it as ${directive} to link it to its page.`,
      excerpt: n.text,
      line: n.line,
      suggestions: [directive],
    };
  });
}

async function spellingIssues(
  input: PreflightInput,
  scan: ScannedMarkdown,
  words: string[],
  british: boolean,
): Promise<PreflightIssue[]> {
  const sources: SpellingSource[] = [
    { text: input.title, where: 'title' },
    { text: input.standfirst, where: 'standfirst' },
    ...scan.prose.map((p) => ({ text: p.text, line: p.line })),
  ];
  const found = await checkSpelling(sources, { siteWords: new SiteWords(words), british });
  return found.map((m) => {
    const where = m.where ? ` in the ${m.where}` : '';
    const times = m.count > 1 ? ` (${m.count} times)` : '';
    return {
      check: 'spelling',
      message: `${quote(m.word)}${where}${times} is not in the dictionary or the site's word list. Correct it, or add it to the word list if it is a name or term.`,
      excerpt: m.context,
      ...(m.line !== undefined ? { line: m.line } : {}),
      suggestions: m.suggestions,
    };
  });
}

function linkMessage(url: string, problem: LinkProblem): string {
  switch (problem.kind) {
    case 'relative':
      return `The link ${quote(url)} is relative, so it resolves against this article's own address. Start it with "/" (for example "/${problem.path.replace(/^\.?\/?/, '')}").`;
    case 'draft':
      return `The link ${quote(url)} leads to a draft: readers get "not found" until it is published.`;
    case 'missing':
      return `The link ${quote(url)} leads to no page on this site. Check the address.`;
  }
}

async function linkIssues(
  deps: PreflightDeps,
  input: PreflightInput,
  scan: ScannedMarkdown,
): Promise<PreflightIssue[]> {
  const urls = scan.links.map((l) => l.url);
  if (input.coverSrc) urls.push(input.coverSrc);
  const problems = await findLinkProblems(deps.db, urls, deps);
  const issues: PreflightIssue[] = [];
  const reported = new Set<string>();
  // One issue per address, at its first use.
  for (const link of scan.links) {
    const problem = problems.get(link.url);
    if (!problem || reported.has(link.url)) continue;
    reported.add(link.url);
    const count = scan.links.filter((l) => l.url === link.url).length;
    issues.push({
      check: 'internal-link',
      message: linkMessage(link.url, problem) + (count > 1 ? ` (used ${count} times)` : ''),
      excerpt: link.url,
      line: link.line,
    });
  }
  const cover = input.coverSrc ? problems.get(input.coverSrc) : undefined;
  if (input.coverSrc && cover && !reported.has(input.coverSrc))
    issues.push({
      check: 'internal-link',
      message: `The cover image ${quote(input.coverSrc)} is not on this site. Choose it again from the media library.`,
      excerpt: input.coverSrc,
    });
  return issues;
}

function altTextIssues(input: PreflightInput, scan: ScannedMarkdown): PreflightIssue[] {
  const issues: PreflightIssue[] = scan.images
    .filter((img) => img.alt.trim() === '')
    .map((img) => ({
      check: 'image-alt',
      message:
        img.source === 'figure'
          ? 'This figure has no alt text. Add alt="…" describing what the image shows, for readers who cannot see it.'
          : 'This image has no alt text. Describe what it shows between the square brackets: ![description](…).',
      excerpt: img.url,
      line: img.line,
    }));
  if (input.coverSrc?.trim() && !input.coverAlt?.trim())
    issues.unshift({
      check: 'image-alt',
      message: 'The cover image has no alt text. Describe what it shows, for readers who cannot see it.',
      excerpt: input.coverSrc,
    });
  return issues;
}

function headingIssues(scan: ScannedMarkdown): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  let previous = 1; // the title is the page's h1
  for (const h of scan.headings) {
    if (h.depth === 1) {
      issues.push({
        check: 'heading-order',
        message: `${quote(h.text)} is a top-level heading (#), but the title is the page's only one. Use ## for sections.`,
        excerpt: h.text,
        line: h.line,
      });
      previous = 2; // it is shown as an h2
      continue;
    }
    if (h.depth > previous + 1)
      issues.push({
        check: 'heading-order',
        message: `${quote(h.text)} is a level-${h.depth} heading after a level-${previous} one, skipping level ${previous + 1}. Screen-reader users navigate by these levels: use ${'#'.repeat(previous + 1)}.`,
        excerpt: h.text,
        line: h.line,
      });
    previous = h.depth;
  }
  return issues;
}

function dateIssues(input: PreflightInput, scan: ScannedMarkdown): PreflightIssue[] {
  const given = input.period;
  const period: Period | undefined = given
    ? { from: Math.min(given.from, given.to), to: Math.max(given.from, given.to) }
    : periodFromText(input.title, input.standfirst);
  if (!period) return [];
  const issues: PreflightIssue[] = [];
  for (const prose of scan.prose) {
    // Quoted sources and notes may well be about other times.
    if (prose.inQuote || prose.inNote) continue;
    for (const date of findFullDates(prose.text)) {
      if (date.year >= period.from && date.year <= period.to) continue;
      const lineOffset = prose.text.slice(0, date.index).split('\n').length - 1;
      issues.push({
        check: 'date-period',
        message: `${quote(date.text)} falls outside the article's period (${describePeriod(period)}). Check the year; if it is right, ignore this.`,
        excerpt: date.text,
        line: prose.line + lineOffset,
      });
    }
  }
  return issues;
}
