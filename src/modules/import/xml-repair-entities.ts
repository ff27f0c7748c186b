import { parseFragment } from 'parse5';
import { escapeMarkup } from '../shared/escape.ts';
import type { RepairKind } from './xml-repair-log.ts';

/**
 * What --repair does with a reference XML refuses: `&#1;` (a character XML 1.0 does not allow) is dropped,
 * `&nbsp;` (an HTML entity, common in RSS text) becomes its character, `&rouble;` (nobody's entity) becomes text.
 * The five entities XML predefines and references to allowed characters are kept as they are (undefined).
 */
export function mendReference(
  whole: string,
  name: string,
): { replacement: string; kind: RepairKind; what: string } | undefined {
  if (name.startsWith('#')) {
    const cp = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    if (isXmlChar(cp)) return undefined;
    return {
      replacement: '',
      kind: 'disallowed-character',
      what: `"${whole}" (a character XML does not allow) dropped`,
    };
  }
  if (PREDEFINED.has(name)) return undefined;
  const char = htmlEntity(name);
  if (char === undefined)
    return { replacement: `&amp;${name};`, kind: 'unknown-entity', what: `unknown entity "${whole}" kept as text` };
  const codes = [...char].map((c) => `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`);
  return {
    // The character may be one XML must escape (`&LT;` is "<"), and may land in an attribute value.
    replacement: escapeMarkup(char),
    kind: 'html-entity',
    what: `HTML entity "${whole}" written as ${codes.join(' ')}`,
  };
}

const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** XML 1.0's Char production. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const entityCache = new Map<string, string | undefined>();

/**
 * The character(s) an HTML named reference stands for, by HTML's own table (parse5's), or undefined. HTML
 * also reads `&notit;` as `¬` and "it;": only a name matched whole counts, told by decoding it without its
 * `;` too (a whole match consumes the `;`, a shorter one leaves the rest as text in both).
 */
function htmlEntity(name: string): string | undefined {
  if (entityCache.has(name)) return entityCache.get(name);
  if (name.length > 32) return undefined;
  const withSemicolon = textOf(`&${name};`);
  const char = withSemicolon !== `${textOf(`&${name}`)};` ? withSemicolon : undefined;
  // Bounded: a file cannot make the cache grow without end with made-up names.
  if (entityCache.size < 2048) entityCache.set(name, char);
  return char;
}

function textOf(html: string): string {
  return parseFragment(html)
    .childNodes.map((n) => ('value' in n ? n.value : ''))
    .join('');
}
