/** The page's notes: its markers, and the notes-list items they link to (footnotes.ts, sidenotes.ts). */

export const MARKERS = 'article .prose a[data-footnote-ref]';

/** The notes-list item a marker links to, if it is one of this page's notes. */
export function noteOf(marker: HTMLAnchorElement): HTMLElement | null {
  const id = decodeURIComponent(marker.hash.slice(1));
  const note = id ? document.getElementById(id) : null;
  return note?.closest('.footnotes') ? note : null;
}

/** The note's content as a copy: no back-link, no ids (they would be doubled in the page). */
export function noteCopy(note: HTMLElement): DocumentFragment {
  const copy = document.createDocumentFragment();
  for (const child of Array.from(note.childNodes)) copy.append(child.cloneNode(true));
  for (const back of Array.from(copy.querySelectorAll('[data-footnote-backref]'))) back.remove();
  for (const el of Array.from(copy.querySelectorAll('[id]'))) el.removeAttribute('id');
  return copy;
}
