import assert from 'node:assert/strict';
import type { Element, Root, RootContent } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString as textContent } from 'hast-util-to-string';

/**
 * A page as a reader's assistive technology meets it: parsed HTML queried by role and accessible name, and form
 * controls by their label, instead of regular expressions over markup (issue 15). A subset of ARIA's implicit
 * roles and name computation, enough for Annalist's own pages: what it does not know it does not guess.
 */
export interface Page {
  /** Every element with this role (explicit `role`, else implicit), optionally with this accessible name. */
  all(role: string, name?: string | RegExp): Element[];
  /** The one element with this role and name; fails the test naming what the page has instead. */
  get(role: string, name?: string | RegExp): Element;
  /** The form control a `<label>` (or aria-label/aria-labelledby) with this text names. */
  field(label: string | RegExp): Element;
  /** The text of an element, whitespace collapsed. */
  text(el: Element): string;
  /** An attribute as a string ('' when absent). */
  attr(el: Element, name: string): string;
  /** The element with this id, or a failure. */
  byId(id: string): Element;
  /** The same queries over one element and what it holds (names are still worked out from the whole page). */
  within(el: Element): Page;
  /** An element's accessible description: the text of the elements its aria-describedby names. */
  description(el: Element): string;
}

const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const INPUT_ROLES: Record<string, string> = {
  checkbox: 'checkbox',
  radio: 'radio',
  submit: 'button',
  button: 'button',
  reset: 'button',
  search: 'searchbox',
  range: 'slider',
  number: 'spinbutton',
};

function implicitRole(el: Element): string | undefined {
  const tag = el.tagName;
  const p = el.properties;
  if (tag === 'a' || tag === 'area') return p.href !== undefined ? 'link' : undefined;
  if (HEADINGS.has(tag)) return 'heading';
  if (tag === 'input') {
    const type = String(p.type ?? 'text').toLowerCase();
    if (type === 'hidden') return undefined;
    return INPUT_ROLES[type] ?? 'textbox';
  }
  const simple: Record<string, string> = {
    button: 'button',
    textarea: 'textbox',
    nav: 'navigation',
    main: 'main',
    article: 'article',
    aside: 'complementary',
    ul: 'list',
    ol: 'list',
    li: 'listitem',
    table: 'table',
    tr: 'row',
    img: 'img',
    dialog: 'dialog',
    fieldset: 'group',
    details: 'group',
    summary: 'button',
    // ARIA 1.2 and 1.3 roles, for checks of quotes, figures, dates, highlights, emphasis and paragraphs by role.
    blockquote: 'blockquote',
    figure: 'figure',
    time: 'time',
    mark: 'mark',
    em: 'emphasis',
    strong: 'strong',
    p: 'paragraph',
    search: 'search',
    // A description list's terms and their details (an entity's facts: "Lived", "between 1896 and 1974").
    dt: 'term',
    dd: 'definition',
    // Words struck out and added (a diff between two versions of an article).
    del: 'deletion',
    ins: 'insertion',
  };
  if (tag === 'select') return p.multiple || Number(p.size ?? 1) > 1 ? 'listbox' : 'combobox';
  if (tag === 'section') return p.ariaLabel || p.ariaLabelledBy ? 'region' : undefined;
  if (tag === 'form') return p.ariaLabel || p.ariaLabelledBy ? 'form' : undefined;
  return simple[tag];
}

function elements(node: Root | Element): Element[] {
  const out: Element[] = [];
  const visit = (n: Root | RootContent) => {
    if (n.type === 'element') {
      out.push(n);
      if (n.content) visit(n.content);
    }
    if ('children' in n) for (const c of n.children) visit(c);
  };
  visit(node);
  return out;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();
const matches = (value: string, want: string | RegExp) =>
  typeof want === 'string' ? value === want : want.test(value);

/** Parses an HTML document or fragment for queries by role and label. */
export function parsePage(html: string): Page {
  const everything = elements(fromHtml(html));
  const byId = new Map<string, Element>();
  for (const el of everything) if (typeof el.properties.id === 'string') byId.set(el.properties.id, el);
  const labels = everything.filter((el) => el.tagName === 'label');
  return pageOver({ byId, labels }, everything);
}

/** The queries over `all` (the whole page, or one element and what it holds), names found in the whole page. */
function pageOver(whole: { byId: Map<string, Element>; labels: Element[] }, all: Element[]): Page {
  const { byId, labels } = whole;

  const text = (el: Element) => collapse(textContent(el));
  const attr = (el: Element, name: string) => {
    const v = el.properties[name];
    return Array.isArray(v) ? v.join(' ') : v === undefined || v === null ? '' : String(v);
  };
  const textOfIds = (ids: string) =>
    ids
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => (byId.get(id) ? text(byId.get(id)!) : ''))
      .join(' ');
  const labelledBy = (el: Element) => textOfIds(attr(el, 'ariaLabelledBy'));

  function labelOf(el: Element): string {
    const id = attr(el, 'id');
    const forIt = id ? labels.find((l) => attr(l, 'htmlFor') === id) : undefined;
    const around = labels.find((l) => elements(l).includes(el));
    return collapse((forIt ? text(forIt) : '') || (around ? text(around) : ''));
  }

  function nameOf(el: Element): string {
    const explicit = collapse(labelledBy(el) || attr(el, 'ariaLabel'));
    if (explicit) return explicit;
    const tag = el.tagName;
    if (tag === 'img') return collapse(attr(el, 'alt'));
    if (tag === 'input' && ['submit', 'button', 'reset'].includes(attr(el, 'type'))) return collapse(attr(el, 'value'));
    if (['input', 'textarea', 'select'].includes(tag)) return labelOf(el) || collapse(attr(el, 'title'));
    if (tag === 'fieldset') {
      const legend = el.children.find((c): c is Element => c.type === 'element' && c.tagName === 'legend');
      return legend ? text(legend) : '';
    }
    return text(el) || collapse(attr(el, 'title'));
  }

  const roleOf = (el: Element) => attr(el, 'role').split(/\s+/)[0] || implicitRole(el);

  const page: Page = {
    all(role, name) {
      return all.filter((el) => roleOf(el) === role && (name === undefined || matches(nameOf(el), name)));
    },
    get(role, name) {
      const found = page.all(role, name);
      if (found.length !== 1) {
        const present = page
          .all(role)
          .map((el) => JSON.stringify(nameOf(el)))
          .slice(0, 30);
        assert.fail(
          `expected one ${role}${name === undefined ? '' : ` named ${String(name)}`}, found ${found.length}; the page's ${role}s: ${present.join(', ') || 'none'}`,
        );
      }
      return found[0]!;
    },
    field(label) {
      const controls = all.filter(
        (el) => ['input', 'textarea', 'select'].includes(el.tagName) && attr(el, 'type') !== 'hidden',
      );
      const found = controls.filter((el) => matches(nameOf(el), label));
      if (found.length !== 1) {
        const present = controls.map((el) => JSON.stringify(nameOf(el))).slice(0, 40);
        assert.fail(
          `expected one field labelled ${String(label)}, found ${found.length}; fields: ${present.join(', ')}`,
        );
      }
      return found[0]!;
    },
    text,
    attr,
    byId(id) {
      const el = byId.get(id);
      if (!el) assert.fail(`no element with id ${JSON.stringify(id)}`);
      return el;
    },
    within(el) {
      return pageOver(whole, elements(el));
    },
    description(el) {
      return collapse(textOfIds(attr(el, 'ariaDescribedBy')));
    },
  };
  return page;
}
