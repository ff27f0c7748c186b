import type { CitationStyle } from '../settings/citation-styles.ts';
import { legacyShortTitleOf, shortTitleOf } from './source-form.ts';
import type { CslItem } from './sources.types.ts';

// What a stored item needs before a style formats it (decision 022). Titles are stored as typed, with {braces}
// around words whose capitals must stay: Chicago's headline capitals leave those words alone (citeproc's nocase
// markup), APA's sentence case keeps them and lower-cases the rest.

// The styles print a DOI as https://doi.org/…; one imported as a link already (BibTeX, CSL-JSON) would get it twice.
const DOI_AS_LINK = /^(https?:\/\/(dx\.)?doi\.org\/|doi:\s*)/i;

// Fields a style prints as titles: APA sets titles of works in sentence case, but never the name of a journal,
// newspaper or site (container-title) unless it is the book a chapter is in.
// A translated title is typed in sentence case for both styles (Chicago 14.108, APA 9.38), so it is left as typed.
const TITLE_FIELDS = ['title', 'title-short', 'reviewed-title', 'original-title'] as const;
const BOOK_CONTAINERS = new Set(['chapter', 'paper-conference', 'entry-encyclopedia', 'entry-dictionary']);

/** The item as the style's engine should see it (a copy; the stored item is not changed). */
export function prepareItem(style: CitationStyle, stored: CslItem): CslItem {
  const item: CslItem = { ...stored };
  if (typeof item.DOI === 'string' && DOI_AS_LINK.test(item.DOI)) item.DOI = item.DOI.replace(DOI_AS_LINK, '');
  if (typeof item.title === 'string' && item.title.trim() !== '') {
    // No short title, or the one earlier versions made by cutting at a colon: the Manual's rule (14.32).
    const short = item['title-short'];
    if (!short || short === legacyShortTitleOf(item.title)) item['title-short'] = shortTitleOf(item.title);
    item['sort-title'] = item.title.replace(/[{}]/g, '').replace(/^(the|a|an)\s+/i, '');
  } else if (!item['reviewed-title'] && !(item.type === 'letter' && item.recipient)) item.untitled = '[Untitled]';
  if (style === 'apa') describeForApa(item);
  // APA's sentence case is for English titles; one in another language keeps its own capitals, as typed.
  const english = typeof stored.language !== 'string' || /^en\b/i.test(stored.language);
  const sentence: string[] = style === 'apa' && english ? [...TITLE_FIELDS] : [];
  if (sentence.length > 0 && BOOK_CONTAINERS.has(item.type)) sentence.push('container-title');
  for (const field of new Set([...TITLE_FIELDS, 'container-title', 'collection-title', 'translated-title'])) {
    const value = item[field];
    if (typeof value !== 'string') continue;
    item[field] = sentence.includes(field) ? sentenceCase(value) : protectBraces(value);
  }
  return item;
}

// APA words a thesis's degree its own way (10.6) and names a film's kind (10.12); Chicago's "PhD diss." is stored.
const APA_DEGREES: [RegExp, string][] = [
  [/^(PhD|Ph\.D\.|doctoral) (diss\.|dissertation)/i, 'Doctoral dissertation'],
  [/^(MA|M\.A\.|master's|master’s) thesis/i, 'Master’s thesis'],
];

function describeForApa(item: CslItem): void {
  const genre = item.genre;
  if (item.type === 'thesis' && typeof genre === 'string')
    for (const [written, apa] of APA_DEGREES) if (written.test(genre)) item.genre = apa;
  if (item.type === 'motion_picture' && !item.genre) item.genre = 'Film';
  // citeproc orders names by the item's language (Japanese: family name first, no comma); APA inverts every name.
  delete item.language;
}

// Not escapeMarkup: this is citeproc's input micro-markup, escaped as citeproc's own html format escapes (numeric
// references, quotes left as typed for the style's quote handling).
const escapeHtml = (s: string) => s.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;');

/** "{Zhukov}'s Battles" -> citeproc's markup that keeps "Zhukov" as written whatever case the style applies. */
function protectBraces(value: string): string {
  if (!value.includes('{')) return value;
  return value
    .split(/(\{[^{}]*\})/)
    .map((part) => (/^\{[^{}]*\}$/.test(part) ? `<span class="nocase">${escapeHtml(part.slice(1, -1))}</span>` : part))
    .join('')
    .replace(/[{}]/g, '');
}

/**
 * APA's sentence case (6.17): the first word of the title and of a subtitle (after a colon, question mark,
 * exclamation mark or em dash) capitalised; any other word written with only its first letter capital is
 * lower-cased; words in {braces}, acronyms and words with capitals inside (USSR, McNeill) are kept.
 */
export function sentenceCase(title: string): string {
  let startOfSentence = true;
  return title
    .split(/(\{[^{}]*\})/)
    .map((part) => {
      if (/^\{[^{}]*\}$/.test(part)) {
        if (/\p{L}/u.test(part)) startOfSentence = false;
        return part.slice(1, -1);
      }
      return part.replace(/[\p{L}\p{M}]+(?:['’][\p{L}]+)?|[:?!—]/gu, (token) => {
        if (/^[:?!—]$/.test(token)) {
          startOfSentence = true;
          return token;
        }
        if (startOfSentence) {
          startOfSentence = false;
          return token.charAt(0).toUpperCase() + token.slice(1);
        }
        if (token === 'I') return token;
        return /^\p{Lu}[\p{Ll}\p{M}]*(?:['’]\p{Ll}+)?$/u.test(token) ? token.toLowerCase() : token;
      });
    })
    .join('')
    .replace(/[{}]/g, '');
}
