import type { EntityHit } from '../../modules/history/entity-lookup.service.ts';
import { entityPath } from '../../modules/markdown/mention-directive.ts';
import { KIND_WORDS } from './entities.views.tsx';

/**
 * Above the search results: the people, places, events and organisations one of whose names the query is
 * ("People: Georgy Zhukov", and the name that matched when it is another one), each linking to its page.
 */
export function SearchEntities(props: { entities: EntityHit[] }) {
  if (props.entities.length === 0) return null;
  return (
    <section class="search-entities" aria-labelledby="search-entities-heading">
      <h2 id="search-entities-heading">People, places and events</h2>
      <ul>
        {props.entities.map((e) => (
          <li key={e.id}>
            {KIND_WORDS[e.kind].plural}: <a href={entityPath(e.kind, e.slug)}>{e.name}</a>
            {e.matched !== e.name ? <span class="search-entities__matched"> (“{e.matched}”)</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
