/**
 * The Markdown parser (micromark) resolves emphasis in time that grows with the square of the unmatched `*`
 * and `_` marks in one paragraph: 4,000 of them (`*a_*a_…`, 12 KB) take over a second, 20 KB six. Nobody
 * writes prose like that, so a text with too many marks in a paragraph, or in all, is refused before parsing.
 */
export const EMPHASIS_MARK_LIMITS = { paragraph: 800, total: 20_000 } as const;

/** Why `markdown` is not parsed (a message for the writer), or undefined when it is fine. */
export function emphasisMarkProblem(
  markdown: string,
  limits: { paragraph: number; total: number } = EMPHASIS_MARK_LIMITS,
): string | undefined {
  let total = 0;
  let paragraph = 0;
  let blank = true;
  for (let i = 0; i < markdown.length; i++) {
    const c = markdown.charCodeAt(i);
    if (c === 10) {
      // A blank line ends a paragraph.
      if (blank) paragraph = 0;
      blank = true;
      continue;
    }
    if (c !== 32 && c !== 9 && c !== 13) blank = false;
    if (c !== 42 && c !== 95) continue; // * and _
    total++;
    paragraph++;
    if (paragraph > limits.paragraph)
      return `A paragraph has more than ${limits.paragraph.toLocaleString('en')} emphasis marks (* or _). Split it, or write the marks as \\* and \\_.`;
    if (total > limits.total)
      return `The text has more than ${limits.total.toLocaleString('en')} emphasis marks (* or _).`;
  }
  return undefined;
}
