import type { VNode } from 'preact';
import { jsxTemplate } from 'preact/jsx-runtime';
import { renderToString } from 'preact-render-to-string';

/**
 * HTML that one of our views rendered (renderToString: every reader's and writer's text in it already escaped),
 * put back into a Preact tree as it is, with no wrapper element. Never for text from anywhere else.
 */
export function renderedHtml(html: string): VNode {
  return jsxTemplate([html]);
}

/**
 * The same string, in one piece. V8 keeps a string built by concatenation as a tree of its pieces and joins them
 * when the page is turned into bytes; reading a character joins them now, once, for a string kept to be part of
 * many pages.
 */
export function joined(html: string): string {
  html.charCodeAt(0);
  return html;
}

const KEPT_PER_OWNER = 8;
const kept = new WeakMap<object, { inputs: readonly unknown[]; value: unknown }[]>();

/**
 * `build()`'s result for `owner` and `inputs`, built once and reused while both are the same (`owner` by identity,
 * each input by identity or value). The owner is an object read once per content generation (an article, a page
 * of comments, a list: reading.service.ts, comment-thread.service.ts), so what is built from it goes with it when
 * the next write starts a new generation. `inputs` must name everything else `build` reads.
 */
export function keptFor<T>(owner: object, inputs: readonly unknown[], build: () => T): T {
  let entries = kept.get(owner);
  if (!entries) {
    entries = [];
    kept.set(owner, entries);
  }
  const found = entries.find((e) => e.inputs.length === inputs.length && e.inputs.every((v, i) => v === inputs[i]));
  if (found) return found.value as T;
  const value = build();
  if (entries.length >= KEPT_PER_OWNER) entries.shift();
  entries.push({ inputs, value });
  return value;
}

/** A view rendered once for `owner` and `inputs` (as keptFor), then put back as HTML into every page that shows it. */
export function keptView(owner: object, inputs: readonly unknown[], view: () => VNode): VNode {
  return renderedHtml(keptFor(owner, inputs, () => joined(renderToString(view()))));
}
