/**
 * Finding a passage of the rendered text in the Markdown source, to apply a reader's proposed wording there.
 * The rendered text and the source differ (emphasis marks, links, curly quotes, line breaks), so the search
 * is verbatim first and then tolerant of whitespace and quote marks; a passage that crosses markup is not
 * found, and the editor then applies the change by hand.
 */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const QUOTE_CLASSES: Record<string, string> = {
  "'": "['\u2018\u2019]",
  '\u2018': "['\u2018\u2019]",
  '\u2019': "['\u2018\u2019]",
  '"': '["\u201c\u201d]',
  '\u201c': '["\u201c\u201d]',
  '\u201d': '["\u201c\u201d]',
};

/** A pattern for `passage` that allows any run of whitespace where it has some, and either kind of quote mark. */
function tolerantPattern(passage: string): RegExp {
  let source = '';
  let inSpace = false;
  for (const ch of passage.trim()) {
    if (/\s/.test(ch)) {
      if (!inSpace) source += '\\s+';
      inSpace = true;
      continue;
    }
    inSpace = false;
    source += QUOTE_CLASSES[ch] ?? escapeRegExp(ch);
  }
  return new RegExp(source, 'gu');
}

export interface MarkdownOccurrence {
  start: number;
  end: number;
}

/** Every place the passage occurs in the Markdown: verbatim if it does, else tolerantly. */
export function occurrencesInMarkdown(markdown: string, passage: string): MarkdownOccurrence[] {
  if (!passage.trim()) return [];
  const found: MarkdownOccurrence[] = [];
  for (let at = markdown.indexOf(passage); at !== -1; at = markdown.indexOf(passage, at + 1)) {
    found.push({ start: at, end: at + passage.length });
  }
  if (found.length > 0) return found;
  for (const m of markdown.matchAll(tolerantPattern(passage))) {
    found.push({ start: m.index, end: m.index + m[0].length });
  }
  return found;
}

/**
 * Replaces the passage by `replacement` in the Markdown: the only occurrence, or of several the one whose
 * relative place in the source is nearest `relativeHint` (the passage's place in the rendered text, 0..1).
 * Null when it does not occur.
 */
export function replaceInMarkdown(
  markdown: string,
  passage: string,
  replacement: string,
  relativeHint: number | null,
): string | null {
  const found = occurrencesInMarkdown(markdown, passage);
  if (found.length === 0) return null;
  let chosen = found[0]!;
  if (found.length > 1 && relativeHint !== null) {
    const target = relativeHint * markdown.length;
    for (const o of found) {
      if (Math.abs(o.start - target) < Math.abs(chosen.start - target)) chosen = o;
    }
  }
  return markdown.slice(0, chosen.start) + replacement + markdown.slice(chosen.end);
}
