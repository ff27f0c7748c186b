import { AppError } from '../shared/errors.ts';
import type { CslDate, CslItem, CslName, Source, SourceKind } from './sources.types.ts';

/** The kinds of source the form offers, as CSL types. Imported items may carry any other CSL type. */
export const SOURCE_TYPES = [
  { type: 'book', label: 'Book' },
  { type: 'article-journal', label: 'Article in a journal' },
  { type: 'chapter', label: 'Chapter in an edited book' },
  { type: 'manuscript', label: 'Archive document or manuscript' },
  { type: 'webpage', label: 'Web page' },
] as const;

/** The source form as typed: every field a string, so a refused form is shown back unchanged. */
export interface SourceForm {
  key: string;
  type: string;
  /** One name a line, "Family, Given" (a line without a comma is a body: "Soviet General Staff"). */
  authors: string;
  editors: string;
  title: string;
  shortTitle: string;
  containerTitle: string;
  publisher: string;
  place: string;
  /** YYYY, YYYY-MM or YYYY-MM-DD. */
  date: string;
  volume: string;
  issue: string;
  pages: string;
  url: string;
  accessed: string;
  archive: string;
  archiveLocation: string;
  archivePlace: string;
  doi: string;
  note: string;
}

export const SOURCE_FORM_FIELDS = [
  'key',
  'type',
  'authors',
  'editors',
  'title',
  'shortTitle',
  'containerTitle',
  'publisher',
  'place',
  'date',
  'volume',
  'issue',
  'pages',
  'url',
  'accessed',
  'archive',
  'archiveLocation',
  'archivePlace',
  'doi',
  'note',
] as const satisfies readonly (keyof SourceForm)[];

export const KEY_PATTERN = /^[a-z0-9][a-z0-9_:.-]*$/;
export const KEY_MAX = 64;

export const isValidKey = (key: string): boolean => key.length <= KEY_MAX && KEY_PATTERN.test(key);

/** A key from elsewhere (a BibTeX file) made to fit our rules: "Coox1985" -> "coox1985", "Glantz & House" -> "glantz-house". */
export function normaliseKey(raw: string): string {
  return raw
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9_:.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, KEY_MAX);
}

/** For listing and filtering: the CSL type reduced to the kinds the library knows. */
export function kindOfType(type: string): SourceKind {
  if (type === 'book') return 'book';
  if (type.startsWith('article')) return 'article';
  if (type === 'chapter' || type === 'entry-encyclopedia' || type === 'entry-dictionary') return 'chapter';
  if (type === 'manuscript' || type === 'document' || type === 'letter' || type === 'interview') return 'archive';
  if (type === 'webpage' || type === 'post-weblog' || type === 'post') return 'webpage';
  return 'other';
}

/** The short title Chicago's later notes use: the main title (before a colon) without a leading article. */
export function shortTitleOf(title: string): string {
  return title
    .split(':')[0]!
    .trim()
    .replace(/^(the|a|an)\s+/i, '');
}

export function emptySourceForm(): SourceForm {
  const form = Object.fromEntries(SOURCE_FORM_FIELDS.map((f) => [f, ''])) as unknown as SourceForm;
  form.type = 'book';
  return form;
}

const namesText = (names: CslName[] | undefined) =>
  (names ?? []).map((n) => n.literal ?? [n.family, n.given].filter(Boolean).join(', ')).join('\n');

function dateText(d: CslDate | undefined): string {
  const parts = d?.['date-parts']?.[0];
  if (!parts || parts.length === 0) return d?.raw ?? d?.literal ?? '';
  const [y, m, day] = parts.map((p) => String(p));
  return [y!.padStart(4, '0'), m?.padStart(2, '0'), day?.padStart(2, '0')].filter(Boolean).join('-');
}

/** The edit form of a stored source. */
export function sourceFormOf(source: Source): SourceForm {
  const i = source.item;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  return {
    key: source.key,
    type: i.type,
    authors: namesText(i.author),
    editors: namesText(i.editor),
    title: str(i.title),
    shortTitle: str(i['title-short']),
    containerTitle: str(i['container-title']),
    publisher: str(i.publisher),
    place: str(i['publisher-place']),
    date: dateText(i.issued),
    volume: str(i.volume),
    issue: str(i.issue),
    pages: str(i.page),
    url: str(i.URL),
    accessed: dateText(i.accessed),
    archive: str(i.archive),
    archiveLocation: str(i.archive_location),
    archivePlace: str(i['archive-place']),
    doi: str(i.DOI),
    note: source.note,
  };
}

