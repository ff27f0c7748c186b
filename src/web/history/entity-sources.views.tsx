import { Fragment } from 'preact';
import type { Entity } from '../../modules/history/entities.service.ts';
import { identifierLabel, identifierUrl } from '../../modules/history/entity-identifiers.ts';
import type { CitationStyle } from '../../modules/settings/citation-styles.ts';
import { formatBibliography } from '../../modules/sources/citation-format.ts';
import { CslText } from '../evidence/csl-text.tsx';
import { sourceUrl } from '../evidence/sources.views.tsx';

// An entity page's identifiers besides Wikidata and its sources (decision 048).

export const wikidataUrl = (id: string) => `https://www.wikidata.org/wiki/${id}`;

/** The entity's records elsewhere (Wikidata first), as schema.org's sameAs: every link its page shows. */
export function sameAsOf(entity: Entity): string[] {
  return [...(entity.wikidataId ? [wikidataUrl(entity.wikidataId)] : []), ...entity.identifiers.map(identifierUrl)];
}

/** One <dt>/<dd> pair per identifier, for the page's facts list. */
export function IdentifierFacts(props: { entity: Entity }) {
  return (
    <>
      {props.entity.identifiers.map((i) => (
        <Fragment key={`${i.scheme}:${i.value}`}>
          <dt>{identifierLabel(i)}</dt>
          <dd>
            <a href={identifierUrl(i)} rel="external">
              {i.value}
            </a>
          </dd>
        </Fragment>
      ))}
    </>
  );
}

/** The sources the entity cites, formatted as the sources pages format them (the site's style), each linked. */
export function EntitySourcesSection(props: { entity: Entity; style: CitationStyle }) {
  const { sources } = props.entity;
  if (sources.length === 0) return null;
  const notes = new Map(sources.map((s) => [s.key, s.note]));
  const entries = formatBibliography(
    props.style,
    sources.map((s) => s.item),
  );
  return (
    <section aria-labelledby="entity-sources" class="bibliography entity-sources">
      <h2 id="entity-sources">Sources</h2>
      <ul>
        {entries.map((e) => (
          <li key={e.key}>
            <CslText html={e.html} />
            {notes.get(e.key) ? <> ({notes.get(e.key)})</> : null} <a href={sourceUrl(e.key)}>About this source</a>
          </li>
        ))}
      </ul>
    </section>
  );
}
