import type { EntityForm } from '../../../modules/history/entity-form.ts';
import type { PlacesMap } from '../../../modules/history/place-maps.ts';
import { MapFigure } from '../../history/map-figure.tsx';
import { PLACE_MAP_SCRIPT_URL } from '../../kit/assets.ts';
import { TextareaField, TextField } from '../../ui/form.tsx';

// A place's point and shapes in the entity form (decision 043). Typing works without script; the island
// (src/client/place-map.ts) sets the point from a click on the map and draws a line click by click.

const fieldId = (k: string) => `entity-${k}`;

const SHAPES_HINT =
  'GeoJSON, longitude first: a LineString, MultiLineString, Polygon or MultiPolygon, a Feature, or a FeatureCollection of them. A feature’s properties may give a “name” and a “validity” (EDTF, e.g. 1939-05/1939-09). Above 5,000 points shapes are simplified; above 50,000 refused.';

/** The place's fields, with the map to click on (its stored point and shapes, or the world for a new place). */
export function PlaceFieldset(props: { values: EntityForm; errors: Record<string, string>; map: PlacesMap }) {
  const { values, errors: e } = props;
  return (
    <fieldset class="place-fields">
      <legend>On the map</legend>
      <div class="place-fields__point">
        <TextField
          id={fieldId('latitude')}
          name="latitude"
          label="Latitude"
          hint="Decimal degrees, north positive (e.g. 47.73)."
          value={values.latitude}
          error={e.latitude}
          maxLength={20}
        />
        <TextField
          id={fieldId('longitude')}
          name="longitude"
          label="Longitude"
          hint="Decimal degrees, east positive (e.g. 118.59)."
          value={values.longitude}
          error={e.longitude}
          maxLength={20}
        />
      </div>
      <div
        class="place-form-map"
        data-latitude={fieldId('latitude')}
        data-longitude={fieldId('longitude')}
        data-shapes={fieldId('shapes')}
      >
        <p class="field__hint" id="place-map-help">
          With script on, a click on the map sets the point (save to see the map around it), and “Draw a line” adds a
          line to the shapes, a click a point.
        </p>
        <MapFigure map={props.map} id="place-form-map" title="Map for placing the point" linked={false} />
        <p class="place-form-map__status" role="status" />
      </div>
      <TextareaField
        id={fieldId('shapes')}
        name="shapes"
        label="Lines and areas"
        hint={SHAPES_HINT}
        value={values.shapes}
        error={e.shapes}
        rows={6}
      />
      <script type="module" src={PLACE_MAP_SCRIPT_URL} />
    </fieldset>
  );
}
