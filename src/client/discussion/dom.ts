/** Small DOM helpers the discussion's islands share (src/client/comments.ts is the entry). */

/** The comment form: looked up each time, since a post replaces the whole discussion (form included). */
export const currentForm = (): HTMLFormElement | null => document.querySelector<HTMLFormElement>('form#respond');

/** An element's text on one line. */
export function text(el: Element | null): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** The article's slug, from the form's action (`/<slug>/comments#…`). */
export function slugOf(form: HTMLFormElement): string {
  return (
    new URL(form.action, window.location.href).pathname
      .replace(/\/comments$/, '')
      .split('/')
      .filter(Boolean)
      .pop() ?? ''
  );
}

/** An element made with its class and text; text is always set as text, never parsed. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  content = '',
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content) el.textContent = content;
  return el;
}

/** Moves focus to an element that is not a control (a comment, a message), so that it is read out. */
export function focusOn(el: HTMLElement | null): void {
  if (!el) return;
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: 'nearest' });
}
