/**
 * The maps of places (decision 043): a place's locator map (its point with a few hundred km around it, and its
 * shapes) and an article's map of the places it mentions. Drawings are kept until a write could change them.
 */
import type { Db } from '../../storage/schema.ts';
import { drawMap, type MapDrawing, type MapInput } from '../maps/map-drawing.ts';
import { changeKeys } from '../shared/changes.ts';
import { type GenerationMemo, keptForGeneration } from '../shared/generation-memo.ts';
import { isArea } from './geo-types.ts';
import { articleMapPlaces, type MapPlace } from './places.service.ts';

/** A map and the places it shows (the list beside it says what the drawing shows). */
export interface PlacesMap {
  places: MapPlace[];
  drawing: MapDrawing;
}

/** How far a place's locator map reaches around it; an article's map around what it shows. */
export const LOCATOR_CONTEXT_KM = 250;
export const ARTICLE_CONTEXT_KM = 40;
/** The width of the drawing's box (the SVG scales to its column). */
export const MAP_WIDTH = 480;

const shapeName = (place: MapPlace, label: string) => (label ? `${place.name}: ${label}` : place.name);

/** The map of these places, or undefined when none has a point or a shape. */
export function mapOfPlaces(places: readonly MapPlace[], contextKm: number): PlacesMap | undefined {
  const drawable = places.filter((p) => p.point || p.shapes.length > 0);
  if (drawable.length === 0) return undefined;
  const input: MapInput = {
    width: MAP_WIDTH,
    contextKm,
    points: drawable.flatMap((p) => (p.point ? [{ name: p.name, lon: p.point.longitude, lat: p.point.latitude }] : [])),
    shapes: drawable.flatMap((p) =>
      p.shapes.map((s) => ({ name: shapeName(p, s.label), area: isArea(s.geometry), geometry: s.geometry })),
    ),
  };
  return { places: drawable, drawing: drawMap(input) };
}

/** The world (without the polar seas), for placing a place that has no point yet. */
export function worldMap(): PlacesMap {
  const extent = { west: -180, east: 180, south: -58, north: 84 };
  return { places: [], drawing: drawMap({ width: MAP_WIDTH, contextKm: 0, points: [], shapes: [], extent }) };
}

type MapDeps = { db: Db; memo?: GenerationMemo };

/** A place's locator map, kept until the next write that could change it (an entity's write changes everything). */
export async function placeMap(deps: MapDeps, place: MapPlace): Promise<PlacesMap | undefined> {
  const slot = { area: 'place-maps', key: String(place.id), max: 256, dependsOn: [changeKeys.posts] };
  return keptForGeneration(deps, slot, async () => mapOfPlaces([place], LOCATOR_CONTEXT_KM));
}

/** The map of the places an article mentions, or undefined when none of them can be drawn. */
export async function articleMap(deps: MapDeps, postId: number): Promise<PlacesMap | undefined> {
  const places = await articleMapPlaces(deps, postId);
  if (places.length === 0) return undefined;
  const slot = { area: 'article-maps', key: String(postId), max: 256, dependsOn: [changeKeys.posts] };
  return keptForGeneration(deps, slot, async () => mapOfPlaces(places, ARTICLE_CONTEXT_KM));
}
