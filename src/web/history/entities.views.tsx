import type { Entity, EntityPage } from '../../modules/history/entities.service.ts';
import type { PlacesMap } from '../../modules/history/place-maps.ts';
import type { EntityTimeline } from '../../modules/history/timeline.service.ts';
import { entityPath } from '../../modules/markdown/mention-directive.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import type { EntityKind } from '../../storage/schema.ts';
import { formatDate, postUrl } from '../ui/format.ts';
import type { Head } from '../ui/layout.tsx';
import { Pagination } from '../ui/lists.tsx';
import { entityFeedPath } from './entity-feeds.routes.ts';
import { NameList } from './entity-names.views.tsx';
import { EntitySourcesSection, IdentifierFacts, sameAsOf, wikidataUrl } from './entity-sources.views.tsx';
import { PlaceMapSection } from './map-sections.tsx';
import { EntityTimelineSection } from './timeline.views.tsx';

/** How each kind is named on its pages, and its schema.org type. */
export const KIND_WORDS: Readonly<
  Record<EntityKind, { plural: string; singular: string; dates: string; schema: string; empty: string }>
> = {
  person: { plural: 'People', singular: 'Person', dates: 'Lived', schema: 'Person', empty: 'No people yet.' },
  place: { plural: 'Places', singular: 'Place', dates: 'Dates', schema: 'Place', empty: 'No places yet.' },
  event: { plural: 'Events', singular: 'Event', dates: 'When', schema: 'Event', empty: 'No events yet.' },
  organisation: {
    plural: 'Organisations',
    singular: 'Organisation',
    dates: 'Existed',
    schema: 'Organization',
    empty: 'No organisations yet.',
  },
};

/** The index of a kind: every entity that published articles mention (events in date order). */
export function EntityIndexView(props: { kind: EntityKind; entities: Entity[] }) {
  const words = KIND_WORDS[props.kind];
  return (
    <>
      <h1 class="page-title">{words.plural}</h1>
      {props.entities.length === 0 ? (
        <p>{words.empty}</p>
      ) : (
        <ul class="entity-index">
          {props.entities.map((e) => (
            <li key={e.id}>
              <a href={entityPath(e.kind, e.slug)}>{e.name}</a>
              {e.date ? <span class="entity-index__date"> ({e.date.words})</span> : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function OtherNames(props: { entity: Entity }) {
  if (props.entity.names.length === 0) return null;
  return (
    <>
      <dt>Also known as</dt>
      <dd>
        <NameList names={props.entity.names} />
      </dd>
    </>
  );
}

/** One entity: its names, dates in words, description, Wikidata link and the published articles mentioning it. */
export function EntityPageView(props: EntityPage & { site: SiteSettings; map?: PlacesMap; timeline?: EntityTimeline }) {
  const { entity, articles, site } = props;
  const words = KIND_WORDS[entity.kind];
  const base = entityPath(entity.kind, entity.slug);
  return (
    <>
      <p class="archive-header__kind">
        <a href={`/${base.split('/')[1]}/`}>{words.plural}</a>
      </p>
      <h1 class="page-title">{entity.name}</h1>
      {entity.description ? <p class="entity-description">{entity.description}</p> : null}
      <dl class="entity-facts">
        <OtherNames entity={entity} />
        {entity.date ? (
          <>
            <dt>{words.dates}</dt>
            <dd>{entity.date.words}</dd>
          </>
        ) : null}
        {entity.wikidataId ? (
          <>
            <dt>Wikidata</dt>
            <dd>
              <a href={wikidataUrl(entity.wikidataId)} rel="external">
                {entity.wikidataId}
              </a>
            </dd>
          </>
        ) : null}
        <IdentifierFacts entity={entity} />
      </dl>
      <EntitySourcesSection entity={entity} style={site.citationStyle} />
      <PlaceMapSection map={props.map} name={entity.name} />
      {props.timeline ? <EntityTimelineSection timeline={props.timeline} entity={entity} /> : null}
      <p class="entity-feed">
        <a href={entityFeedPath(entity.kind, entity.slug)} type="application/atom+xml">
          Follow (feed)
        </a>
        : new articles mentioning {entity.name}, in an Atom feed.
      </p>
      <h2>Mentioned in</h2>
      {articles.total === 0 ? (
        <p>No published article mentions it yet.</p>
      ) : (
        <ul class="cited-in">
          {articles.items.map((a) => (
            <li key={a.id}>
              <a href={postUrl(a.slug)}>{a.title}</a>
              {a.published_at ? (
                <>
                  {' '}
                  <time dateTime={a.published_at}>{formatDate(a.published_at, site.locale, site.timeZone)}</time>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <Pagination paged={articles} base={base} />
    </>
  );
}

/** The page's head: its address, description and JSON-LD (schema.org Person, Place, Event or Organization). */
export function entityHead(page: EntityPage, baseUrl: string): Head {
  const { entity, articles } = page;
  const path = entityPath(entity.kind, entity.slug);
  const ld: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': KIND_WORDS[entity.kind].schema,
    name: entity.name,
    url: `${baseUrl}${path}`,
  };
  if (entity.names.length > 0) ld.alternateName = entity.names.map((n) => n.name);
  if (entity.description) ld.description = entity.description;
  const sameAs = sameAsOf(entity);
  if (sameAs.length > 0) ld.sameAs = sameAs.length === 1 ? sameAs[0] : sameAs;
  if (entity.point)
    ld.geo = { '@type': 'GeoCoordinates', latitude: entity.point.latitude, longitude: entity.point.longitude };
  return {
    title: articles.page > 1 ? `${entity.name} (page ${articles.page})` : entity.name,
    description: entity.description || undefined,
    path: articles.page > 1 ? `${path}?page=${articles.page}` : path,
    jsonLd: [ld],
    alternates: [
      {
        type: 'application/atom+xml',
        title: `Articles mentioning ${entity.name} (Atom)`,
        href: entityFeedPath(entity.kind, entity.slug),
      },
    ],
  };
}