const LIMITS: Partial<Record<keyof SourceForm, number>> = { title: 500, note: 2000, authors: 3000, editors: 3000 };
const DEFAULT_LIMIT = 300;

function parseNames(text: string): CslName[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const comma = line.indexOf(',');
      if (comma < 0) return { literal: line };
      const family = line.slice(0, comma).trim();
      const given = line.slice(comma + 1).trim();
      return given ? { family, given } : { family };
    });
}

/** "1939", "1939-08" or "1939-08-30" as CSL date parts; undefined when it is none of those. */
export function parseDate(text: string): CslDate | undefined {
  const m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(text);
  if (!m) return undefined;
  const parts = [Number(m[1])];
  if (m[2]) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return undefined;
    parts.push(month);
    if (m[3]) {
      const day = Number(m[3]);
      if (day < 1 || day > new Date(Date.UTC(parts[0]!, month, 0)).getUTCDate()) return undefined;
      parts.push(day);
    }
  }
  return { 'date-parts': [parts] };
}

/**
 * Checks the form and builds the CSL-JSON item; every problem is reported at once, by field (SOURCE_INVALID).
 * Fields of `base` the form does not show (an imported item's ISBN, say) are kept.
 */
export function itemFromForm(
  form: SourceForm,
  base: Partial<CslItem> = {},
): { key: string; item: CslItem; note: string } {
  const fields: Record<string, string> = {};
  const v = Object.fromEntries(SOURCE_FORM_FIELDS.map((f) => [f, (form[f] ?? '').trim()])) as unknown as SourceForm;
  for (const f of SOURCE_FORM_FIELDS) {
    const max = LIMITS[f] ?? DEFAULT_LIMIT;
    if (v[f].length > max) fields[f] = `Keep this to ${max} characters.`;
  }
  const key = v.key.toLowerCase();
  if (key === '') fields.key = 'Give the source a key, such as coox-1985.';
  else if (!isValidKey(key))
    fields.key = `Use lower-case letters, digits and - _ : . only, starting with a letter or digit, at most ${KEY_MAX} characters.`;
  if (!/^[a-z][a-z-]{1,40}$/.test(v.type)) fields.type = 'Choose what kind of source this is.';
  if (v.title === '') fields.title = 'Give the title.';
  const issued = v.date ? parseDate(v.date) : undefined;
  if (v.date && !issued)
    fields.date = 'Give the date as a year (1985), year and month (1939-08) or full date (1939-08-30).';
  const accessed = v.accessed ? parseDate(v.accessed) : undefined;
  if (v.accessed && !accessed) fields.accessed = 'Give the date you accessed it as YYYY-MM-DD, e.g. 2026-03-04.';
  if (v.url && !/^https?:\/\/[^\s]+$/i.test(v.url)) fields.url = 'Give a full web address starting with https://.';
  const doi = v.doi.replace(/^(https?:\/\/(dx\.)?doi\.org\/|doi:\s*)/i, '');
  if (doi && !/^10\.\d{4,9}\/\S+$/.test(doi)) fields.doi = 'A DOI looks like 10.1080/13518049508430198.';
  if (Object.keys(fields).length > 0)
    throw new AppError('SOURCE_INVALID', 'The source needs a correction; nothing was saved.', { fields });

  const item: CslItem = { ...base, id: key, type: v.type, title: v.title };
  const set = (name: string, value: unknown) => {
    if (value === '' || value === undefined || (Array.isArray(value) && value.length === 0)) delete item[name];
    else item[name] = value;
  };
  set('title-short', v.shortTitle || shortTitleOf(v.title));
  set('author', parseNames(v.authors));
  set('editor', parseNames(v.editors));
  set('container-title', v.containerTitle);
  set('publisher', v.publisher);
  set('publisher-place', v.place);
  set('issued', issued);
  set('volume', v.volume);
  set('issue', v.issue);
  set('page', v.pages.replace(/\s*[–—]\s*/g, '-'));
  set('URL', v.url);
  set('accessed', accessed);
  set('archive', v.archive);
  set('archive_location', v.archiveLocation);
  set('archive-place', v.archivePlace);
  set('DOI', doi);
  return { key, item, note: v.note };
}
