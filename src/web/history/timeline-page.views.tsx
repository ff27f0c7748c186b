import type { FilterEntity, SiteTimeline } from '../../modules/history/timeline.service.ts';
import { finerZoom, groupByUnit, unitWords, ZOOMS, type Zoom } from '../../modules/history/timeline.ts';
import { TIMELINE_SCRIPT_URL } from '../kit/assets.ts';
import type { Head } from '../ui/layout.tsx';
import { Pager } from '../ui/lists.tsx';
import { TimelineKey, TimelineList } from './timeline.views.tsx';
import { TimelineAxis } from './timeline-axis.tsx';

/** The parameters of /timeline/ as the page's links keep them (all text, as written). */
export interface TimelineParams {
  category?: string;
  place?: string;
  person?: string;
  org?: string;
  zoom?: string;
  from?: string;
  to?: string;
  page?: string;
}

/** The address of the timeline with these parameters (empty ones left out). */
export function timelineHref(p: TimelineParams): string {
  const q = new URLSearchParams();
  for (const key of ['category', 'place', 'person', 'org', 'zoom', 'from', 'to', 'page'] as const) {
    const v = p[key];
    if (v) q.set(key, v);
  }
  const s = q.toString();
  return s ? `/timeline/?${s}` : '/timeline/';
}

export interface TimelineChoices {
  categories: { path: string; name: string; depth: number }[];
  people: FilterEntity[];
  places: FilterEntity[];
  organisations: FilterEntity[];
}

const ZOOM_WORDS: Record<Zoom, string> = { decade: 'Decades', year: 'Years', month: 'Months' };

function Select(props: { name: string; label: string; value?: string; options: { value: string; text: string }[] }) {
  const id = `timeline-${props.name}`;
  return (
    <p class="timeline-filters__field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        <option value="">Any</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value} selected={o.value === props.value}>
            {o.text}
          </option>
        ))}
      </select>
    </p>
  );
}

function TextField(props: { name: 'from' | 'to'; label: string; value?: string }) {
  const id = `timeline-${props.name}`;
  return (
    <p class="timeline-filters__field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="text"
        inputmode="numeric"
        size={10}
        maxlength={40}
        value={props.value ?? ''}
        aria-describedby="timeline-range-hint"
      />
    </p>
  );
}

/** The filters as a GET form: works without script, and its address can be shared. */
function Filters(props: { params: TimelineParams; choices: TimelineChoices }) {
  const { params, choices } = props;
  return (
    <form class="timeline-filters" method="get" action="/timeline/" aria-label="Filter the timeline">
      <Select
        name="category"
        label="Category"
        value={params.category}
        options={choices.categories.map((c) => ({ value: c.path, text: `${'– '.repeat(c.depth)}${c.name}` }))}
      />
      <Select
        name="place"
        label="Place"
        value={params.place}
        options={choices.places.map((p) => ({ value: p.slug, text: p.name }))}
      />
      <Select
        name="person"
        label="Person"
        value={params.person}
        options={choices.people.map((p) => ({ value: p.slug, text: p.name }))}
      />
      <Select
        name="org"
        label="Organisation"
        value={params.org}
        options={choices.organisations.map((o) => ({ value: o.slug, text: o.name }))}
      />
      <TextField name="from" label="From" value={params.from} />
      <TextField name="to" label="To" value={params.to} />
      <input type="hidden" name="zoom" value={params.zoom ?? ''} />
      <p class="timeline-filters__hint" id="timeline-range-hint">
        A year (1939, or -0489 for 490 BC), a month (1939-05) or a day (1939-05-11).
      </p>
      <p class="timeline-filters__submit">
        <button type="submit">Show</button>
      </p>
    </form>
  );
}

/** Decades, years, months: each link keeps the filters and the range. */
function ZoomLinks(props: { params: TimelineParams; zoom: Zoom }) {
  return (
    <nav class="timeline-zoom" aria-label="Zoom">
      <span class="timeline-zoom__label">Group by:</span>
      <ul>
        {ZOOMS.map((z) => (
          <li key={z}>
            <a
              href={timelineHref({ ...props.params, zoom: z, page: undefined })}
              aria-current={z === props.zoom ? 'true' : undefined}
            >
              {ZOOM_WORDS[z]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Pages(props: { timeline: SiteTimeline; params: TimelineParams }) {
  const { timeline: t, params } = props;
  if (t.page === 1 && !t.hasMore) return null;
  const at = (n: number) => timelineHref({ ...params, page: n > 1 ? String(n) : undefined });
  return (
    <Pager
      label="Pages"
      status={`Page ${t.page}`}
      prev={t.page > 1 ? { href: at(t.page - 1), text: '← Earlier events' } : undefined}
      next={t.hasMore ? { href: at(t.page + 1), text: 'Later events →' } : undefined}
      rel
    />
  );
}

/** The events in groups of the zoom's unit, each group's heading linking one step closer in. */
function Groups(props: { timeline: SiteTimeline; params: TimelineParams }) {
  const { timeline: t, params } = props;
  const finer = finerZoom(t.zoom);
  return (
    <>
      {groupByUnit(t.events, t.zoom).map((g) => {
        const words = g.unit ? unitWords(g.unit, t.zoom) : 'Open start';
        const key = g.unit?.start ?? 'open';
        return (
          <section key={key} class="timeline__group">
            <h2 class="timeline__group-heading">
              {g.unit && finer ? (
                <a href={timelineHref({ ...params, zoom: finer, from: g.unit.from, to: g.unit.to, page: undefined })}>
                  {words}
                </a>
              ) : (
                words
              )}
            </h2>
            <TimelineList events={g.events} />
          </section>
        );
      })}
    </>
  );
}

/** /timeline/: the filters, the zoom links, the chart and the events of this page in groups. */
export function SiteTimelineView(props: { timeline: SiteTimeline; params: TimelineParams; choices: TimelineChoices }) {
  const { timeline: t, params } = props;
  return (
    <>
      <h1 class="page-title">Timeline</h1>
      <p class="timeline__intro">
        Events mentioned in the articles, in order of their earliest possible date.
        {t.place ? ` Mentioned with ${t.place.name}.` : ''}
        {t.person ? ` Mentioned with ${t.person.name}.` : ''}
        {t.org ? ` Mentioned with ${t.org.name}.` : ''}
      </p>
      <Filters params={params} choices={props.choices} />
      <ZoomLinks params={params} zoom={t.zoom} />
      {t.events.length === 0 ? (
        <p>No events here yet.</p>
      ) : (
        <div class="timeline timeline--site">
          <TimelineAxis id="site-timeline" events={t.events} zoom={t.zoom} range={t.range} />
          <TimelineKey />
          <Groups timeline={t} params={params} />
        </div>
      )}
      <Pages timeline={t} params={params} />
    </>
  );
}

/** The page's head: its address (with the filters) and the island that enlarges and moves the chart. */
export function siteTimelineHead(params: TimelineParams): Head {
  return {
    title: 'Timeline',
    description: 'Events mentioned in the articles, in order of their dates.',
    path: timelineHref(params),
    scripts: [TIMELINE_SCRIPT_URL],
  };
}
