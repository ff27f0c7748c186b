/**
 * Footnote previews (issue 16, reading). Without this island a note marker is a link down to the notes list,
 * and it stays one. With it, a tap, a click, Enter, keyboard focus or a resting mouse pointer shows the note
 * beside its marker, copied from the notes list of the same page (already sanitised; the back-link left out).
 *
 * The popover is a non-modal role="dialog", not a tooltip: a note may hold links, and a tooltip may hold
 * nothing that takes focus. The marker says it controls it (aria-controls, aria-expanded). Hover and keyboard
 * focus only show it (focus stays on the marker); a click, a tap or Enter also moves focus into it, so its links
 * can be reached. Escape or its close button shut it and give focus back to the marker; Tab past its end goes
 * on to what follows the marker; a press anywhere else shuts it. It sits after the article body, never inside
 * it: the body's text is what "Suggest a correction" counts its selectors over (src/client/corrections.ts).
 * On wide screens the notes also stand in the margin (footnotes/sidenotes.ts); a pointer resting on a marker
 * then lights its sidenote up instead of opening the popover.
 */

import { MARKERS, noteCopy, noteOf } from './footnotes/notes.ts';
import { Sidenotes } from './footnotes/sidenotes.ts';

/** How long a mouse pointer rests on a marker before its note shows, and lingers away before it goes. */
const HOVER_DELAY_MS = 300;
const LEAVE_DELAY_MS = 300;
/** Space kept between the popover and the edges of the window, and between it and its marker. */
const EDGE = 8;
const GAP = 6;
const MAX_WIDTH = 384;

interface Shown {
  marker: HTMLAnchorElement;
  /** Opened by a click, a tap or Enter: focus went into it, and a pointer leaving does not shut it. */
  pinned: boolean;
}

function buildPopover(): { box: HTMLElement; label: HTMLElement; body: HTMLElement; close: HTMLButtonElement } {
  const box = document.createElement('div');
  box.id = 'note-preview';
  box.className = 'note-preview';
  box.hidden = true;
  box.tabIndex = -1;
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-labelledby', 'note-preview-label');
  const head = document.createElement('div');
  head.className = 'note-preview__head';
  const label = document.createElement('p');
  label.id = 'note-preview-label';
  label.className = 'note-preview__label';
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'note-preview__close';
  close.setAttribute('aria-label', 'Close note');
  close.textContent = '×';
  head.append(label, close);
  const body = document.createElement('div');
  body.className = 'note-preview__body';
  box.append(head, body);
  return { box, label, body, close };
}

/**
 * Beside the marker, inside the window: below it when the note fits there (or there is more room below than
 * above), else above; never wider than the window less its edges; scrolling inside itself when taller than the
 * room. position: fixed, so viewport coordinates, set through the CSSOM (the strict CSP allows no style
 * attribute), and set again while the page scrolls.
 */
function place(box: HTMLElement, marker: HTMLElement): void {
  const viewWidth = document.documentElement.clientWidth;
  const viewHeight = window.innerHeight;
  const width = Math.min(MAX_WIDTH, viewWidth - 2 * EDGE);
  box.style.width = `${width}px`;
  box.style.maxHeight = '';
  const m = marker.getBoundingClientRect();
  const left = Math.min(Math.max(EDGE, m.left + m.width / 2 - width / 2), viewWidth - EDGE - width);
  const below = viewHeight - m.bottom - GAP - EDGE;
  const above = m.top - GAP - EDGE;
  const height = box.offsetHeight;
  const downward = height <= below || below >= above;
  const room = Math.max(downward ? below : above, 0);
  const shown = Math.min(height, room);
  box.style.maxHeight = `${room}px`;
  box.style.left = `${left}px`;
  box.style.top = `${downward ? m.bottom + GAP : m.top - GAP - shown}px`;
}

function focusables(box: HTMLElement): HTMLElement[] {
  return Array.from(box.querySelectorAll<HTMLElement>('a[href], button')).filter((el) => el.checkVisibility());
}

/** The one popover of the page and which marker's note it shows. */
class NotePreview {
  readonly box: HTMLElement;
  private readonly label: HTMLElement;
  private readonly body: HTMLElement;
  readonly close: HTMLButtonElement;
  shown: Shown | null = null;
  private hoverTimer = 0;
  private leaveTimer = 0;
  // Focus given back to a marker by this island must not open its note again.
  quietFocus = false;

  constructor(prose: HTMLElement) {
    ({ box: this.box, label: this.label, body: this.body, close: this.close } = buildPopover());
    prose.after(this.box);
  }

  isPinnedTo(marker: HTMLElement): boolean {
    return this.shown?.marker === marker && this.shown.pinned;
  }

  /** Shows the marker's note; `pinned` (a click, a tap, Enter) also moves focus into it. */
  open(marker: HTMLAnchorElement, pinned: boolean): void {
    const note = noteOf(marker);
    if (!note) return;
    this.cancelTimers();
    const pinnedBefore = this.isPinnedTo(marker);
    if (this.shown?.marker !== marker) {
      this.shown?.marker.setAttribute('aria-expanded', 'false');
      this.label.textContent = `Note ${marker.textContent?.trim() ?? ''}`;
      this.body.replaceChildren(noteCopy(note));
      this.box.hidden = false;
      this.box.scrollTop = 0;
      marker.setAttribute('aria-expanded', 'true');
    }
    this.shown = { marker, pinned: pinned || pinnedBefore };
    place(this.box, marker);
    if (pinned) this.box.focus({ preventScroll: true });
  }

