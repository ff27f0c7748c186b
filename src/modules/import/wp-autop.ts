/**
 * WordPress's paragraph rules for text written in the classic editor, which stores paragraphs as blank lines
 * and line breaks as bare newlines (WordPress adds the `<p>` and `<br>` only when it shows a post). Our own
 * rendition of the same rules: a blank line separates paragraphs, a single newline inside one is a line break,
 * and block-level elements are never wrapped in a paragraph. `<pre>` keeps its newlines.
 */

const BLOCK =
  '(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|iframe|video|audio|script)';

export function autop(text: string): string {
  if (text.trim() === '') return '';
  const kept: string[] = [];
  // Preformatted text is set aside first so its newlines stay newlines.
  let s = text.replace(/\r\n?/g, '\n').replace(/<pre[\s>][\s\S]*?<\/pre>/gi, (m) => {
    kept.push(m);
    return `\n\n<pre data-kept="${kept.length - 1}"></pre>\n\n`;
  });
  s = s
    .replace(/<br\s*\/?>\s*<br\s*\/?>/gi, '\n\n')
    .replace(new RegExp(`(<${BLOCK}[\\s/>])`, 'gi'), '\n\n$1')
    .replace(new RegExp(`(</${BLOCK}>)`, 'gi'), '$1\n\n')
    .replace(/\n\s*\n+/g, '\n\n');
  const paragraphs = s
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  const openOrClose = new RegExp(`^</?${BLOCK}[\\s/>]`, 'i');
  const html = paragraphs
    .map((p) => {
      // A chunk that is itself a block element (or its end) stands as it is; text gets its paragraph.
      if (openOrClose.test(p) || new RegExp(`</${BLOCK}>$`, 'i').test(p)) return p;
      return `<p>${p.replace(/\s*\n\s*/g, '<br />\n')}</p>`;
    })
    .join('\n');
  return html.replace(/<pre data-kept="(\d+)"><\/pre>/g, (_, i: string) => kept[Number(i)] ?? '');
}

/** True when a body was written in the block editor (its blocks are delimited by `<!-- wp:… -->` comments). */
export const hasBlocks = (text: string): boolean => /<!--\s+wp:[a-z]/.test(text);
