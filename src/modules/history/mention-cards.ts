/**
 * The preview cards of an article's mentions (issue 17): for each entity the article mentions, what its card
 * shows (name, kind, date in words, a one-line description) and where its page is. Read with the article (kept per
 * content generation until an article is saved; an entity's own write announces everything) and rendered into the
 * page, so the card needs no request of its own (src/client/mention-cards.ts).
 */
import type { Db, EntityKind } from '../../storage/schema.ts';
import { entityPath } from '../markdown/mention-directive.ts';
import { changeKeys } from '../shared/changes.ts';
import { keptForGeneration, type MemoDeps } from '../shared/generation-memo.ts';
import { formatHistoricalDate, parseHistoricalDate } from './edtf.ts';
import { mentionedEntities, oldSlugsOf } from './entity.repository.ts';

export interface MentionCard {
  /** "kind:slug" as the mention's link carries it (data-entity); an old slug of a renamed entity gets one too. */
  keys: string[];
  kind: EntityKind;
  name: string;
  /** The date in words ("c. May 1939"), '' when undated. */
  date: string;
  /** The description's first line, whole words, with "…" when there was more. */
  summary: string;
  href: string;
}

/** The cards carried by one page at most (a page that mentions more links the rest without a card). */
export const MAX_MENTION_CARDS = 200;
/** A card's description, at most (its first sentence or line, cut at a word with "…"). */
export const SUMMARY_MAX = 160;

/** The first sentence or line of a description, at most SUMMARY_MAX characters, cut at a word and marked "…". */
export function summaryOf(description: string): string {
  const text = description.replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?[.!?])(?:\s|$)/.exec(text)?.[1] ?? text;
  if (sentence.length <= SUMMARY_MAX) return sentence;
  const cut = sentence.slice(0, SUMMARY_MAX - 1);
  const atWord = cut.lastIndexOf(' ');
  return `${(atWord > SUMMARY_MAX / 2 ? cut.slice(0, atWord) : cut).replace(/[\s,;:–—-]+$/, '')}…`;
}

function dateWords(text: string | null): string {
  if (!text) return '';
  const parsed = parseHistoricalDate(text);
  return parsed.ok ? formatHistoricalDate(parsed.date) : '';
}

async function loadCards(db: Db, postId: number): Promise<MentionCard[]> {
  const rows = await mentionedEntities(db, postId, MAX_MENTION_CARDS);
  const old = await oldSlugsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    keys: [r.slug, ...(old.get(r.id) ?? [])].map((slug) => `${r.kind}:${slug}`),
    kind: r.kind,
    name: r.name,
    date: dateWords(r.date_text),
    summary: summaryOf(r.description),
    href: entityPath(r.kind, r.slug),
  }));
}

/** The cards of the entities an article mentions; kept until an article is saved or an entity written. */
export function getMentionCards(deps: MemoDeps & { db: Db }, postId: number): Promise<MentionCard[]> {
  return keptForGeneration(
    deps,
    { area: 'mention-cards', key: String(postId), max: 256, dependsOn: [changeKeys.posts] },
    () => loadCards(deps.db, postId),
  );
}
