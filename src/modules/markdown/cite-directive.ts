import type { Element, ElementContent, RootContent as HastContent, Root as HastRoot } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type {
  Blockquote,
  FootnoteDefinition,
  FootnoteReference,
  Heading,
  List,
  Root as MdastRoot,
  Parent,
  PhrasingContent,
} from 'mdast';
import { toString as mdastToString } from 'mdast-util-to-string';
import { visit } from 'unist-util-visit';

/** One source cited at one place: `:cite[coox-1985]{p=112}` gives `{ key: 'coox-1985', locator: '112', label: 'page' }`. */
export interface CiteItem {
  key: string;
  locator?: string;
  /** A CSL locator label (page, chapter, folio…); absent with no locator. */
  label?: string;
}

/**
 * What the renderer asks of a citation style. Synchronous, so renderMarkdown stays synchronous: the caller loads
 * the cited sources first (see sources/cited-markdown.ts). Formatted text is HTML as citeproc writes it (`<i>`).
 */
export interface CitationResolver {
  /** 'note': every cite becomes a numbered note (Chicago); 'in-text': the citation stands in the sentence (APA). */
  mode: 'note' | 'in-text';
  /** "Bibliography" or "References". */
  bibliographyHeading: string;
  has(key: string): boolean;
  /** Every cite of a document in reading order (so a repeated source gets its short form); one HTML string each. */
  formatCites(cites: CiteItem[][]): string[];
  /** The list of works cited, one HTML string per source, sorted as the style sorts. */
  bibliography(keys: string[]): string[];
}

export interface CiteOptions {
  citations: CitationResolver;
  /** The editor's preview marks unknown keys so the writer sees them; the public page shows them as plain text. */
  flagUnknown?: boolean;
}

const KEY = /^[a-z0-9][a-z0-9_:.-]{0,63}$/;

/** A source key as `:cite[…]` takes it (and the sources library stores it): lower case, at most 64 characters. */
export const isCiteKey = (key: string): boolean => KEY.test(key);

// Short forms authors type in `loc="…"`, to the CSL locator labels (the style prints its own abbreviation).
const LOCATOR_LABELS: Record<string, string> = {
  p: 'page',
  pp: 'page',
  page: 'page',
  pages: 'page',
  ch: 'chapter',
  chap: 'chapter',
  chapter: 'chapter',
  vol: 'volume',
  volume: 'volume',
  fol: 'folio',
  fols: 'folio',
  f: 'folio',
  ff: 'folio',
  folio: 'folio',
  n: 'note',
  nn: 'note',
  note: 'note',
  para: 'paragraph',
  paragraph: 'paragraph',
  sec: 'section',
  section: 'section',
  '§': 'section',
  l: 'line',
  ll: 'line',
  line: 'line',
  fig: 'figure',
  figure: 'figure',
  pt: 'part',
  part: 'part',
  col: 'column',
  column: 'column',
  bk: 'book',
  book: 'book',
};

/** The keys of `:cite[a;b]` as written (trimmed, lower case). */
export function citeKeysOf(label: string): string[] {
  return label
    .split(';')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
}

/** A locator from the directive's attributes: `p=112`, `page=112` or `loc="ch. 3"`. */
export function parseLocator(attrs: Record<string, string | null | undefined>): Omit<CiteItem, 'key'> {
  const page = (attrs.p ?? attrs.page ?? '').trim();
  // Shown whole, however long: a writer's locator is never cut short (the article's own size bounds it).
  if (page) return { locator: page, label: 'page' };
  const loc = (attrs.loc ?? '').trim();
  if (!loc) return {};
  const m = /^(§|[A-Za-z]+)\.?\s*(.+)$/.exec(loc);
  const label = m ? LOCATOR_LABELS[m[1]!.toLowerCase()] : undefined;
  if (m && label) return { locator: m[2]!.trim(), label };
  // Not a locator we know: shown as typed (CSL would otherwise call it a page).
  return { locator: loc, label: 'page' };
}

interface DirectiveLike {
  type: string;
  name: string;
  attributes?: Record<string, string | null | undefined> | null;
  children: PhrasingContent[];
}

interface Found {
  parent: Parent;
  node: DirectiveLike;
  inNote: boolean;
  known: CiteItem[];
  unknown: string[];
}

/**
 * remark plugin: each `:cite[…]` becomes a numbered footnote (merged with the author's own `[^1]` notes, which
 * remark-rehype numbers in reading order) or, in an author-date style or inside a note, inline text. A key with
 * no source stays visible as "[key]". The bibliography is appended as a `section.bibliography` that
 * `moveBibliographyLast` puts after the notes.
 */
