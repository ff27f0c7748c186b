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

/**
 * The parser recurses once per level of nested block containers (block quotes, list items, directive
 * containers), and its time grows with the square of the depth: `- ` written 3,900 times on one line took over
 * ten seconds and then overflowed the stack; `[^1]: ` repeated (footnote definitions hold blocks too) was as slow. No
 * article or comment needs more than a few levels, so a text nested deeper than this is refused before parsing.
 */
export const MAX_NESTING = 32;

/** Why `markdown` nests too deeply to parse (a message for the writer), or undefined when it does not. */
export function nestingProblem(markdown: string, maxDepth: number = MAX_NESTING): string | undefined {
  // Counted on every line, code blocks included (telling code from text is the parser's job, and a checker that
  // guesses wrong can be led to skip the rest): the list items still open above the line (by the column their
  // content starts at), the `>`, list and footnote markers it starts with, and the directive containers open.
  const open: number[] = [];
  const directives: number[] = [];
  for (const line of markdown.split(/\r\n?|\n/)) {
    const depth = containersOf(line, open, directives, maxDepth);
    if (depth + directives.length > maxDepth)
      return `The text nests quotes, lists or blocks more than ${maxDepth} levels deep. Use fewer levels.`;
  }
  return undefined;
}

/** A place in a line: the index of a character and the column it stands at (tabs stop every 4 columns). */
interface At {
  i: number;
  col: number;
}

const isBlank = (c: number) => c === 32 || c === 9;

function skipBlanks(line: string, at: At): At {
  let { i, col } = at;
  for (; isBlank(line.charCodeAt(i)); i++) col += line.charCodeAt(i) === 9 ? 4 - (col % 4) : 1;
  return { i, col };
}

/** How many containers `line` stands in, updating the open list items and directive containers. */
function containersOf(line: string, open: number[], directives: number[], maxDepth: number): number {
  let at = skipBlanks(line, { i: 0, col: 0 });
  if (at.i >= line.length) return open.length; // a blank line closes nothing by itself
  // Quote marks come first: the list items open above are measured from where the text after them starts.
  let quotes = 0;
  while (line.charCodeAt(at.i) === 62 && quotes <= maxDepth) {
    quotes++;
    at = skipBlanks(line, { i: at.i + 1, col: at.col + 1 });
  }
  while (open.length > 0 && open[open.length - 1]! > at.col) open.pop();
  let depth = quotes + open.length;
  for (let end = markerEnd(line, at.i); end !== undefined && depth <= maxDepth; end = markerEnd(line, at.i)) {
    const quote = line.charCodeAt(at.i) === 62;
    at = skipBlanks(line, { i: end, col: at.col + (end - at.i) });
    // A quote needs its `>` again on the next line; a list item stays open for the lines indented under it.
    if (!quote) open.push(at.col);
    depth++;
  }
  noteDirective(line.slice(at.i), directives);
  return depth;
}

const DIRECTIVE_OPEN = /^(:{3,})[A-Za-z]/;
const DIRECTIVE_CLOSE = /^(:{3,})[ \t]*$/;

/** `:::name` opens a container; a bare fence of at least as many colons closes the innermost one. */
function noteDirective(rest: string, directives: number[]): void {
  const opening = DIRECTIVE_OPEN.exec(rest);
  if (opening) {
    directives.push(opening[1]!.length);
    return;
  }
  const closing = DIRECTIVE_CLOSE.exec(rest);
  if (closing && directives.length > 0 && closing[1]!.length >= directives[directives.length - 1]!) directives.pop();
}

const FOOTNOTE_DEFINITION = /\[\^[^\]\s]{1,999}\]:/y;

/**
 * Where the container marker at `i` ends (`>`, `-`, `*`, `+`, `1.`, `1)`, or a footnote definition's `[^x]:`,
 * which holds blocks too), or undefined when none starts there.
 */
function markerEnd(line: string, i: number): number | undefined {
  const c = line.charCodeAt(i);
  if (c === 62) return i + 1;
  if (c === 91) {
    FOOTNOTE_DEFINITION.lastIndex = i;
    return FOOTNOTE_DEFINITION.test(line) ? FOOTNOTE_DEFINITION.lastIndex : undefined;
  }
  const spaced = (j: number) => j >= line.length || isBlank(line.charCodeAt(j));
  if ((c === 45 || c === 42 || c === 43) && spaced(i + 1)) return i + 1;
  let j = i;
  while (j - i < 9 && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
  const d = line.charCodeAt(j);
  return j > i && (d === 46 || d === 41) && spaced(j + 1) ? j + 1 : undefined;
}

/**
 * Every reason `markdown` is refused before parsing (too many emphasis marks, nesting too deep), or undefined.
 * Run it on any text a person wrote before it reaches the parser.
 */
export function markdownShapeProblem(
  markdown: string,
  limits: { paragraph: number; total: number } = EMPHASIS_MARK_LIMITS,
): string | undefined {
  return emphasisMarkProblem(markdown, limits) ?? nestingProblem(markdown);
}
