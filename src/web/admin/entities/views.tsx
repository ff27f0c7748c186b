import type { Entity } from '../../../modules/history/entities.service.ts';
import { ENTITY_KINDS, type EntityForm } from '../../../modules/history/entity-form.ts';
import { GEO_LIMITS } from '../../../modules/history/geo-types.ts';
import type { PlacesMap } from '../../../modules/history/place-maps.ts';
import type { EntityKind } from '../../../storage/schema.ts';
import { CsrfField, ErrorSummary, Field, TextareaField, TextField } from '../../ui/form.tsx';
import { DataTable } from '../../ui/lists.tsx';
import type { AdminViewer } from '../layout.tsx';
import { Alert, Notice, noticeLookup } from '../layout.tsx';
import { MergeStart } from './merge.views.tsx';
import { PlaceFieldset } from './place-fields.tsx';

// History's entities under /admin/entities: list by kind, add and edit, delete (refused while mentioned).

const NOTICES: Record<string, string> = {
  created: 'Saved. Articles mentioning it link to its page from their next read.',
  saved: 'Saved.',
  deleted: 'Deleted.',
  merged: 'Merged: the other entity’s mentions, names and addresses are this one’s now, and it is deleted.',
  simplified: `Saved. The shapes had more than ${GEO_LIMITS.simplifyAbove.toLocaleString('en')} points and were simplified to fit: check them on the map.`,
};
export const entityNoticeText = noticeLookup(NOTICES);

const KIND_LABELS: Record<EntityKind, { one: string; many: string; directive: string }> = {
  person: { one: 'person', many: 'People', directive: 'person' },
  place: { one: 'place', many: 'Places', directive: 'place' },
  event: { one: 'event', many: 'Events', directive: 'event' },
  organisation: { one: 'organisation', many: 'Organisations', directive: 'org' },
};

export const entityEditPath = (id: number) => `/admin/entities/edit/${id}`;
const fieldId = (k: string) => `entity-${k}`;
const Csrf = (props: { viewer: AdminViewer }) => <CsrfField csrf={props.viewer.csrf} />;

