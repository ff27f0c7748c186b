/**
 * The place form's map island (decision 043). The server drew the map and put its projection's numbers on the
 * figure (data-projection, -rotate, -parallels, -scale, -translate); this rebuilds the same d3 projection and
 * turns a click back into longitude and latitude. A click sets the point's fields (and shows a marker); with
 * "Draw a line" pressed, each click adds a point to a new LineString feature in the shapes field instead.
 * Without it the fields are typed, as they always can be.
 */
import { type GeoProjection, geoConicEqualArea, geoEqualEarth, geoMercator } from 'd3-geo';

const SVG_NS = 'http://www.w3.org/2000/svg';

const numbers = (s: string | undefined) => (s ?? '').split(',').map(Number) as [number, number];

function projectionOf(figure: HTMLElement): GeoProjection {
  const d = figure.dataset;
  const kind = d.projection;
  const p =
    kind === 'mercator'
      ? geoMercator()
      : kind === 'equal-earth'
        ? geoEqualEarth()
        : geoConicEqualArea().parallels(numbers(d.parallels));
  return p.rotate(numbers(d.rotate)).scale(Number(d.scale)).translate(numbers(d.translate));
}

/** The click's position in the SVG's own units (its viewBox), whatever size the page shows it at. */
function svgPoint(svg: SVGSVGElement, e: MouseEvent): [number, number] | undefined {
  const ctm = svg.getScreenCTM();
  if (!ctm) return undefined;
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
  return [p.x, p.y];
}

const fixed = (n: number) => String(Number(n.toFixed(5)));

function element<K extends keyof SVGElementTagNameMap>(svg: SVGSVGElement, name: K, cls: string) {
  let el = svg.querySelector<SVGElementTagNameMap[K]>(`.${cls}`);
  if (!el) {
    el = document.createElementNS(SVG_NS, name) as SVGElementTagNameMap[K];
    el.setAttribute('class', cls);
    svg.insertBefore(el, svg.querySelector('.map__frame'));
  }
  return el;
}

interface Fields {
  lat: HTMLInputElement;
  lon: HTMLInputElement;
  shapes: HTMLTextAreaElement;
  status: HTMLElement | null;
}

/** The shapes field's features, to which a drawn line is added (an unreadable field is left as it is). */
function featuresOf(text: string): unknown[] | undefined {
  if (text.trim() === '') return [];
  try {
    const v = JSON.parse(text) as { type?: string; features?: unknown[] };
    if (v.type === 'FeatureCollection' && Array.isArray(v.features)) return v.features;
    if (v.type === 'Feature') return [v];
    return [{ type: 'Feature', properties: {}, geometry: v }];
  } catch {
    return undefined;
  }
}

function start(box: HTMLElement): void {
  const figure = box.querySelector<HTMLElement>('figure[data-projection]');
  const svg = figure?.querySelector<SVGSVGElement>('svg');
  const get = <T extends HTMLElement>(key: string) => document.getElementById(box.dataset[key] ?? '') as T | null;
  const lat = get<HTMLInputElement>('latitude');
  const lon = get<HTMLInputElement>('longitude');
  const shapes = get<HTMLTextAreaElement>('shapes');
  if (!figure || !svg || !lat || !lon || !shapes) return;
  const fields: Fields = { lat, lon, shapes, status: box.querySelector('[role="status"]') };
  const projection = projectionOf(figure);
  const drawing = lineDrawing(svg, fields);
  svg.classList.add('map--clickable');
  svg.addEventListener('click', (e) => {
    const xy = svgPoint(svg, e);
    const lonlat = xy && projection.invert?.(xy);
    if (!xy || !lonlat) return;
    if (drawing.active()) drawing.add(xy, lonlat as [number, number]);
    else setPoint(svg, fields, xy, lonlat as [number, number]);
  });
  box.insertBefore(drawing.button, figure);
}

function setPoint(svg: SVGSVGElement, f: Fields, xy: [number, number], [lo, la]: [number, number]): void {
  f.lat.value = fixed(la);
  f.lon.value = fixed(lo);
  const marker = element(svg, 'circle', 'map__point--chosen');
  marker.setAttribute('cx', String(xy[0]));
  marker.setAttribute('cy', String(xy[1]));
  marker.setAttribute('r', '6');
  if (f.status)
    f.status.textContent = `Point set to latitude ${f.lat.value}, longitude ${f.lon.value}. Save to keep it.`;
}

/** "Draw a line": each click adds a point to a new LineString in the shapes field; pressed again, it ends. */
function lineDrawing(svg: SVGSVGElement, f: Fields) {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Draw a line';
  button.setAttribute('aria-pressed', 'false');
  let before: unknown[] | undefined;
  let line: [number, number][] = [];
  let drawn: [number, number][] = [];
  button.addEventListener('click', () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    before = on ? featuresOf(f.shapes.value) : undefined;
    if (on && !before) {
      if (f.status) f.status.textContent = 'The shapes field is not readable GeoJSON: correct it before drawing.';
      return;
    }
    [line, drawn] = [[], []];
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? 'Finish the line' : 'Draw a line';
    if (f.status)
      f.status.textContent = on ? 'Click on the map to add points to the line.' : 'Line finished. Save to keep it.';
  });
  const add = (xy: [number, number], lonlat: [number, number]) => {
    line.push([Number(lonlat[0].toFixed(5)), Number(lonlat[1].toFixed(5))]);
    drawn.push(xy);
    element(svg, 'polyline', 'map__line--drawing').setAttribute('points', drawn.map((p) => p.join(',')).join(' '));
    if (line.length < 2) return;
    const feature = { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: line } };
    const features = [...(before ?? []), feature].map((x) => JSON.stringify(x));
    f.shapes.value = `{"type": "FeatureCollection", "features": [\n${features.join(',\n')}\n]}`;
    if (f.status) f.status.textContent = `The line has ${line.length} points.`;
  };
  return { button, active: () => button.getAttribute('aria-pressed') === 'true', add };
}

for (const box of document.querySelectorAll<HTMLElement>('.place-form-map')) start(box);
