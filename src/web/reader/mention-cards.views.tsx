import type { MentionCard } from '../../modules/history/mention-cards.ts';

const KIND_WORDS: Record<MentionCard['kind'], string> = {
  person: 'Person',
  place: 'Place',
  event: 'Event',
  organisation: 'Organisation',
};

/**
 * The preview cards of the article's mentions (issue 17), one inert <template> per entity after the article body:
 * the mention-cards island shows a card's copy beside a mention whose data-entity is one of its keys. Nothing here
 * is shown or read without the island; the mention stays a link to the entity's page.
 */
export function MentionCards(props: { cards?: readonly MentionCard[] }) {
  if (!props.cards || props.cards.length === 0) return null;
  return (
    <div class="mention-cards">
      {props.cards.map((c) => (
        <template key={c.href} data-mention-card={c.keys.join(' ')} data-name={c.name}>
          <p class="mention-card__facts">
            {KIND_WORDS[c.kind]}
            {c.date ? <span class="mention-card__date">{c.date}</span> : null}
          </p>
          {c.summary ? <p class="mention-card__summary">{c.summary}</p> : null}
          <p class="mention-card__open">
            <a href={c.href}>
              Open page<span class="visually-hidden">: {c.name}</span>
            </a>
          </p>
        </template>
      ))}
    </div>
  );
}