export function remarkCitations(opts: CiteOptions) {
  const { citations, flagUnknown } = opts;
  return (tree: MdastRoot) => {
    const found: Found[] = [];
    const authorIds = new Set<string>();
    visit(tree, (node, _index, parent) => {
      if (node.type === 'footnoteDefinition') authorIds.add(node.identifier);
      if (node.type !== 'textDirective' || !parent) return;
      const d = node as unknown as DirectiveLike;
      if (d.name !== 'cite') return;
      const keys = citeKeysOf(mdastToString(d as never));
      const loc = parseLocator(d.attributes ?? {});
      const known: CiteItem[] = [];
      const unknown: string[] = [];
      keys.forEach((key, i) => {
        // A locator belongs to the last key of a group (`:cite[a;b]{p=3}` → b, p. 3).
        if (KEY.test(key) && citations.has(key)) known.push(i === keys.length - 1 ? { key, ...loc } : { key });
        else unknown.push(key);
      });
      found.push({ parent: parent as Parent, node: d, inNote: false, known, unknown });
    });
    if (found.length === 0) return;
    // A cite inside an author's footnote is set inline in that note rather than as a note of its own.
    visit(tree, 'footnoteDefinition', (def) => {
      visit(def, 'textDirective', (n) => {
        const f = found.find((x) => x.node === (n as unknown));
        if (f) f.inNote = true;
      });
    });
    let prefix = 'cite-';
    while ([...authorIds].some((id) => id.startsWith(prefix))) prefix = `c${prefix}`;

    const withSources = found.filter((f) => f.known.length > 0);
    const formatted = citations.formatCites(withSources.map((f) => f.known));
    const definitions: FootnoteDefinition[] = [];
    withSources.forEach((f, i) => {
      const phrasing = cslHtmlToPhrasing(formatted[i] ?? '');
      const replacement: PhrasingContent[] = [];
      if (citations.mode === 'note' && !f.inNote) {
        const id = `${prefix}${definitions.length + 1}`;
        replacement.push({ type: 'footnoteReference', identifier: id, label: id } as FootnoteReference);
        placeNoteReference(f);
        definitions.push({ type: 'footnoteDefinition', identifier: id, label: id, children: [paragraph(phrasing)] });
      } else if (citations.mode === 'in-text' && !f.inNote) {
        replacement.push(...placeInTextCitation(f, phrasing));
      } else {
        replacement.push(...trimFinalStop(phrasing, nextText(f)));
      }
      if (f.unknown.length > 0) replacement.push(unknownText(f.unknown, flagUnknown));
      replace(f, replacement);
    });
    for (const f of found) if (f.known.length === 0) replace(f, [unknownText(f.unknown, flagUnknown)]);
    tree.children.push(...definitions);

    const keys = [...new Set(withSources.flatMap((f) => f.known.map((k) => k.key)))];
    if (keys.length === 0) return;
    const entries = citations.bibliography(keys);
    const heading: Heading = {
      type: 'heading',
      depth: 2,
      children: [{ type: 'text', value: citations.bibliographyHeading }],
    };
    const list: List = {
      type: 'list',
      ordered: false,
      spread: false,
      children: entries.map((html) => ({
        type: 'listItem',
        spread: false,
        children: [paragraph(cslHtmlToPhrasing(html))],
      })),
    };
    tree.children.push({
      type: 'blockquote',
      data: { hName: 'section', hProperties: { className: ['bibliography'] } },
      children: [heading, list],
    } as Blockquote);
  };
}

const paragraph = (children: PhrasingContent[]) => ({ type: 'paragraph' as const, children });

function replace(f: Found, nodes: PhrasingContent[]): void {
  const i = f.parent.children.indexOf(f.node as never);
  if (i >= 0) f.parent.children.splice(i, 1, ...(nodes as never[]));
}

const siblingText = (f: Found, offset: 1 | -1) => {
  const node = f.parent.children[f.parent.children.indexOf(f.node as never) + offset];
  return node?.type === 'text' ? node : undefined;
};

// Punctuation a note number follows (Chicago 14.26: after any mark but a dash).
const NOTE_FOLLOWS = /^[.,;:?!]/;

/**
 * "a claim :cite[x]." sets the note number against the claim and after its punctuation ("claim.¹"), whichever
 * side of the full stop the writer typed the cite on, so one text reads right in both kinds of style.
 */
function placeNoteReference(f: Found): void {
  const before = siblingText(f, -1);
  if (before) before.value = before.value.replace(/[ \t]+$/, '');
  const after = siblingText(f, 1);
  const mark = after ? NOTE_FOLLOWS.exec(after.value)?.[0] : undefined;
  if (!after || !mark || !before || /[.,;:?!]$/.test(before.value)) return;
  before.value += mark;
  after.value = after.value.slice(mark.length);
}

