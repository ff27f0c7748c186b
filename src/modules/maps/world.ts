/**
 * The countries of the world from Natural Earth, as the world-atlas package ships them (TopoJSON, public
 * domain data): read from node_modules with fs, never fetched. Each resolution is read once per process, on the
 * first map that needs it, and kept: it is the same for every site and never changes while the process runs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { geoBounds } from 'd3-geo';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';

/** 1:50m for regional maps (borders to within a few km), 1:110m for continents and the world. */
export type WorldResolution = '50m' | '110m';

export interface Country {
  name: string;
  feature: Feature<Geometry>;
  /** [[west, south], [east, north]] in degrees; west > east when it crosses the antimeridian. */
  bounds: [[number, number], [number, number]];
}

const require = createRequire(import.meta.url);
// Static data read once, the same for every caller: kept here rather than passed around as a dependency.
const loaded = new Map<WorldResolution, readonly Country[]>();

function readCountries(resolution: WorldResolution): readonly Country[] {
  const file = require.resolve(`world-atlas/countries-${resolution}.json`);
  const topology = JSON.parse(readFileSync(file, 'utf8')) as Topology;
  const collection = feature(topology, topology.objects.countries!) as FeatureCollection<Geometry>;
  return Object.freeze(
    collection.features
      .map((f) => ({ name: String(f.properties?.name ?? ''), feature: f, bounds: geoBounds(f) }))
      // A stable order (by name, then as shipped) keeps every map's SVG the same from one run to the next.
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  );
}

/** The world's countries at a resolution, read on first use. */
export function worldCountries(resolution: WorldResolution): readonly Country[] {
  let countries = loaded.get(resolution);
  if (!countries) {
    countries = readCountries(resolution);
    loaded.set(resolution, countries);
  }
  return countries;
}
