import { isCiteKey } from '../markdown/cite-directive.ts';
import { AppError } from '../shared/errors.ts';
import type { CslDate, CslItem, CslName, Source, SourceKind } from './sources.types.ts';

/** The kinds of source the form offers, as CSL types. Imported items may carry any other CSL type. */
export const SOURCE_TYPES = [
  { type: 'book', label: 'Book' },
  { type: 'chapter', label: 'Chapter in an edited book' },
  { type: 'article-journal', label: 'Article in a journal' },
  { type: 'article-newspaper', label: 'Article in a newspaper' },
  { type: 'article-magazine', label: 'Article in a magazine' },
  { type: 'review', label: 'Review' },
  { type: 'manuscript', label: 'Archive document or manuscript' },
  { type: 'letter', label: 'Letter' },
  { type: 'interview', label: 'Interview' },
  { type: 'report', label: 'Government document or report' },
  { type: 'thesis', label: 'Thesis or dissertation' },
  { type: 'map', label: 'Map' },
  { type: 'motion_picture', label: 'Film' },
  { type: 'webpage', label: 'Web page' },
  { type: 'post-weblog', label: 'Blog post' },
  { type: 'post', label: 'Social media post' },
] as const;

/**
 * The fields of the form that map one to one onto a CSL variable: people (one a line), dates (YYYY[-MM[-DD]])
 * and text. The key, kind, title, DOI, web address and note are checked on their own.
 */
export const MAPPED_FIELDS = [
  { name: 'authors', csl: 'author', as: 'names' },
  { name: 'editors', csl: 'editor', as: 'names' },
  { name: 'translators', csl: 'translator', as: 'names' },
  { name: 'containerAuthors', csl: 'container-author', as: 'names' },
  { name: 'directors', csl: 'director', as: 'names' },
  { name: 'recipients', csl: 'recipient', as: 'names' },
  { name: 'interviewers', csl: 'interviewer', as: 'names' },
  { name: 'reviewedAuthors', csl: 'reviewed-author', as: 'names' },
  { name: 'shortTitle', csl: 'title-short', as: 'text' },
  { name: 'translatedTitle', csl: 'translated-title', as: 'text' },
  { name: 'originalTitle', csl: 'original-title', as: 'text' },
  { name: 'reviewedTitle', csl: 'reviewed-title', as: 'text' },
  { name: 'language', csl: 'language', as: 'text' },
  { name: 'containerTitle', csl: 'container-title', as: 'text' },
  { name: 'edition', csl: 'edition', as: 'text' },
  { name: 'numberOfVolumes', csl: 'number-of-volumes', as: 'text' },
  { name: 'volume', csl: 'volume', as: 'text' },
  { name: 'issue', csl: 'issue', as: 'text' },
  { name: 'section', csl: 'section', as: 'text' },
  { name: 'collectionTitle', csl: 'collection-title', as: 'text' },
  { name: 'collectionNumber', csl: 'collection-number', as: 'text' },
  { name: 'genre', csl: 'genre', as: 'text' },
  { name: 'number', csl: 'number', as: 'text' },
  { name: 'publisher', csl: 'publisher', as: 'text' },
  { name: 'place', csl: 'publisher-place', as: 'text' },
  { name: 'date', csl: 'issued', as: 'date' },
  { name: 'originalDate', csl: 'original-date', as: 'date' },
  { name: 'pages', csl: 'page', as: 'text' },
  { name: 'accessed', csl: 'accessed', as: 'date' },
  { name: 'archive', csl: 'archive', as: 'text' },
  { name: 'archiveCollection', csl: 'archive_collection', as: 'text' },
  { name: 'archiveLocation', csl: 'archive_location', as: 'text' },
  { name: 'archivePlace', csl: 'archive-place', as: 'text' },
  { name: 'medium', csl: 'medium', as: 'text' },
] as const;

type MappedField = (typeof MAPPED_FIELDS)[number]['name'];

/** The source form as typed: every field a string, so a refused form is shown back unchanged. */
export type SourceForm = Record<MappedField | 'key' | 'type' | 'title' | 'url' | 'doi' | 'note', string>;

export const SOURCE_FORM_FIELDS = [
  'key',
  'type',
  'title',
  ...MAPPED_FIELDS.map((f) => f.name),
  'url',
  'doi',
  'note',
] as const satisfies readonly (keyof SourceForm)[];

export const KEY_MAX = 64;

