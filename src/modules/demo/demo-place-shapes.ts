/**
 * The demo's drawn shapes (issue 17, decision 043), as an editor would paste them: the Khalkhin-Gol's course
 * through the battlefield towards Lake Buir, and the strip between the river (the border Japan and Manchukuo
 * claimed) and the line some 10–20 km east of it that Mongolia claimed, disputed from May to September 1939.
 * Traced by hand at the scale of the demo's map (a few km), not surveyed.
 */
type Lonlat = [number, number];

const RIVER_THROUGH_BATTLEFIELD: Lonlat[] = [
  [118.92, 47.48],
  [118.8, 47.57],
  [118.7, 47.64],
  [118.63, 47.71],
  [118.6, 47.78],
  [118.58, 47.85],
  [118.54, 47.92],
];

const RIVER: Lonlat[] = [
  [119.05, 47.38],
  ...RIVER_THROUGH_BATTLEFIELD,
  [118.35, 47.97],
  [118.15, 47.96],
  [117.95, 47.9],
  [117.85, 47.86],
];

// Mongolia's line, north to south, back to where the strip leaves the river: close to today's border, which the
// 1940 boundary commission drew broadly along it (these points follow Natural Earth's border).
const MONGOLIAN_CLAIM: Lonlat[] = [
  [118.569, 47.944],
  [118.691, 47.822],
  [118.76, 47.758],
  [118.879, 47.725],
  [118.954, 47.703],
  [119.019, 47.685],
  [119.08, 47.654],
  [119.098, 47.616],
  [119.123, 47.558],
  [119.163, 47.525],
];

const feature = (name: string, geometry: unknown, validity?: string) =>
  JSON.stringify({ type: 'Feature', properties: { name, ...(validity ? { validity } : {}) }, geometry });

/** The Khalkhin-Gol's shapes: the river's line and the disputed strip's area. */
export const KHALKHIN_GOL_SHAPES = `{"type": "FeatureCollection", "features": [
${feature('course of the river', { type: 'LineString', coordinates: RIVER })},
${feature(
  'strip between the river and the border Mongolia claimed',
  { type: 'Polygon', coordinates: [[...RIVER_THROUGH_BATTLEFIELD, ...MONGOLIAN_CLAIM, RIVER_THROUGH_BATTLEFIELD[0]]] },
  '1939-05/1939-09',
)}
]}`;