  /** Shuts the popover; `giveFocusBack` puts focus on its marker (Escape, the close button, Tab out of it). */
  shut(giveFocusBack: boolean): void {
    this.cancelTimers();
    if (!this.shown) return;
    const { marker } = this.shown;
    this.shown = null;
    this.box.hidden = true;
    marker.setAttribute('aria-expanded', 'false');
    if (giveFocusBack) {
      this.quietFocus = true;
      marker.focus({ preventScroll: true });
      this.quietFocus = false;
    }
  }

  /** A mouse pointer resting on a marker shows its note after a moment. */
  hoverSoon(marker: HTMLAnchorElement): void {
    window.clearTimeout(this.leaveTimer);
    if (this.shown?.marker === marker) return;
    window.clearTimeout(this.hoverTimer);
    this.hoverTimer = window.setTimeout(() => this.open(marker, false), HOVER_DELAY_MS);
  }

  /** A mouse pointer gone from the marker and the note shuts a note it opened, after a moment. */
  leaveSoon(): void {
    window.clearTimeout(this.hoverTimer);
    window.clearTimeout(this.leaveTimer);
    if (this.shown && !this.shown.pinned) this.leaveTimer = window.setTimeout(() => this.shut(false), LEAVE_DELAY_MS);
  }

  stay(): void {
    window.clearTimeout(this.leaveTimer);
  }

  follow(): void {
    if (this.shown) place(this.box, this.shown.marker);
  }

  private cancelTimers(): void {
    window.clearTimeout(this.hoverTimer);
    window.clearTimeout(this.leaveTimer);
  }
}

function wireMarker(preview: NotePreview, marker: HTMLAnchorElement, sidenotes: Sidenotes | null): void {
  marker.setAttribute('aria-controls', preview.box.id);
  marker.setAttribute('aria-expanded', 'false');
  marker.addEventListener('click', (e) => {
    e.preventDefault();
    if (preview.isPinnedTo(marker)) preview.shut(true);
    else preview.open(marker, true);
  });
  marker.addEventListener('focus', () => {
    if (!preview.quietFocus && marker.matches(':focus-visible')) preview.open(marker, false);
  });
  marker.addEventListener('blur', (e) => {
    const to = e.relatedTarget as Node | null;
    if (preview.shown?.marker === marker && !preview.shown.pinned && !(to && preview.box.contains(to)))
      preview.shut(false);
  });
  // A note already beside the text is lit up rather than shown a second time.
  marker.addEventListener('pointerenter', (e) => {
    if (e.pointerType !== 'mouse') return;
    const side = sidenotes?.shownFor(marker);
    if (side) side.classList.add('sidenote--lit');
    else preview.hoverSoon(marker);
  });
  marker.addEventListener('pointerleave', (e) => {
    if (e.pointerType !== 'mouse') return;
    sidenotes?.shownFor(marker)?.classList.remove('sidenote--lit');
    preview.leaveSoon();
  });
}

/** Escape shuts; Tab past the last control goes on from the marker, Shift+Tab before the first lands on it. */
function keyInPopover(preview: NotePreview, e: KeyboardEvent): void {
  if (e.key === 'Escape') {
    e.preventDefault();
    preview.shut(true);
    return;
  }
  if (e.key !== 'Tab') return;
  const list = focusables(preview.box);
  const first = e.target === preview.box || e.target === list[0];
  const last = list.length === 0 || e.target === list[list.length - 1];
  if (e.shiftKey && first) {
    e.preventDefault();
    preview.shut(true);
  } else if (!e.shiftKey && last) {
    // Focus goes back to the marker now; the key's own move then carries it on to what follows the marker.
    preview.shut(true);
  }
}

function wirePopover(preview: NotePreview): void {
  const { box } = preview;
  // The pointer may move from the marker onto the note (to select its words or follow a link in it).
  box.addEventListener('pointerenter', () => preview.stay());
  box.addEventListener('pointerleave', (e) => {
    if (e.pointerType === 'mouse') preview.leaveSoon();
  });
  preview.close.addEventListener('click', () => preview.shut(true));
  box.addEventListener('keydown', (e) => keyInPopover(preview, e));
  box.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (preview.shown && to && !box.contains(to) && to !== preview.shown.marker) preview.shut(false);
  });
  // Escape also shuts a note shown by hover or focus, wherever focus is.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && preview.shown && !box.contains(document.activeElement))
      preview.shut(preview.shown.marker === document.activeElement);
  });
  // A press anywhere but on the note or a marker shuts it.
  document.addEventListener('pointerdown', (e) => {
    const target = e.target as Element | null;
    if (preview.shown && target && !box.contains(target) && !target.closest(MARKERS)) preview.shut(false);
  });
  window.addEventListener('scroll', () => preview.follow(), { passive: true });
  window.addEventListener('resize', () => preview.follow());
}

const prose = document.querySelector<HTMLElement>('article .prose');
const markers = Array.from(document.querySelectorAll<HTMLAnchorElement>(MARKERS)).filter((m) => noteOf(m));
if (prose && markers.length > 0) {
  const preview = new NotePreview(prose);
  const article = prose.closest('article');
  const sidebar = document.querySelector<HTMLElement>('.layout--sidebar > .widget-area--sidebar');
  const sidenotes = article && sidebar ? new Sidenotes(article, sidebar, markers) : null;
  for (const marker of markers) wireMarker(preview, marker, sidenotes);
  wirePopover(preview);
}