/** The key rules are the citation directive's: a key the library stores is one `:cite[…]` can name. */
export const isValidKey = isCiteKey;

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
  if (type.startsWith('article') || type === 'review' || type === 'review-book') return 'article';
  if (type === 'chapter' || type === 'entry-encyclopedia' || type === 'entry-dictionary') return 'chapter';
  if (type === 'manuscript' || type === 'document' || type === 'letter' || type === 'interview') return 'archive';
  if (type === 'webpage' || type === 'post-weblog' || type === 'post') return 'webpage';
  return 'other';
}

// Words that do not count towards a short title's four (Chicago 14.32), and that it never ends on.
const SMALL_WORDS = new Set(
  'a an the and or nor but of in on at to for from with by about against between into through under over as'.split(' '),
);

/**
 * The short title Chicago's later notes use (14.32): the main title (before a colon or semicolon) without a
 * leading article, cut after four words that carry meaning (with the small words between them, five words in
 * all at most), never ending on a small word. "The Trouble with Wilderness; or, Getting Back to the Wrong Nature"
 * gives "Trouble with Wilderness". A short title typed on the form wins.
 */
export function shortTitleOf(title: string): string {
  const main = (title.split(/[:;]|(?<=[?!])\s/)[0] ?? title).trim().replace(/^(the|a|an)\s+/i, '');
  // A {braced} name counts as one word, and is never cut.
  const words = main.match(/\{[^{}]*\}\S*|\S+/g) ?? [main];
  const kept: string[] = [];
  let meaningful = 0;
  for (const word of words) {
    if (kept.length === 5 || meaningful === 4) break;
    kept.push(word);
    if (!SMALL_WORDS.has(word.toLowerCase().replace(/[{}]/g, ''))) meaningful++;
  }
  while (kept.length > 1 && SMALL_WORDS.has(kept[kept.length - 1]!.toLowerCase())) kept.pop();
  const short = kept.join(' ');
  return kept.length < words.length ? short.replace(/[,.]$/, '') : short;
}

/** What earlier versions stored as the short title (the title cut at a colon), so stale ones can be told apart. */
export const legacyShortTitleOf = (title: string): string =>
  title
    .split(':')[0]!
    .trim()
    .replace(/^(the|a|an)\s+/i, '');

/** A title without the braces that protect its capitals ("{Zhukov}'s Battles" -> "Zhukov's Battles"). */
export const plainTitle = (title: string): string => title.replace(/[{}]/g, '').trim();

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
  const form = emptySourceForm();
  for (const f of MAPPED_FIELDS)
    form[f.name] =
      f.as === 'names'
        ? namesText(i[f.csl] as CslName[] | undefined)
        : f.as === 'date'
          ? dateText(i[f.csl] as CslDate | undefined)
          : str(i[f.csl]);
  return {
    ...form,
    key: source.key,
    type: i.type,
    title: str(i.title),
    url: str(i.URL),
    doi: str(i.DOI),
    note: source.note,
  };
}

const LIMITS: Partial<Record<keyof SourceForm, number>> = {
  title: 500,
  translatedTitle: 500,
  originalTitle: 500,
  reviewedTitle: 500,
  note: 2000,
  ...Object.fromEntries(MAPPED_FIELDS.filter((f) => f.as === 'names').map((f) => [f.name, 3000])),
};
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
  if (!/^[a-z][a-z_-]{1,40}$/.test(v.type)) fields.type = 'Choose what kind of source this is.';
  if (plainTitle(v.title) === '') fields.title = 'Give the title.';
  const dates: Record<string, CslDate | undefined> = {};
  for (const f of MAPPED_FIELDS) {
    if (f.as !== 'date' || !v[f.name]) continue;
    dates[f.name] = parseDate(v[f.name]);
    if (!dates[f.name])
      fields[f.name] =
        f.name === 'accessed'
          ? 'Give the date you accessed it as YYYY-MM-DD, e.g. 2026-03-04.'
          : 'Give the date as a year (1985), year and month (1939-08) or full date (1939-08-30).';
  }
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
  for (const f of MAPPED_FIELDS)
    set(f.csl, f.as === 'names' ? parseNames(v[f.name]) : f.as === 'date' ? dates[f.name] : v[f.name]);
  set('page', v.pages.replace(/\s*[–—]\s*/g, '-'));
  set('URL', v.url);
  set('DOI', doi);
  return { key, item, note: v.note };
}
