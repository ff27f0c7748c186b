/**
 * Mention preview cards (issue 17). Without this island a mention (`<a class="mention" data-entity="person:…">`)
 * is a link to the entity's page, and it stays one. With it, a tap, a click, Enter, keyboard focus or a resting
 * mouse pointer shows a small card beside the mention: the entity's name, kind, date in words, the first line of
 * its description and "Open page". The cards come with the page (one <template> per entity after the article
 * body: src/web/reader/mention-cards.views.tsx), so nothing is fetched. The popover is the footnotes' one
 * (popover/anchored.ts).
 */
import { AnchoredPopover, wireAnchor, wirePopover } from './popover/anchored.ts';

const MENTIONS = 'article .prose a.mention[data-entity]';

/** Each card's template by every key it answers to ("kind:slug", old slugs too). */
function cardTemplates(): Map<string, HTMLTemplateElement> {
  const byKey = new Map<string, HTMLTemplateElement>();
  for (const t of Array.from(document.querySelectorAll<HTMLTemplateElement>('template[data-mention-card]')))
    for (const key of (t.dataset.mentionCard ?? '').split(' ')) if (key) byKey.set(key, t);
  return byKey;
}

const prose = document.querySelector<HTMLElement>('article .prose');
const templates = cardTemplates();
const cardOf = (a: HTMLAnchorElement) => templates.get(a.dataset.entity ?? '');
const mentions = Array.from(document.querySelectorAll<HTMLAnchorElement>(MENTIONS)).filter((a) => cardOf(a));
if (prose && mentions.length > 0) {
  const card = new AnchoredPopover(
    {
      id: 'mention-card',
      className: 'mention-card',
      closeLabel: 'Close card',
      contentOf: (a) => {
        const t = cardOf(a);
        return t ? { label: t.dataset.name ?? '', body: t.content.cloneNode(true) } : null;
      },
    },
    prose,
  );
  for (const mention of mentions) wireAnchor(card, mention);
  wirePopover(card, MENTIONS);
}
