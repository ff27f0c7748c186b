import type { EntityKind, EntityNameKind } from '../../storage/schema.ts';
import { AppError } from '../shared/errors.ts';
import { isSlug, slugify } from '../shared/slug.ts';
import { type HistoricalDate, parseHistoricalDate } from './edtf.ts';
import { type EntityIdentifier, readIdentifiers } from './entity-identifiers.ts';
import { type EntitySourceRef, readSourceLines } from './entity-sources.ts';
import { type PlaceFields, type PlaceValues, readPlaceFields } from './place-form.ts';

/** The entity form as typed: every field text (a place's too: place-form.ts). */
export interface EntityForm extends PlaceFields {
  kind: string;
  name: string;
  slug: string;
  description: string;
  /** Other names, one a line: `Жуков`, `ru: Жуков`, `ja: ノモンハン (transliteration)`. */
  names: string;
  date: string;
  wikidata: string;
  /** Identifiers in other authority files, one `scheme: value` a line (decision 048). */
  identifiers: string;
  /** Sources of the library, one key a line, optionally followed by a note (decision 048). */
  sources: string;
}

export const ENTITY_FORM_FIELDS = [
  'kind',
  'name',
  'slug',
  'description',
  'names',
  'date',
  'wikidata',
  'identifiers',
  'sources',
  'latitude',
  'longitude',
  'shapes',
] as const;

export const ENTITY_KINDS: readonly EntityKind[] = ['person', 'place', 'event', 'organisation'];
export const isEntityKind = (s: string): s is EntityKind => (ENTITY_KINDS as readonly string[]).includes(s);

/** Another name, as stored. */
export interface EntityNameInput {
  name: string;
  lang: string;
  name_kind: EntityNameKind;
}

/** A checked form: what the repository writes (a place's point and shapes too). */
export interface EntityValues extends PlaceValues {
  kind: EntityKind;
  name: string;
  slug: string;
  description: string;
  names: EntityNameInput[];
  date: HistoricalDate | undefined;
  wikidataId: string | null;
  identifiers: EntityIdentifier[];
  /** The sources by key: the service finds them in the library (an unknown key is a field message). */
  sourceRefs: EntitySourceRef[];
}

export const ENTITY_LIMITS = { name: 200, description: 2_000, names: 200, nameLength: 200 } as const;

const LANG = /^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$/;
const WIKIDATA = /^Q[1-9][0-9]{0,11}$/;
const NAME_LINE = /^(?:([a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*):\s*)?(.*?)(?:\s*\((transliteration|variant)\))?$/;

/** An empty form for a new entity of a kind. */
export const emptyEntityForm = (kind: EntityKind): EntityForm => ({
  kind,
  name: '',
  slug: '',
  description: '',
  names: '',
  date: '',
  wikidata: '',
  identifiers: '',
  sources: '',
  latitude: '',
  longitude: '',
  shapes: '',
});

/** One line of the names field: an optional language tag before a colon, an optional "(transliteration)". */
function readNameLine(line: string): EntityNameInput | string {
  const m = NAME_LINE.exec(line.trim())!;
  const name = m[2]!.trim();
  if (name === '') return 'has a language but no name';
  if (name.length > ENTITY_LIMITS.nameLength) return `is longer than ${ENTITY_LIMITS.nameLength} characters`;
  const lang = m[1] ?? '';
  if (lang && !LANG.test(lang)) return `has a language tag "${lang}" that is not one`;
  return { name, lang, name_kind: m[3] === 'transliteration' ? 'transliteration' : 'variant' };
}

function readNames(text: string, errors: Record<string, string>): EntityNameInput[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > ENTITY_LIMITS.names) {
    errors.names = `At most ${ENTITY_LIMITS.names} other names; this list has ${lines.length}.`;
    return [];
  }
  const names: EntityNameInput[] = [];
  lines.forEach((line, i) => {
    const r = readNameLine(line);
    if (typeof r === 'string') errors.names ??= `Line ${i + 1} ${r}.`;
    else names.push(r);
  });
  return names;
}

function readDate(text: string, errors: Record<string, string>): HistoricalDate | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const parsed = parseHistoricalDate(t);
  if (parsed.ok) return parsed.date;
  errors.date = parsed.message;
  return undefined;
}

/** The Wikidata id, other identifiers and sources (decision 048), with a message for each field that is wrong. */
function readLinks(
  form: EntityForm,
  errors: Record<string, string>,
): Pick<EntityValues, 'wikidataId' | 'identifiers' | 'sourceRefs'> {
  const wikidata = form.wikidata.trim();
  if (wikidata !== '' && !WIKIDATA.test(wikidata))
    errors.wikidata = 'A Wikidata id is Q followed by digits, e.g. Q124760.';
  const identifiers = readIdentifiers(form.identifiers);
  if (!identifiers.ok) errors.identifiers = identifiers.message;
  const sourceRefs = readSourceLines(form.sources);
  if (!sourceRefs.ok) errors.sources = sourceRefs.message;
  return {
    wikidataId: wikidata === '' ? null : wikidata,
    identifiers: identifiers.ok ? identifiers.value : [],
    sourceRefs: sourceRefs.ok ? sourceRefs.value : [],
  };
}

/** Checks a typed form: the values, or ENTITY_INVALID with a message per field (the date's names its character). */
export function readEntityForm(form: EntityForm): EntityValues {
  const errors: Record<string, string> = {};
  const kind = form.kind;
  if (!isEntityKind(kind)) errors.kind = 'Choose a person, place, event or organisation.';
  const name = form.name.trim();
  if (name === '') errors.name = 'Give the name it is best known by.';
  else if (name.length > ENTITY_LIMITS.name) errors.name = `At most ${ENTITY_LIMITS.name} characters.`;
  const slug = form.slug.trim() === '' ? slugify(name) : form.slug.trim();
  if (!isSlug(slug) || slug.length > 80)
    errors.slug = 'Lower-case letters and digits joined by hyphens, at most 80 characters (e.g. georgy-zhukov).';
  const description = form.description.trim();
  if (description.length > ENTITY_LIMITS.description)
    errors.description = `At most ${ENTITY_LIMITS.description} characters; this has ${description.length}.`;
  const names = readNames(form.names, errors);
  const date = readDate(form.date, errors);
  const links = readLinks(form, errors);
  const codes: string[] = [];
  const place = readPlaceFields(kind, form, errors, codes);
  if (Object.keys(errors).length > 0 || !isEntityKind(kind))
    throw new AppError('ENTITY_INVALID', 'The entity needs a correction.', {
      fields: errors,
      detail: codes.length > 0 ? codes.join(', ') : undefined,
    });
  return {
    kind,
    name,
    slug,
    description,
    names,
    date,
    ...links,
    ...place,
  };
}

/** The names field as typed back: one name a line, with its language and kind. */
export function namesText(names: readonly EntityNameInput[]): string {
  return names
    .map(
      (n) => `${n.lang ? `${n.lang}: ` : ''}${n.name}${n.name_kind === 'transliteration' ? ' (transliteration)' : ''}`,
    )
    .join('\n');
}
