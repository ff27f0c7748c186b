import type { PlacesMap } from '../../modules/history/place-maps.ts';
import { MapFigure } from './map-figure.tsx';

/** A place page's locator map: the place with a few hundred km around it, and its lines and areas. */
export function PlaceMapSection(props: { map: PlacesMap | undefined; name: string }) {
  if (!props.map) return null;
  return (
    <section class="place-map" aria-labelledby="place-map-heading">
      <h2 id="place-map-heading">Map</h2>
      <MapFigure map={props.map} id="place-map" title={`Map of ${props.name} and its surroundings`} linked={false} />
    </section>
  );
}

/**
 * An article's map of the places it mentions that have a point or a shape (none: no section), after its text;
 * each place in the list beside it links to its page.
 */
export function ArticleMapSection(props: { map: PlacesMap | undefined }) {
  if (!props.map) return null;
  const names = props.map.places.map((p) => p.name);
  const title = `Map of the places this article mentions: ${names.join(', ')}`;
  return (
    <section class="article-map" aria-labelledby="article-map-heading">
      <h2 id="article-map-heading">Map</h2>
      <MapFigure map={props.map} id="article-map" title={title} linked />
    </section>
  );
}
