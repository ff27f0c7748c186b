import type { ImportReport } from '../../../modules/sources/bibliography-types.ts';
import { SOURCE_TYPES, type SourceForm } from '../../../modules/sources/source-form.ts';
import type { Source } from '../../../modules/sources/sources.types.ts';
import { CsrfField, ErrorSummary, Field, TextField } from '../../ui/form.tsx';
import { DataTable, Pager } from '../../ui/lists.tsx';
import type { AdminViewer } from '../layout.tsx';
import { Alert, Notice, noticeLookup } from '../layout.tsx';

// The sources library under /admin/sources: list and search, add and edit, delete, import a bibliography.

const NOTICES: Record<string, string> = {
  created: 'Source added.',
  saved: 'Source saved. Articles citing it show the new text from their next read.',
  deleted: 'Source deleted.',
};
export const sourceNoticeText = noticeLookup(NOTICES);

const KIND_LABELS: Record<string, string> = {
  book: 'Book',
  article: 'Article',
  chapter: 'Chapter',
  archive: 'Archive',
  webpage: 'Web page',
  other: 'Other',
};

const Csrf = (props: { viewer: AdminViewer }) => <CsrfField csrf={props.viewer.csrf} />;

export const sourceEditPath = (key: string) => `/admin/sources/edit/${encodeURIComponent(key)}`;