// A sentence that ends on an abbreviation keeps its point before the citation: "in the U.S. (Coox, 1985)."
const ENDS_ON_ABBREVIATION = /(?:\b\p{L}\.|\b(?:etc|al|vol|no|ed|cf|ca)\.)$/u;

/**
 * An author-date citation stands inside the sentence, before its full stop (APA 8.10, Chicago 15.23): "battle.
 * :cite[x]" and "battle :cite[x]." both give "battle (Coox, 1985, p. 112)."
 */
function placeInTextCitation(f: Found, phrasing: PhrasingContent[]): PhrasingContent[] {
  const before = siblingText(f, -1);
  const after = siblingText(f, 1);
  const out = trimFinalStop(phrasing, after?.value ?? '');
  if (!before) return out;
  const stop = /\.[ \t]*$/.exec(before.value);
  const trimmed = before.value.replace(/[ \t]+$/, '');
  if (stop && !ENDS_ON_ABBREVIATION.test(trimmed)) {
    before.value = trimmed.slice(0, -1);
    const closing = after && /^[.,;:?!]/.test(after.value) ? [] : [{ type: 'text' as const, value: '.' }];
    return [{ type: 'text', value: ' ' }, ...out, ...closing];
  }
  before.value = trimmed;
  if (stop && !(after && /^\./.test(after.value)))
    return [{ type: 'text', value: ' ' }, ...out, { type: 'text', value: '.' }];
  return [{ type: 'text', value: before.value === '' ? '' : ' ' }, ...out];
}

function nextText(f: Found): string {
  const i = f.parent.children.indexOf(f.node as never);
  const next = f.parent.children[i + 1];
  return next?.type === 'text' ? next.value : '';
}

function unknownText(keys: string[], flag: boolean | undefined): PhrasingContent {
  const value = `[${keys.join('; ')}]`;
  if (!flag) return { type: 'text', value };
  return {
    type: 'emphasis',
    data: { hName: 'span', hProperties: { className: ['cite-unknown'], title: 'No source has this key' } },
    children: [{ type: 'text', value }],
  };
}

// "…, 112." followed by "." in the author's sentence would print two full stops.
function trimFinalStop(nodes: PhrasingContent[], following: string): PhrasingContent[] {
  const last = nodes[nodes.length - 1];
  if (last?.type === 'text' && /^[.,;:]/.test(following)) last.value = last.value.replace(/\.$/, '');
  return nodes;
}

/**
 * citeproc's HTML (`<i>`, `<b>`, small-caps spans, `&#38;` entities) as Markdown phrasing: emphasis, strong and
 * text, with bare http(s) URLs made links. Nothing else survives, so no markup from a source's fields can reach
 * the page (rehype-sanitize checks the result again).
 */
export function cslHtmlToPhrasing(html: string): PhrasingContent[] {
  const root: HastRoot = fromHtml(html, { fragment: true });
  const out: PhrasingContent[] = [];
  for (const child of root.children) out.push(...convert(child));
  return out;
}

function convert(node: HastContent | ElementContent): PhrasingContent[] {
  if (node.type === 'text') return linkify(node.value);
  if (node.type !== 'element') return [];
  const children = (node as Element).children.flatMap(convert);
  const style = String(node.properties.style ?? '');
  if (node.tagName === 'i' || node.tagName === 'em' || /font-style:\s*italic/.test(style))
    return [{ type: 'emphasis', children }];
  if (node.tagName === 'b' || node.tagName === 'strong' || /font-weight:\s*bold/.test(style))
    return [{ type: 'strong', children }];
  return children;
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"]+[^\s<>".,;:)]/g;

function linkify(value: string): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  let at = 0;
  for (const m of value.matchAll(URL_IN_TEXT)) {
    if (m.index > at) out.push({ type: 'text', value: value.slice(at, m.index) });
    out.push({ type: 'link', url: m[0], children: [{ type: 'text', value: m[0] }] });
    at = m.index + m[0].length;
  }
  if (at < value.length) out.push({ type: 'text', value: value.slice(at) });
  return out;
}

/** rehype step: the bibliography section, built in Markdown order, goes after the notes section. */
export function moveBibliographyLast(tree: HastRoot): void {
  const i = tree.children.findIndex(
    (n) =>
      n.type === 'element' &&
      n.tagName === 'section' &&
      Array.isArray(n.properties.className) &&
      n.properties.className.includes('bibliography'),
  );
  if (i < 0) return;
  const [section] = tree.children.splice(i, 1);
  tree.children.push({ type: 'text', value: '\n' }, section!);
}
