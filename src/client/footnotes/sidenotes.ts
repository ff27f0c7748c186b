/**
 * Sidenotes (issue 16, reading). On a wide screen the sidebar's column is empty from the end of its widgets
 * down the whole article: each note is set there, level with its marker. Where the sidebar is not beside the
 * article (phones, narrow windows), or a note would land more than half a window below its marker (widgets
 * running long, notes crowding), it is not shown and the popover (footnotes.ts) is the way to it.
 *
 * They are a copy for the eye: hidden from assistive technology and their links out of the Tab order, since the
 * notes list and the popover give the same words to everyone; never on paper (site.css), where the notes list
 * is. Positions are set through the CSSOM (the strict CSP allows no style attribute).
 */

import { noteCopy, noteOf } from './notes.ts';

/** Space between two sidenotes that would otherwise touch. */
const GAP_PX = 12;

interface Sidenote {
  /** The note's first marker: the sidenote stands level with it. */
  marker: HTMLAnchorElement;
  box: HTMLElement;
}

function buildSidenote(marker: HTMLAnchorElement, note: HTMLElement): HTMLElement {
  const box = document.createElement('div');
  box.className = 'sidenote';
  const copy = noteCopy(note);
  const number = document.createElement('span');
  number.className = 'sidenote__number';
  number.textContent = `${marker.textContent?.trim() ?? ''} `;
  const first = copy.firstElementChild;
  if (first) first.prepend(number);
  else box.append(number);
  for (const link of Array.from(copy.querySelectorAll('a'))) link.tabIndex = -1;
  box.append(copy);
  return box;
}

export class Sidenotes {
  private readonly column: HTMLElement;
  /** By the notes-list item they copy. */
  private readonly notes = new Map<HTMLElement, Sidenote>();
  private frame = 0;

  constructor(
    private readonly article: HTMLElement,
    private readonly sidebar: HTMLElement,
    markers: HTMLAnchorElement[],
  ) {
    this.column = document.createElement('div');
    this.column.className = 'sidenotes';
    this.column.setAttribute('aria-hidden', 'true');
    for (const marker of markers) {
      const note = noteOf(marker);
      if (!note || this.notes.has(note)) continue;
      const box = buildSidenote(marker, note);
      this.notes.set(note, { marker, box });
      this.column.append(box);
    }
    sidebar.append(this.column);
    const later = () => this.layoutSoon();
    // Images loading and the contents list opening move the markers; widgets growing move the column's top.
    const watch = new ResizeObserver(later);
    watch.observe(article);
    for (const widget of Array.from(sidebar.children)) if (widget !== this.column) watch.observe(widget);
    window.addEventListener('resize', later);
    this.layout();
  }

  /** The sidenote shown for a marker's note, if it is shown. */
  shownFor(marker: HTMLAnchorElement): HTMLElement | null {
    const note = noteOf(marker);
    const side = note ? this.notes.get(note) : undefined;
    return side && !this.column.hidden && !side.box.hidden ? side.box : null;
  }

  private layoutSoon(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.layout());
  }

  /** Each note level with its marker, below the one before it; none when the sidebar is not beside the text. */
  private layout(): void {
    const beside = this.sidebar.getBoundingClientRect().left >= this.article.getBoundingClientRect().right;
    this.column.hidden = !beside;
    if (!beside) return;
    const origin = this.column.getBoundingClientRect().top;
    const tooFar = window.innerHeight / 2;
    let floor = 0;
    for (const { marker, box } of this.notes.values()) {
      const wanted = marker.getBoundingClientRect().top - origin;
      const top = Math.max(wanted, floor);
      box.hidden = top - wanted > tooFar;
      if (box.hidden) continue;
      box.style.top = `${top}px`;
      floor = top + box.offsetHeight + GAP_PX;
    }
  }
}