export function SourcesListView(props: {
  sources: Source[];
  total: number;
  page: number;
  pageCount: number;
  q: string;
  notice?: string;
}) {
  const { sources, q } = props;
  const more = (page: number) => `/admin/sources?${new URLSearchParams({ ...(q ? { q } : {}), page: String(page) })}`;
  return (
    <>
      <h1 class="page-title">Sources</h1>
      <Notice text={props.notice} />
      <p>
        Cite a source in an article with <code>:cite[key]</code>, a page with <code>:cite[key]{'{p=112}'}</code>.{' '}
        <a href="/admin/sources/new">Add a source</a> · <a href="/admin/sources/import">Import a bibliography</a> ·{' '}
        <a href="/sources/">The public list</a>
      </p>
      <form method="get" action="/admin/sources" class="admin-form admin-form--inline">
        <label for="sources-q">Search by key, title or author</label>
        <input id="sources-q" name="q" type="search" value={q} maxLength={100} />
        <button type="submit">Search</button>
      </form>
      {sources.length === 0 ? (
        <p>{q ? 'No source matches this search.' : 'The library is empty.'}</p>
      ) : (
        <DataTable
          caption={`${props.total === 1 ? '1 source' : `${props.total} sources`}${q ? ` matching “${q}”` : ''}`}
          columns={['Key', 'Title', 'Kind']}
        >
          {sources.map((s) => (
            <tr key={s.key}>
              <td>
                <a href={sourceEditPath(s.key)}>{s.key}</a>
              </td>
              <td>{s.title}</td>
              <td>{KIND_LABELS[s.kind] ?? s.kind}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {props.pageCount > 1 ? (
        <Pager
          label="Pages of sources"
          status={`Page ${props.page} of ${props.pageCount}`}
          prev={props.page > 1 ? { href: more(props.page - 1), text: 'Previous page' } : undefined}
          next={props.page < props.pageCount ? { href: more(props.page + 1), text: 'Next page' } : undefined}
        />
      ) : null}
    </>
  );
}

const fieldId = (k: string) => `source-${k}`;

interface FieldSpec {
  name: keyof SourceForm;
  label: string;
  hint?: string;
  rows?: number;
}

const NAMES_HINT = 'One a line, "Family, Given"; a body without a comma (Soviet General Staff).';

// Every field a kind of source may need, grouped as a reference reads; the hints say which kinds use them.
const FIELD_GROUPS: { legend: string; fields: FieldSpec[] }[] = [
  {
    legend: 'Who',
    fields: [
      { name: 'authors', label: 'Authors', hint: `${NAMES_HINT} E.g. Coox, Alvin D.`, rows: 3 },
      {
        name: 'editors',
        label: 'Editors',
        hint: `Of an edited book, or of the book a chapter is in. ${NAMES_HINT}`,
        rows: 2,
      },
      { name: 'translators', label: 'Translators', hint: NAMES_HINT, rows: 2 },
      { name: 'recipients', label: 'Recipients', hint: `Of a letter. ${NAMES_HINT}`, rows: 1 },
      { name: 'interviewers', label: 'Interviewers', hint: `Of an interview. ${NAMES_HINT}`, rows: 1 },
      { name: 'directors', label: 'Directors', hint: `Of a film. ${NAMES_HINT}`, rows: 1 },
      {
        name: 'containerAuthors',
        label: 'Author of the book',
        hint: 'For a chapter in a book by one author.',
        rows: 1,
      },
    ],
  },
  {
    legend: 'What',
    fields: [
      {
        name: 'title',
        label: 'Title',
        hint: 'As the work gives it. Put {braces} round words whose capitals must stay in APA’s sentence case: {Zhukov} at {Khalkhin Gol}.',
      },
      {
        name: 'shortTitle',
        label: 'Short title',
        hint: 'For later notes; left empty, up to four words of the main title (Chicago 14.32).',
      },
      {
        name: 'translatedTitle',
        label: 'Translated title',
        hint: 'Of a work in another language, in sentence case: The Nomonhan tank battles.',
      },
      { name: 'originalTitle', label: 'Original title', hint: 'Of a translated work, in its own language.' },
      {
        name: 'language',
        label: 'Language',
        hint: 'Of a work not in English, as a code (ru, ja, de): its title keeps its own capitals.',
      },
      {
        name: 'genre',
        label: 'Description',
        hint: 'A thesis’s degree (PhD diss.), a document’s kind (memorandum), a map’s scale, a post’s kind (Tweet).',
      },
      { name: 'reviewedTitle', label: 'Title of the work reviewed', hint: 'Of a review.' },
      { name: 'reviewedAuthors', label: 'Author of the work reviewed', hint: NAMES_HINT, rows: 1 },
    ],
  },
  {
    legend: 'Publication',
    fields: [
      {
        name: 'containerTitle',
        label: 'Journal, newspaper, book or website',
        hint: 'The journal or newspaper of an article, the book of a chapter, the site of a web page or post.',
      },
      { name: 'edition', label: 'Edition', hint: 'A number (2) or words (rev. ed.).' },
      {
        name: 'numberOfVolumes',
        label: 'Number of volumes',
        hint: 'Of a work in several volumes: 2 gives “2 vols.” (Chicago) and “Vols. 1–2” (APA).',
      },
      { name: 'volume', label: 'Volume', hint: 'Of a journal, or the one volume of a set this source is.' },
      { name: 'issue', label: 'Issue' },
      { name: 'section', label: 'Newspaper section', hint: 'e.g. A.' },
      { name: 'collectionTitle', label: 'Series', hint: 'e.g. Leavenworth Papers.' },
      { name: 'collectionNumber', label: 'Number in the series', hint: 'e.g. 2.' },
      { name: 'number', label: 'Report or document number', hint: 'Of a government document or report.' },
      { name: 'publisher', label: 'Publisher', hint: 'Or the university of a thesis, the studio of a film.' },
      { name: 'place', label: 'Place of publication' },
      { name: 'date', label: 'Date', hint: 'A year (1985), year and month (1939-08) or full date (1939-08-30).' },
      {
        name: 'originalDate',
        label: 'First published',
        hint: 'Of a reprint or translation: the year of the original.',
      },
      { name: 'pages', label: 'Pages', hint: 'Of an article or chapter, e.g. 387-406.' },
      { name: 'medium', label: 'Medium', hint: 'e.g. DVD, audio recording.' },
    ],
  },
  {
    legend: 'Archive',
    fields: [
      { name: 'archive', label: 'Archive', hint: 'e.g. Russian State Military Archive.' },
      { name: 'archiveCollection', label: 'Collection', hint: 'e.g. Edward M. House Papers.' },
      { name: 'archiveLocation', label: 'Place in the archive', hint: 'Fond, opis, delo; box and folder; folio.' },
      { name: 'archivePlace', label: 'City of the archive' },
    ],
  },
  {
    legend: 'Online',
    fields: [
      { name: 'url', label: 'Web address (URL)' },
      { name: 'accessed', label: 'Accessed on', hint: 'YYYY-MM-DD; shown for pages without a date.' },
      { name: 'doi', label: 'DOI', hint: 'e.g. 10.1080/13518049508430198.' },
    ],
  },
];

/** Add or edit a source. */
export function SourceFormView(props: {
  mode: 'new' | 'edit';
  /** The stored key (edit only): where the form posts. */
  storedKey?: string;
  values: SourceForm;
  errors?: Record<string, string>;
  viewer: AdminViewer;
  deleteError?: string;
  notice?: string;
}) {
  const { values } = props;
  const e = props.errors ?? {};
  const action = props.mode === 'new' ? '/admin/sources' : sourceEditPath(props.storedKey ?? '');
  const types = SOURCE_TYPES.some((t) => t.type === values.type)
    ? SOURCE_TYPES
    : [...SOURCE_TYPES, { type: values.type, label: `Other (${values.type})` }];
  return (
    <>
      <h1 class="page-title">{props.mode === 'new' ? 'Add a source' : `Source ${props.storedKey}`}</h1>
      <p>
        <a href="/admin/sources">All sources</a>
      </p>
      <ErrorSummary errors={props.errors} idOf={fieldId} message="The source needs a correction; nothing was saved." />
      <Notice text={props.notice} />
      <Alert text={props.deleteError} />
      <form class="admin-form" method="post" action={action}>
        <Csrf viewer={props.viewer} />
        <fieldset>
          <legend>The source</legend>
          <TextField
            id={fieldId('key')}
            name="key"
            label="Key"
            hint="What articles cite it by: lower-case letters, digits and - _ : . (e.g. coox-1985)."
            value={values.key}
            error={e.key}
            required
            maxLength={64}
          />
          <Field id={fieldId('type')} label="Kind of source" error={e.type}>
            {(a11y) => (
              <select id={fieldId('type')} name="type" {...a11y}>
                {types.map((t) => (
                  <option key={t.type} value={t.type} selected={values.type === t.type}>
                    {t.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </fieldset>
        {FIELD_GROUPS.map((g) => (
          <fieldset key={g.legend}>
            <legend>{g.legend}</legend>
            {g.fields.map((f) =>
              f.rows ? (
                <Field key={f.name} id={fieldId(f.name)} label={f.label} hint={f.hint} error={e[f.name]}>
                  {(a11y) => (
                    <textarea id={fieldId(f.name)} name={f.name} rows={f.rows} {...a11y}>
                      {values[f.name]}
                    </textarea>
                  )}
                </Field>
              ) : (
                <TextField
                  key={f.name}
                  id={fieldId(f.name)}
                  name={f.name}
                  label={f.label}
                  hint={f.hint}
                  value={values[f.name]}
                  error={e[f.name]}
                  required={f.name === 'title'}
                />
              ),
            )}
          </fieldset>
        ))}
        <fieldset>
          <legend>For the editors</legend>
          <Field id={fieldId('note')} label="Private note" hint="Never shown to readers." error={e.note}>
            {(a11y) => (
              <textarea id={fieldId('note')} name="note" rows={3} {...a11y}>
                {values.note}
              </textarea>
            )}
          </Field>
        </fieldset>
        <p>
          <button type="submit">{props.mode === 'new' ? 'Add the source' : 'Save the source'}</button>
        </p>
      </form>
      {props.mode === 'edit' ? (
        <>
          <h2>Delete</h2>
          <form method="post" action={`${sourceEditPath(props.storedKey ?? '')}/delete`}>
            <Csrf viewer={props.viewer} />
            <p>A source that articles cite cannot be deleted.</p>
            <button type="submit">Delete this source</button>
          </form>
        </>
      ) : null}
    </>
  );
}

/** Paste or upload a BibTeX, RIS or CSL-JSON file; after an import, what came in and what failed and why. */
export function ImportView(props: {
  viewer: AdminViewer;
  text: string;
  replace: boolean;
  error?: string;
  report?: ImportReport;
}) {
  const { report } = props;
  const errors = props.error ? { text: props.error } : undefined;
  return (
    <>
      <h1 class="page-title">Import a bibliography</h1>
      <p>
        <a href="/admin/sources">All sources</a>
      </p>
      <ErrorSummary errors={errors} idOf={() => 'import-text'} message="Nothing was imported." />
      {report ? (
        <section aria-labelledby="import-report" class="import-report">
          <h2 id="import-report">What was imported</h2>
          <p role="status">
            {`${report.imported.length} imported, ${report.updated.length} replaced, ${report.failed.length} failed (${report.format === 'csl-json' ? 'CSL-JSON' : report.format === 'ris' ? 'RIS' : 'BibTeX'}).`}
          </p>
          {report.imported.length + report.updated.length > 0 ? (
            <ul>
              {[...report.imported, ...report.updated].map((k) => (
                <li key={k}>
                  <a href={sourceEditPath(k)}>{k}</a>
                  {report.updated.includes(k) ? ' (replaced)' : ''}
                </li>
              ))}
            </ul>
          ) : null}
          {report.warnings.length > 0 ? (
            <>
              <h3>Entries imported with a change</h3>
              <ul>
                {report.warnings.map((w) => (
                  <li key={`${w.entry} ${w.message}`}>
                    <strong>{w.entry}</strong>: {w.message}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {report.failed.length > 0 ? (
            <>
              <h3>Entries that failed</h3>
              <ul>
                {report.failed.map((f) => (
                  <li key={f.entry}>
                    <strong>{f.entry}</strong>: {f.reason}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
      <form
        class="admin-form"
        method="post"
        action={`/admin/sources/import?csrf=${encodeURIComponent(props.viewer.csrf)}`}
        enctype="multipart/form-data"
      >
        <Field
          id="import-text"
          label="Paste the bibliography"
          hint="BibTeX, RIS or CSL-JSON, up to 2 MB and 2,000 entries. Each entry is read on its own: broken ones are listed and the rest imported."
          error={props.error}
        >
          {(a11y) => (
            <textarea id="import-text" name="text" rows={14} spellcheck={false} {...a11y}>
              {props.text}
            </textarea>
          )}
        </Field>
        <Field id="import-file" label="Or choose a file" hint=".bib, .ris or .json (used instead of the text above).">
          {(a11y) => <input id="import-file" name="file" type="file" accept=".bib,.bibtex,.ris,.json,.txt" {...a11y} />}
        </Field>
        <div class="field">
          <input id="import-replace" name="replace" type="checkbox" value="1" checked={props.replace} />{' '}
          <label for="import-replace">Replace sources whose key is already in the library</label>
        </div>
        <p>
          <button type="submit">Import</button>
        </p>
      </form>
    </>
  );
}
