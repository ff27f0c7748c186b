import { calendarDayOf, OPEN_END_DAY, OPEN_START_DAY } from '../../modules/history/day-number.ts';
import { MONTH_NAMES } from '../../modules/history/edtf-point.ts';
import {
  type DateDrawing,
  type TimelineEvent,
  type TimeUnit,
  unitOf,
  type Zoom,
} from '../../modules/history/timeline.ts';

/**
 * The time axis beside a timeline's list (decision 044): drawn, never read. The list carries the meaning, so the
 * SVG is aria-hidden. A known day is a solid dot, a span a bar; an approximate, uncertain or open end fades out
 * (a gradient); unspecified digits (193X) are a pale dashed band over the span they allow. Colours come from
 * site.css classes, so dark mode and print follow the site's variables.
 */

const WIDTH = 960;
const PAD_X = 16;
const LANE = 16;
const TOP = 8;
const AXIS = 30;
const MAX_LANES = 14;
const MAX_TICKS = 14;

interface Domain {
  lo: number;
  hi: number;
}

const finite = (d: number) => d !== OPEN_START_DAY && d !== OPEN_END_DAY;

/** The days the axis spans: the range asked for, else the events' own; a little wider, never zero. */
export function axisDomain(
  events: readonly TimelineEvent[],
  range: { from?: number; to?: number },
): Domain | undefined {
  const lows = events.map((e) => e.drawing.lower).filter(finite);
  const highs = events.map((e) => e.drawing.upper).filter(finite);
  const lo = range.from ?? (lows.length > 0 ? Math.min(...lows) : undefined);
  const hi = range.to ?? (highs.length > 0 ? Math.max(...highs) : lows.length > 0 ? Math.max(...lows) : undefined);
  if (lo === undefined || hi === undefined) return undefined;
  const pad = Math.max(15, Math.round((hi - lo) * 0.03));
  return { lo: lo - pad, hi: hi + pad };
}

/** A coordinate to a tenth of a unit (shorter pages, same picture). */
const r1 = (n: number) => Math.round(n * 10) / 10;

const xOf = (d: Domain, day: number) => {
  const clamped = Math.min(Math.max(day, d.lo), d.hi);
  return Math.round((PAD_X + ((clamped - d.lo) / (d.hi - d.lo)) * (WIDTH - 2 * PAD_X)) * 10) / 10;
};

/** The end style once clipped: an end beyond the axis runs off it, as an open one does. */
function clippedEnds(d: Domain, dr: DateDrawing) {
  return {
    start: dr.lower < d.lo ? 'open' : dr.start,
    end: dr.upper > d.hi ? 'open' : dr.end,
  };
}

/** Lanes: each mark goes in the first lane where it does not touch the one before (the last lane takes the rest). */
function assignLanes(spans: readonly { x0: number; x1: number }[]): number[] {
  const ends: number[] = [];
  return spans.map(({ x0, x1 }) => {
    let lane = ends.findIndex((end) => end + 6 < x0);
    if (lane === -1) lane = ends.length < MAX_LANES ? ends.length : MAX_LANES - 1;
    ends[lane] = Math.max(ends[lane] ?? 0, x1);
    return lane;
  });
}

function tickLabel(unit: TimeUnit, zoom: Zoom, first: boolean): string {
  const { year, month } = calendarDayOf(unit.start);
  const y = year <= 0 ? `${1 - year} BC` : String(year);
  if (zoom === 'decade') return year >= 1000 ? `${year}s` : y;
  if (zoom === 'year') return y;
  const m = MONTH_NAMES[month - 1]!.slice(0, 3);
  return first || month === 1 ? `${m} ${y}` : m;
}

/** The units of the zoom across the domain, thinned to at most MAX_TICKS. */
function ticks(d: Domain, zoom: Zoom): TimeUnit[] {
  const all: TimeUnit[] = [];
  // Units that start inside the axis, with room for a label before its end.
  const last = d.hi - (d.hi - d.lo) * 0.04;
  for (let u = unitOf(d.lo, zoom); u.start <= last && all.length < 2000; u = unitOf(u.next, zoom))
    if (u.start >= d.lo) all.push(u);
  if (all.length === 0) all.push(unitOf(d.lo, zoom));
  const step = Math.ceil(all.length / MAX_TICKS);
  return all.filter((_, i) => i % step === 0);
}

const GRADIENTS = ['start', 'end', 'both'] as const;

function Gradients(props: { id: string }) {
  const stops = {
    start: [0.15, 1, 1],
    end: [1, 1, 0.15],
    both: [0.15, 1, 0.15],
  } as const;
  return (
    <defs>
      {GRADIENTS.map((g) => (
        <linearGradient key={g} id={`${props.id}-fade-${g}`} x1="0" x2="1" y1="0" y2="0">
          <stop class="timeline-axis__stop" offset="0" stop-opacity={stops[g][0]} />
          <stop class="timeline-axis__stop" offset="0.5" stop-opacity={stops[g][1]} />
          <stop class="timeline-axis__stop" offset="1" stop-opacity={stops[g][2]} />
        </linearGradient>
      ))}
    </defs>
  );
}

