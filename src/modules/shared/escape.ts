const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text made safe for HTML or XML built as a string outside JSX (feeds, the WXR export, repaired XML, the comment
 * thread, imported bodies): in an element or in an attribute value quoted either way. `&apos;` is XML's and
 * HTML5's alike. JSX escapes by itself; this is the one escaper for everything else.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/**
 * A value for a quoted attribute of a Markdown directive (`::figure[…]{src="…" alt="…"}`): the directive parser
 * decodes character references there, so `&` and `"` are written as references and the rest is kept as typed.
 */
export function escapeDirectiveAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}
