import { pointInWords } from '../../modules/history/coordinates.ts';
import { isArea } from '../../modules/history/geo-types.ts';
import type { PlacesMap } from '../../modules/history/place-maps.ts';
import type { MapPlace, PlaceShape } from '../../modules/history/places.service.ts';
import type { DrawnPoint, MapDrawing } from '../../modules/maps/map-drawing.ts';
import { entityPath } from '../../modules/markdown/mention-directive.ts';

// A map as SVG (decision 043): drawn on the server from bundled Natural Earth borders, coloured by site.css's
// classes (light, dark and print), named and described for screen readers, with the places listed beside it.

const shapeWords = (s: PlaceShape) =>
  `${s.label || 'shape'} (${isArea(s.geometry) ? 'an area' : 'a line'}${s.validity ? `, ${s.validity.words}` : ''})`;

/** What the map shows, in a sentence or two: the SVG's description. */
export function mapDescription(map: PlacesMap): string {
  const where = (p: MapPlace, drawn: DrawnPoint | undefined) =>
    p.point ? ` at ${pointInWords(p.point)}${drawn?.country ? `, in today’s ${drawn.country}` : ''}` : '';
  const parts = map.places.map((p) => {
    const drawn = map.drawing.points.find((d) => d.name === p.name);
    const shapes = p.shapes.length > 0 ? `; drawn: ${p.shapes.map(shapeWords).join('; ')}` : '';
    return `${p.name}${where(p, drawn)}${shapes}`;
  });
  const countries = map.drawing.countries.map((c) => c.name).join(', ');
  return `${parts.join('. ')}. Borders shown are today’s${countries ? ` (${countries})` : ''}.`;
}

function Hatch(props: { id: string }) {
  return (
    <defs>
      <pattern id={props.id} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <line class="map__hatch" x1="0" y1="0" x2="0" y2="6" />
      </pattern>
    </defs>
  );
}

function ScaleBar(props: { bar: NonNullable<MapDrawing['scaleBar']> }) {
  const { x, y, length, label } = props.bar;
  return (
    <g class="map__scale">
      <path class="map__scale-bar" d={`M${x} ${y - 4}V${y}H${x + length}V${y - 4}`} />
      <text class="map__scale-label" x={x} y={y - 8}>
        {label}
      </text>
    </g>
  );
}

/** The SVG of a drawing. `id` makes its title, description and hatching unique on the page. */
export function MapSvg(props: { drawing: MapDrawing; id: string; title: string; description: string }) {
  const { drawing: d, id } = props;
  const hatch = `${id}-hatch`;
  // The countries the places lie in are shaded a little apart from their neighbours.
  const home = new Set(d.points.map((p) => p.country));
  return (
    <svg
      class="map"
      viewBox={`0 0 ${d.width} ${d.height}`}
      role="img"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-desc`}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id={`${id}-title`}>{props.title}</title>
      <desc id={`${id}-desc`}>{props.description}</desc>
      <Hatch id={hatch} />
      <rect class="map__sea" width={d.width} height={d.height} />
      <g class="map__countries">
        {d.countries.map((c) => (
          <path key={c.name} class={home.has(c.name) ? 'map__country map__country--home' : 'map__country'} d={c.d} />
        ))}
      </g>
      <g class="map__country-names">
        {d.countryLabels.map((c) => (
          <text key={c.name} class="map__country-name" x={c.x} y={c.y} text-anchor="middle">
            {c.name}
          </text>
        ))}
      </g>
      <g class="map__shapes">
        {d.shapes.map((s, i) =>
          s.area ? (
            <path key={i} class="map__area" d={s.d} fill={`url(#${hatch})`} />
          ) : (
            <path key={i} class="map__line" d={s.d} />
          ),
        )}
      </g>
      <g class="map__points">
        {d.points.map((p) => (
          <g key={p.name} class="map__place">
            <circle class="map__point" cx={p.x} cy={p.y} r="4.5" />
            <text class="map__label" x={p.label.x} y={p.label.y} text-anchor={p.label.anchor}>
              {p.name}
            </text>
          </g>
        ))}
      </g>
      {d.scaleBar ? <ScaleBar bar={d.scaleBar} /> : null}
      <rect class="map__frame" x="0.5" y="0.5" width={d.width - 1} height={d.height - 1} />
    </svg>
  );
}

/** The key of a shape in the list: hatched like the map's areas (the map's own pattern) or dashed like its lines. */
function ShapeKey(props: { area: boolean; hatch: string }) {
  return (
    <svg class="map-key" viewBox="0 0 24 12" width="24" height="12" aria-hidden="true">
      {props.area ? (
        <rect class="map__area" x="1" y="1" width="22" height="10" fill={`url(#${props.hatch})`} />
      ) : (
        <path class="map__line" d="M1 6H23" />
      )}
    </svg>
  );
}

/** The places beside the map, in words: names (linked), coordinates and the shapes drawn. */
export function MapPlaceList(props: { map: PlacesMap; linked: boolean; hatch: string }) {
  return (
    <ul class="map-places">
      {props.map.places.map((p) => (
        <li key={p.id}>
          {props.linked ? <a href={entityPath('place', p.slug)}>{p.name}</a> : p.name}
          {p.point ? <>: {pointInWords(p.point)}</> : null}
          {p.shapes.length > 0 ? (
            <ul>
              {p.shapes.map((s, i) => (
                <li key={i}>
                  <ShapeKey area={isArea(s.geometry)} hatch={props.hatch} /> {shapeWords(s)}
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/**
 * The map and its list. The projection's numbers ride on the figure (data-*), for the admin's island to turn a
 * click back into coordinates.
 */
export function MapFigure(props: { map: PlacesMap; id: string; title: string; linked: boolean; class?: string }) {
  const p = props.map.drawing.projection;
  return (
    <figure
      class={`map-figure${props.class ? ` ${props.class}` : ''}`}
      data-projection={p.kind}
      data-rotate={p.rotate.join(',')}
      data-parallels={p.parallels.join(',')}
      data-scale={String(p.scale)}
      data-translate={p.translate.join(',')}
    >
      <MapSvg drawing={props.map.drawing} id={props.id} title={props.title} description={mapDescription(props.map)} />
      <figcaption>
        <MapPlaceList map={props.map} linked={props.linked} hatch={`${props.id}-hatch`} />
      </figcaption>
    </figure>
  );
}
