import type { EntityTimeline } from '../../modules/history/timeline.service.ts';
import { type TimelineEvent, type Zoom, zoomForSpan } from '../../modules/history/timeline.ts';
import { entityPath } from '../../modules/markdown/mention-directive.ts';
import { TimelineAxis } from './timeline-axis.tsx';

/**
 * A timeline as readers get it (decision 044): an ordered list of events, each with its date in words, its name
 * linking to its page and its description, which is what a screen reader reads; beside it the SVG axis
 * (timeline-axis.tsx, aria-hidden) with a key to how it draws uncertain dates. Works without JavaScript; the
 * island (src/client/timeline.ts) only lets the chart be enlarged and moved.
 */

/** One event of the list. `current`: the event whose page this is (named, not linked). */
export function TimelineItem(props: { event: TimelineEvent; current?: boolean }) {
  const e = props.event;
  return (
    <li class={`timeline__event${props.current ? ' timeline__event--current' : ''}`}>
      <span class="timeline__date">{e.dateWords}</span>{' '}
      {props.current ? (
        <strong class="timeline__name" aria-current="page">
          {e.name}
        </strong>
      ) : (
        <a class="timeline__name" href={entityPath('event', e.slug)}>
          {e.name}
        </a>
      )}
      {e.description ? <p class="timeline__description">{e.description}</p> : null}
    </li>
  );
}

/** The events as one ordered list. */
export function TimelineList(props: { events: readonly TimelineEvent[]; currentId?: number; label?: string }) {
  return (
    <ol class="timeline__list" aria-label={props.label}>
      {props.events.map((e) => (
        <TimelineItem key={e.id} event={e} current={e.id === props.currentId} />
      ))}
    </ol>
  );
}

/** How the chart draws dates, in words (the chart itself is hidden from screen readers: the list says it all). */
export function TimelineKey() {
  return (
    <p class="timeline__key" aria-hidden="true">
      On the chart: <span class="timeline__key-point">●</span> a known day, <span class="timeline__key-bar">▬</span> a
      span of time; a faded end is approximate, uncertain or open; a pale dashed band is a date with unknown digits
      (such as “the 1930s”).
    </p>
  );
}

/** The zoom that suits the events' span (for timelines without zoom links). */
const zoomOf = (events: readonly TimelineEvent[]): Zoom =>
  events.length === 0 ? 'year' : zoomForSpan(events[0]!.drawing.lower, Math.max(...events.map((e) => e.drawing.lower)));

/** An article's "Timeline" section: the dated events it mentions, in order (shown when it mentions one). */
export function ArticleTimeline(props: { events: readonly TimelineEvent[] }) {
  if (props.events.length === 0) return null;
  return (
    <section class="timeline timeline--article" aria-labelledby="article-timeline-heading">
      <h2 id="article-timeline-heading">Timeline</h2>
      <TimelineAxis id="article-timeline" events={props.events} zoom={zoomOf(props.events)} />
      <TimelineKey />
      <TimelineList events={props.events} />
    </section>
  );
}

/** The site timeline's parameter filtering by an entity of each kind (an event has none: decision 044). */
const FILTER_PARAMS: Readonly<Record<string, string | undefined>> = {
  person: 'person',
  place: 'place',
  organisation: 'org',
};

/** An entity page's "Timeline" section: the events mentioned alongside it, and its own dates behind them. */
export function EntityTimelineSection(props: {
  timeline: EntityTimeline;
  entity: { id: number; kind: string; slug: string; name: string };
}) {
  const { timeline, entity } = props;
  if (timeline.events.length === 0) return null;
  const filter = FILTER_PARAMS[entity.kind] ? `${FILTER_PARAMS[entity.kind]}=${entity.slug}` : undefined;
  return (
    <section class="timeline timeline--entity" aria-labelledby="entity-timeline-heading">
      <h2 id="entity-timeline-heading">Timeline</h2>
      {timeline.own ? (
        <p class="timeline__own">
          {entity.name}: {timeline.own.words} (the shaded span on the chart).
        </p>
      ) : null}
      <TimelineAxis
        id="entity-timeline"
        events={timeline.events}
        zoom={zoomOf(timeline.events)}
        own={timeline.own?.drawing}
        currentId={entity.kind === 'event' ? entity.id : undefined}
      />
      <TimelineKey />
      <TimelineList events={timeline.events} currentId={entity.kind === 'event' ? entity.id : undefined} />
      {timeline.more && filter ? (
        <p>
          <a href={`/timeline/?${filter}`}>Every event mentioned alongside {entity.name}</a>
        </p>
      ) : null}
    </section>
  );
}