/** The entities of one kind, with links to the other kinds. */
export function EntitiesListView(props: { kind: EntityKind; entities: Entity[]; notice?: string }) {
  const label = KIND_LABELS[props.kind];
  const article = /^[aeiou]/.test(label.one) ? 'an' : 'a';
  return (
    <>
      <h1 class="page-title">Entities: {label.many}</h1>
      <Notice text={props.notice} />
      <nav class="admin-tabs" aria-label="Kinds of entity">
        <ul>
          {ENTITY_KINDS.map((k) => (
            <li key={k}>
              <a href={`/admin/entities?kind=${k}`} aria-current={k === props.kind ? 'page' : undefined}>
                {KIND_LABELS[k].many}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p>
        Mention one in an article with{' '}
        <code>
          :{label.directive}[the words]{'{#id}'}
        </code>
        .{' '}
        <a href={`/admin/entities/new?kind=${props.kind}`}>
          Add {article} {label.one}
        </a>
      </p>
      {props.entities.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <DataTable
          caption={props.entities.length === 1 ? '1 entry' : `${props.entities.length} entries`}
          columns={['Name', 'Id', 'Date']}
        >
          {props.entities.map((e) => (
            <tr key={e.id}>
              <td>
                <a href={entityEditPath(e.id)}>{e.name}</a>
              </td>
              <td>
                <code>{e.slug}</code>
              </td>
              <td>{e.date?.words ?? ''}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

function KindField(props: { value: string; error?: string }) {
  return (
    <Field id={fieldId('kind')} label="Kind" error={props.error}>
      {(a11y) => (
        <select id={fieldId('kind')} name="kind" {...a11y}>
          {ENTITY_KINDS.map((k) => (
            <option key={k} value={k} selected={props.value === k}>
              {KIND_LABELS[k].one}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Add or edit an entity; a refused date shows the parser's message, naming the character, at the field. */
export function EntityFormView(props: {
  id?: number;
  values: EntityForm;
  errors?: Record<string, string>;
  viewer: AdminViewer;
  deleteError?: string;
  notice?: string;
  publicPath?: string;
  /** The map of a place's form (its point and shapes, or the world): only places have one. */
  map?: PlacesMap;
}) {
  const { values } = props;
  const e = props.errors ?? {};
  const action = props.id === undefined ? '/admin/entities' : entityEditPath(props.id);
  return (
    <>
      <h1 class="page-title">{props.id === undefined ? 'Add an entity' : values.name || 'Entity'}</h1>
      <p>
        <a href={`/admin/entities?kind=${values.kind}`}>All entities</a>
        {props.publicPath ? (
          <>
            {' '}
            · <a href={props.publicPath}>Its public page</a>
          </>
        ) : null}
      </p>
      <ErrorSummary errors={props.errors} idOf={fieldId} message="The entity needs a correction; nothing was saved." />
      <Notice text={props.notice} />
      <Alert text={props.deleteError} />
      <form class="admin-form" method="post" action={action}>
        <Csrf viewer={props.viewer} />
        <KindField value={values.kind} error={e.kind} />
        <TextField id={fieldId('name')} name="name" label="Name" value={values.name} error={e.name} required />
        <TextField
          id={fieldId('slug')}
          name="slug"
          label="Id"
          hint="Its address and what mentions name after #: lower-case letters, digits and hyphens (e.g. georgy-zhukov). Empty: made from the name."
          value={values.slug}
          error={e.slug}
          maxLength={80}
        />
        <TextareaField
          id={fieldId('names')}
          name="names"
          label="Other names"
          hint="One a line; a language tag before a colon, “(transliteration)” after, e.g. “ru: Жуков” or “Zhukov, G. K. (transliteration)”."
          value={values.names}
          error={e.names}
          rows={4}
        />
        <TextField
          id={fieldId('date')}
          name="date"
          label="Date (EDTF)"
          hint="E.g. 1896/1974 (lived), 1939-05-11/1939-09-16 (from and to), 1939-05~ (about May 1939), 193X (the 1930s)."
          value={values.date}
          error={e.date}
          maxLength={100}
        />
        <TextareaField
          id={fieldId('description')}
          name="description"
          label="Description"
          value={values.description}
          error={e.description}
          rows={4}
        />
        {props.map ? <PlaceFieldset values={values} errors={e} map={props.map} /> : null}
        <TextField
          id={fieldId('wikidata')}
          name="wikidata"
          label="Wikidata id"
          hint="Q followed by digits, shown as a link (never fetched)."
          value={values.wikidata}
          error={e.wikidata}
          maxLength={14}
        />
        <TextareaField
          id={fieldId('identifiers')}
          name="identifiers"
          label="Other identifiers"
          hint="One a line: viaf, geonames, isni or loc (Library of Congress), a colon, the id; e.g. “viaf: 12345678”, “loc: n79021164”. Shown as links, never fetched."
          value={values.identifiers}
          error={e.identifiers}
          rows={2}
        />
        <TextareaField
          id={fieldId('sources')}
          name="sources"
          label="Sources"
          hint="Keys of the sources library, one a line, each optionally followed by a note (pages, a chapter); e.g. “zhukov-1985 vol. 1, ch. 6”."
          value={values.sources}
          error={e.sources}
          rows={3}
        />
        <p>
          <button type="submit">{props.id === undefined ? 'Add it' : 'Save'}</button>
        </p>
      </form>
      {props.id !== undefined ? (
        <>
          <h2>Delete</h2>
          <form method="post" action={`${entityEditPath(props.id)}/delete`}>
            <Csrf viewer={props.viewer} />
            <p>An entity that articles mention (drafts too) cannot be deleted.</p>
            <button type="submit">Delete it</button>
          </form>
          <MergeStart id={props.id} kind={values.kind} />
        </>
      ) : null}
    </>
  );
}