function Mark(props: { event: TimelineEvent; domain: Domain; lane: number; id: string; current: boolean }) {
  const { event, domain, lane, id } = props;
  const x0 = xOf(domain, event.drawing.lower);
  const x1 = xOf(domain, event.drawing.upper);
  const y = TOP + lane * LANE + LANE / 2;
  const ends = clippedEnds(domain, event.drawing);
  const fuzzyStart = ends.start !== 'firm';
  const fuzzyEnd = ends.end !== 'firm';
  const cls = `timeline-axis__mark${props.current ? ' timeline-axis__mark--current' : ''}`;
  const title = <title>{`${event.name}: ${event.dateWords}`}</title>;
  if (event.drawing.unspecified)
    return (
      <rect class={`${cls} timeline-axis__unspecified`} x={x0} y={y - 5} width={r1(Math.max(x1 - x0, 6))} height={10}>
        {title}
      </rect>
    );
  if (x1 - x0 < 6) {
    const fuzzy = fuzzyStart || fuzzyEnd;
    return (
      <circle
        class={`${cls}${fuzzy ? ' timeline-axis__point--fuzzy' : ' timeline-axis__point'}`}
        cx={r1((x0 + x1) / 2)}
        cy={y}
        r={5}
      >
        {title}
      </circle>
    );
  }
  const fade = fuzzyStart && fuzzyEnd ? 'both' : fuzzyStart ? 'start' : fuzzyEnd ? 'end' : undefined;
  return (
    <rect
      class={`${cls} ${fade ? 'timeline-axis__faded' : 'timeline-axis__bar'}`}
      x={x0}
      y={y - 4}
      width={r1(x1 - x0)}
      height={8}
      rx={2}
      fill={fade ? `url(#${id}-fade-${fade})` : undefined}
    >
      {title}
    </rect>
  );
}

/** An entity's own dates (a life, a founding) as a band behind the events. */
function OwnBand(props: { drawing: DateDrawing; domain: Domain; height: number }) {
  const x0 = xOf(props.domain, props.drawing.lower);
  const x1 = xOf(props.domain, props.drawing.upper);
  return <rect class="timeline-axis__own" x={x0} y={0} width={r1(Math.max(x1 - x0, 2))} height={props.height} />;
}

/**
 * The SVG axis for a timeline's events: `id` names its gradients (unique on the page), `zoom` its ticks, `own`
 * an entity's own span drawn behind, `currentId` the event whose page this is.
 */
export function TimelineAxis(props: {
  id: string;
  events: readonly TimelineEvent[];
  zoom: Zoom;
  range?: { from?: number; to?: number };
  own?: DateDrawing;
  currentId?: number;
}) {
  const domain = axisDomain(props.events, props.range ?? {});
  if (!domain) return null;
  const lanes = assignLanes(
    props.events.map((e) => ({
      x0: xOf(domain, e.drawing.lower),
      x1: Math.max(xOf(domain, e.drawing.upper), xOf(domain, e.drawing.lower) + 10),
    })),
  );
  const laneCount = Math.max(1, ...lanes.map((l) => l + 1));
  const height = TOP + laneCount * LANE + AXIS;
  const axisY = height - AXIS + 6;
  const shown = ticks(domain, props.zoom);
  return (
    // Focusable so that a keyboard can scroll it where it is wider than the screen (its drawing is aria-hidden).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keys
    <section class="timeline-axis" data-timeline-axis="" tabIndex={0} aria-label="Chart of these events">
      <svg
        class="timeline-axis__svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        width={WIDTH}
        height={height}
        aria-hidden="true"
        focusable="false"
      >
        <Gradients id={props.id} />
        {props.own ? <OwnBand drawing={props.own} domain={domain} height={axisY} /> : null}
        <line class="timeline-axis__line" x1={PAD_X} x2={WIDTH - PAD_X} y1={axisY} y2={axisY} />
        {shown.map((u, i) => {
          const x = xOf(domain, Math.max(u.start, domain.lo));
          return (
            <g key={u.start}>
              <line class="timeline-axis__tick" x1={x} x2={x} y1={TOP / 2} y2={axisY + 4} />
              <text class="timeline-axis__label" x={x + 3} y={axisY + 18}>
                {tickLabel(u, props.zoom, i === 0)}
              </text>
            </g>
          );
        })}
        {props.events.map((e, i) => (
          <Mark
            key={e.id}
            event={e}
            domain={domain}
            lane={lanes[i] ?? 0}
            id={props.id}
            current={e.id === props.currentId}
          />
        ))}
      </svg>
    </section>
  );
}
