import type { IdentifierScheme } from '../../storage/schema.ts';

/**
 * An entity's identifiers in authority files other than Wikidata (decision 048): each scheme's pattern, its label
 * and the address of its record. Stored, checked and shown as links; never fetched.
 */
export interface EntityIdentifier {
  scheme: IdentifierScheme;
  value: string;
}

interface SchemeRule {
  label: string;
  pattern: RegExp;
  /** What the field's message shows as an example. */
  example: string;
  url: (value: string) => string;
  /** The value as stored: spaces (an ISNI is often written in groups of four) and case made canonical. */
  canonical: (typed: string) => string;
}

export const IDENTIFIER_SCHEMES: Readonly<Record<IdentifierScheme, SchemeRule>> = {
  viaf: {
    label: 'VIAF',
    pattern: /^[1-9][0-9]{0,21}$/,
    example: 'viaf: 12345678',
    url: (v) => `https://viaf.org/viaf/${v}/`,
    canonical: (t) => t,
  },
  geonames: {
    label: 'GeoNames',
    pattern: /^[1-9][0-9]{0,9}$/,
    example: 'geonames: 2028462',
    url: (v) => `https://www.geonames.org/${v}/`,
    canonical: (t) => t,
  },
  isni: {
    label: 'ISNI',
    pattern: /^[0-9]{15}[0-9X]$/,
    example: 'isni: 0000 0001 2345 6789',
    url: (v) => `https://isni.org/isni/${v}`,
    canonical: (t) => t.replace(/\s+/g, '').toUpperCase(),
  },
  loc: {
    label: 'Library of Congress',
    // A name authority's LCCN: a prefix (n, nb, nr, no), a year of two or four digits, a serial of six.
    pattern: /^n[bor]?(?:[0-9]{2}|[0-9]{4})[0-9]{6}$/,
    example: 'loc: n79021164',
    url: (v) => `https://id.loc.gov/authorities/names/${v}.html`,
    canonical: (t) => t.replace(/\s+/g, '').toLowerCase(),
  },
};

export const IDENTIFIER_SCHEME_NAMES = Object.keys(IDENTIFIER_SCHEMES) as IdentifierScheme[];
export const isIdentifierScheme = (s: string): s is IdentifierScheme => Object.hasOwn(IDENTIFIER_SCHEMES, s);

/** At most this many identifiers an entity. */
export const MAX_IDENTIFIERS = 20;

export const identifierUrl = (i: EntityIdentifier) => IDENTIFIER_SCHEMES[i.scheme].url(i.value);
export const identifierLabel = (i: EntityIdentifier) => IDENTIFIER_SCHEMES[i.scheme].label;

/** One line, `scheme: value`: the identifier, or what is wrong with it. */
function readLine(line: string): EntityIdentifier | string {
  const m = /^([a-zA-Z]+)\s*:\s*(.+)$/.exec(line.trim());
  if (!m) return `is not “scheme: value” (e.g. ${IDENTIFIER_SCHEMES.viaf.example})`;
  const scheme = m[1]!.toLowerCase();
  if (!isIdentifierScheme(scheme))
    return `names “${m[1]!.slice(0, 20)}”, which is none of ${IDENTIFIER_SCHEME_NAMES.join(', ')}`;
  const rule = IDENTIFIER_SCHEMES[scheme];
  const value = rule.canonical(m[2]!.trim());
  if (!rule.pattern.test(value)) return `is not a ${rule.label} id (e.g. ${rule.example})`;
  return { scheme, value };
}

/** The identifiers field (one `scheme: value` a line): the identifiers, or a message naming the line. */
export function readIdentifiers(
  text: string,
): { ok: true; value: EntityIdentifier[] } | { ok: false; message: string } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > MAX_IDENTIFIERS)
    return { ok: false, message: `At most ${MAX_IDENTIFIERS} identifiers; this list has ${lines.length}.` };
  const value: EntityIdentifier[] = [];
  for (const [i, line] of lines.entries()) {
    const r = readLine(line);
    if (typeof r === 'string') return { ok: false, message: `Line ${i + 1} ${r}.` };
    if (!value.some((v) => v.scheme === r.scheme && v.value === r.value)) value.push(r);
  }
  return { ok: true, value };
}

/** The field as typed back. */
export const identifiersText = (ids: readonly EntityIdentifier[]) =>
  ids.map((i) => `${i.scheme}: ${i.value}`).join('\n');
