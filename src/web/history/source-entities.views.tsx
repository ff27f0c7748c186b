import type { CitingEntity } from '../../modules/history/entity-sources.ts';
import { entityPath } from '../../modules/markdown/mention-directive.ts';

/**
 * A source's page: the people, places, events and organisations whose pages list it (decision 048), each linked
 * with its kind. Nothing when none does.
 */
export function SourceEntitiesSection(props: { entities: readonly CitingEntity[] }) {
  if (props.entities.length === 0) return null;
  return (
    <section aria-labelledby="source-entities" class="source-entities">
      <h2 id="source-entities">People, places and events drawing on this source</h2>
      <ul>
        {props.entities.map((e) => (
          <li key={`${e.kind}:${e.slug}`}>
            <a href={entityPath(e.kind, e.slug)}>{e.name}</a> <span class="source-entities__kind">({e.kind})</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
