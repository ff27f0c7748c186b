import { readFileSync } from 'node:fs';
import type { ContentDeps } from '../content/content.deps.ts';
import { findPostBySlug } from '../content/post.repository.ts';
import { type PostInput, savePost } from '../content/post-writer.service.ts';
import { articleText, describeQuote } from '../corrections/anchoring.ts';
import { recordCorrection } from '../corrections/corrections-log.service.ts';
import { insertSuggestion } from '../corrections/suggestion.repository.ts';
import type { Clock } from '../shared/clock.ts';
import { importBibliography } from '../sources/bibliography-import.ts';
import { markSuggestionAccepted } from './demo.repository.ts';

// The demo's evidence story, on the Khalkhin-Gol article: the article is first published with a slip (the
// border incident dated 1938), a reader points it out in the comments, the editor turns the comment into a
// suggestion, accepts it and publishes the fix, which the article's corrections log records. A second
// reader's point, about the strength table, waits in the editors' queue.

export const EVIDENCE_SLUG = 'khalkhin-gol-1939';
const CORRECT = 'The incident began on 11 May 1939';
const SLIP = 'The incident began on 11 May 1938';
/** Comments of the demo discussion the story starts from (keys in discussion-khalkhin-gol.json). */
export const CORRECTION_COMMENT = 'c2';
export const OPEN_SUGGESTION_COMMENT = 'c4';

const at = (iso: string): Clock => ({ now: () => new Date(iso) });

/** The sources library the demo articles cite (CSL-JSON written for the demo). */
export async function seedSources(deps: ContentDeps, file: URL): Promise<void> {
  const report = await importBibliography(deps, { text: readFileSync(file, 'utf8') });
  if (report.failed.length > 0)
    throw new Error(`demo sources failed: ${report.failed.map((f) => `${f.entry}: ${f.reason}`).join('; ')}`);
}

/** The Khalkhin-Gol article as first published, with the date slip a reader later corrects. */
export function firstVersion(input: PostInput): PostInput {
  if (input.slug !== EVIDENCE_SLUG) return input;
  if (!input.bodyMarkdown.includes(CORRECT)) throw new Error('demo: the corrected sentence is missing');
  return { ...input, bodyMarkdown: input.bodyMarkdown.replace(CORRECT, SLIP), updatedAt: null };
}

/**
 * Publishes the corrected article (the demo file's text), records the correction in its log, and stores the
 * accepted suggestion (made from comment `c2`) and the open one (from `c4`), anchored to the passages.
 */
export async function seedCorrections(
  deps: ContentDeps,
  article: PostInput,
  comments: Map<string, { id: number; createdAt: string }>,
): Promise<void> {
  const before = await findPostBySlug(deps.db, EVIDENCE_SLUG);
  const fixer = comments.get(CORRECTION_COMMENT);
  const doubter = comments.get(OPEN_SUGGESTION_COMMENT);
  if (!before?.published_at || !fixer || !doubter || !article.updatedAt) throw new Error('demo: story incomplete');

  // Anchored to the text readers saw then: the first published version.
  const firstText = articleText(before.body_html);
  const slipAt = firstText.indexOf('11 May 1938');
  if (slipAt < 0) throw new Error('demo: the slip is not in the first version');
  const slip = describeQuote(firstText, slipAt, slipAt + '11 May 1938'.length);
  const accepted = await insertSuggestion(deps.db, {
    post_id: before.id,
    revision_number: 1,
    selector_json: JSON.stringify(slip),
    quote: slip[0].exact,
    problem:
      'The fighting at the river started in May 1939, not 1938. The 1938 fighting was at Lake Khasan, in July and August, so the date as printed puts the border incident before the clash the article calls its rehearsal.',
    proposed: '11 May 1939',
    source_text: 'Coox, Nomonhan, vol. 1',
    author_name: 'Neil Forsyth',
    author_email: 'neil.forsyth@example.net',
    user_id: null,
    // In the demo's story Neil agreed, when asked, to be named in the log.
    credit_ok: 1,
    status: 'open',
    comment_id: fixer.id,
    created_at: new Date(Date.parse(fixer.createdAt) + 20 * 60_000).toISOString(),
  });

  const fixedAt = at(article.updatedAt);
  const saved = await savePost({ ...deps, clock: fixedAt }, { ...article, id: before.id });
  const correctionId = await recordCorrection(
    { db: deps.db, clock: fixedAt },
    {
      postId: before.id,
      revisionNumber: saved.revision,
      note: {
        kind: 'correction',
        summary: 'The start of the border incident was misdated: it read 11 May 1938 and now reads 11 May 1939.',
        reason:
          'A typing slip. The 1938 fighting was at Lake Khasan; the clash on the Khalkhin-Gol began a year later.',
        sourceText: 'Coox, Nomonhan, vol. 1',
        credit: true,
      },
      creditName: 'Neil Forsyth',
      suggestionId: accepted,
      userId: null,
    },
  );
  await markSuggestionAccepted(deps.db, accepted, { correctionId, decidedAt: article.updatedAt });

  // The open question about the strength table, against the current text.
  const after = await findPostBySlug(deps.db, EVIDENCE_SLUG);
  const text = articleText(after?.body_html ?? '');
  const passage = 'c. 30,000–40,000 in the battle area';
  const from = text.indexOf(passage);
  if (from < 0 || !after) throw new Error('demo: the strength passage is missing');
  const strength = describeQuote(text, from, from + passage.length);
  await insertSuggestion(deps.db, {
    post_id: after.id,
    revision_number: saved.revision,
    selector_json: JSON.stringify(strength),
    quote: strength[0].exact,
    problem:
      'The upper end of this range counts units that were still on their way when the offensive opened. Inside the ring on 20 August there were nearer 30,000 men, and the table should say what it counts.',
    proposed: 'c. 30,000 in the battle area on 20 August; up to 40,000 counting late reinforcements',
    source_text: 'Coox, Nomonhan, vol. 2 (order of battle); Goldman, Nomonhan, 1939',
    author_name: 'Rafael Ortiz',
    author_email: 'rafa.ortiz@example.com',
    user_id: null,
    credit_ok: 1,
    status: 'open',
    comment_id: doubter.id,
    created_at: new Date(Date.parse(doubter.createdAt) + 45 * 60_000).toISOString(),
  });
}
