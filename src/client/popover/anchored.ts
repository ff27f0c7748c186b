/**
 * A non-modal popover anchored to a link in the text: the footnote previews (footnotes.ts) and the mention cards
 * (mention-cards.ts) share it. A tap, a click, Enter, keyboard focus or a resting mouse pointer shows it beside its
 * anchor; the link stays a link without JavaScript.
 *
 * The popover is a role="dialog", not a tooltip: it may hold links, and a tooltip may hold nothing that takes
 * focus. The anchor says it controls it (aria-controls, aria-expanded). Hover and keyboard focus only show it
 * (focus stays on the anchor); a click, a tap or Enter also moves focus into it, so its links can be reached.
 * Escape or its close button shut it and give focus back to the anchor; Tab past its end goes on to what follows
 * the anchor; a press anywhere else shuts it.
 */

/** How long a mouse pointer rests on an anchor before the popover shows, and lingers away before it goes. */
const HOVER_DELAY_MS = 300;
const LEAVE_DELAY_MS = 300;
/** Space kept between the popover and the edges of the window, and between it and its anchor. */
const EDGE = 8;
const GAP = 6;
const MAX_WIDTH = 384;

/** What the popover shows for an anchor: its label (the dialog's name) and its content. */
export interface PopoverContent {
  label: string;
  body: Node;
}

export interface PopoverOptions {
  /** The popover's id (the anchors' aria-controls) and class; its parts are `${className}__head` etc. */
  id: string;
  className: string;
  closeLabel: string;
  /** What to show for an anchor, or null when there is nothing (the anchor then stays a plain link). */
  contentOf: (anchor: HTMLAnchorElement) => PopoverContent | null;
}

interface Shown {
  anchor: HTMLAnchorElement;
  /** Opened by a click, a tap or Enter: focus went into it, and a pointer leaving does not shut it. */
  pinned: boolean;
}

function buildPopover(o: PopoverOptions): {
  box: HTMLElement;
  label: HTMLElement;
  body: HTMLElement;
  close: HTMLButtonElement;
} {
  const part = (tag: string, name: string) => {
    const el = document.createElement(tag);
    el.className = `${o.className}__${name}`;
    return el;
  };
  const box = document.createElement('div');
  box.id = o.id;
  box.className = o.className;
  box.hidden = true;
  box.tabIndex = -1;
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-labelledby', `${o.id}-label`);
  const head = part('div', 'head');
  const label = part('p', 'label');
  label.id = `${o.id}-label`;
  const close = part('button', 'close') as HTMLButtonElement;
  close.type = 'button';
  close.setAttribute('aria-label', o.closeLabel);
  close.textContent = '×';
  head.append(label, close);
  const body = part('div', 'body');
  box.append(head, body);
  return { box, label, body, close };
}

/**
 * Beside the anchor, inside the window: below it when the popover fits there (or there is more room below than
 * above), else above; never wider than the window less its edges; scrolling inside itself when taller than the
 * room. position: fixed, so viewport coordinates, set through the CSSOM (the strict CSP allows no style
 * attribute), and set again while the page scrolls.
 */
export function placeBeside(box: HTMLElement, anchor: HTMLElement): void {
  const viewWidth = document.documentElement.clientWidth;
  const viewHeight = window.innerHeight;
  const width = Math.min(MAX_WIDTH, viewWidth - 2 * EDGE);
  box.style.width = `${width}px`;
  box.style.maxHeight = '';
  const m = anchor.getBoundingClientRect();
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

/** The one popover of its kind on the page, and which anchor it shows. */
export class AnchoredPopover {
  readonly box: HTMLElement;
  private readonly label: HTMLElement;
  private readonly body: HTMLElement;
  readonly close: HTMLButtonElement;
  shown: Shown | null = null;
  private hoverTimer = 0;
  private leaveTimer = 0;
  // Focus given back to an anchor by this island must not open the popover again.
  quietFocus = false;

  constructor(
    private readonly options: PopoverOptions,
    /** The popover goes right after this element (never inside the article body: corrections.ts counts its text). */
    after: HTMLElement,
  ) {
    ({ box: this.box, label: this.label, body: this.body, close: this.close } = buildPopover(options));
    after.after(this.box);
  }

  isPinnedTo(anchor: HTMLElement): boolean {
    return this.shown?.anchor === anchor && this.shown.pinned;
  }

  /** Shows the anchor's popover; `pinned` (a click, a tap, Enter) also moves focus into it. */
  open(anchor: HTMLAnchorElement, pinned: boolean): void {
    this.cancelTimers();
    const pinnedBefore = this.isPinnedTo(anchor);
    if (this.shown?.anchor !== anchor) {
      const content = this.options.contentOf(anchor);
      if (!content) return;
      this.shown?.anchor.setAttribute('aria-expanded', 'false');
      this.label.textContent = content.label;
      this.body.replaceChildren(content.body);
      this.box.hidden = false;
      this.box.scrollTop = 0;
      anchor.setAttribute('aria-expanded', 'true');
    }
    this.shown = { anchor, pinned: pinned || pinnedBefore };
    placeBeside(this.box, anchor);
    if (pinned) this.box.focus({ preventScroll: true });
  }

  /** Shuts the popover; `giveFocusBack` puts focus on its anchor (Escape, the close button, Tab out of it). */
  shut(giveFocusBack: boolean): void {
    this.cancelTimers();
    if (!this.shown) return;
    const { anchor } = this.shown;
    this.shown = null;
    this.box.hidden = true;
    anchor.setAttribute('aria-expanded', 'false');
    if (giveFocusBack) {
      this.quietFocus = true;
      anchor.focus({ preventScroll: true });
      this.quietFocus = false;
    }
  }

  /** A mouse pointer resting on an anchor shows its popover after a moment. */
  hoverSoon(anchor: HTMLAnchorElement): void {
    window.clearTimeout(this.leaveTimer);
    if (this.shown?.anchor === anchor) return;
    window.clearTimeout(this.hoverTimer);
    this.hoverTimer = window.setTimeout(() => this.open(anchor, false), HOVER_DELAY_MS);
  }

  /** A mouse pointer gone from the anchor and the popover shuts one it opened, after a moment. */
  leaveSoon(): void {
    window.clearTimeout(this.hoverTimer);
    window.clearTimeout(this.leaveTimer);
    if (this.shown && !this.shown.pinned) this.leaveTimer = window.setTimeout(() => this.shut(false), LEAVE_DELAY_MS);
  }

  stay(): void {
    window.clearTimeout(this.leaveTimer);
  }

  follow(): void {
    if (this.shown) placeBeside(this.box, this.shown.anchor);
  }

  private cancelTimers(): void {
    window.clearTimeout(this.hoverTimer);
    window.clearTimeout(this.leaveTimer);
  }
}

/** What a resting mouse pointer does instead of opening the popover (footnotes light their sidenote up). */
export interface HoverHooks {
  /** True when it handled the pointer itself. */
  enter: (anchor: HTMLAnchorElement) => boolean;
  leave: (anchor: HTMLAnchorElement) => void;
}

export function wireAnchor(popover: AnchoredPopover, anchor: HTMLAnchorElement, hooks?: HoverHooks): void {
  anchor.setAttribute('aria-controls', popover.box.id);
  anchor.setAttribute('aria-expanded', 'false');
  anchor.addEventListener('click', (e) => {
    e.preventDefault();
    if (popover.isPinnedTo(anchor)) popover.shut(true);
    else popover.open(anchor, true);
  });
  anchor.addEventListener('focus', () => {
    if (!popover.quietFocus && anchor.matches(':focus-visible')) popover.open(anchor, false);
  });
  anchor.addEventListener('blur', (e) => {
    const to = e.relatedTarget as Node | null;
    if (popover.shown?.anchor === anchor && !popover.shown.pinned && !(to && popover.box.contains(to)))
      popover.shut(false);
  });
  anchor.addEventListener('pointerenter', (e) => {
    if (e.pointerType !== 'mouse') return;
    if (!hooks?.enter(anchor)) popover.hoverSoon(anchor);
  });
  anchor.addEventListener('pointerleave', (e) => {
    if (e.pointerType !== 'mouse') return;
    hooks?.leave(anchor);
    popover.leaveSoon();
  });
}

/** Escape shuts; Tab past the last control goes on from the anchor, Shift+Tab before the first lands on it. */
function keyInPopover(popover: AnchoredPopover, e: KeyboardEvent): void {
  if (e.key === 'Escape') {
    e.preventDefault();
    popover.shut(true);
    return;
  }
  if (e.key !== 'Tab') return;
  const list = focusables(popover.box);
  const first = e.target === popover.box || e.target === list[0];
  const last = list.length === 0 || e.target === list[list.length - 1];
  if (e.shiftKey && first) {
    e.preventDefault();
    popover.shut(true);
  } else if (!e.shiftKey && last) {
    // Focus goes back to the anchor now; the key's own move then carries it on to what follows the anchor.
    popover.shut(true);
  }
}

/** The popover's own behaviour; `anchors` is the selector of its anchors (a press on one is not "elsewhere"). */
export function wirePopover(popover: AnchoredPopover, anchors: string): void {
  const { box } = popover;
  // The pointer may move from the anchor onto the popover (to select its words or follow a link in it).
  box.addEventListener('pointerenter', () => popover.stay());
  box.addEventListener('pointerleave', (e) => {
    if (e.pointerType === 'mouse') popover.leaveSoon();
  });
  popover.close.addEventListener('click', () => popover.shut(true));
  box.addEventListener('keydown', (e) => keyInPopover(popover, e));
  box.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (popover.shown && to && !box.contains(to) && to !== popover.shown.anchor) popover.shut(false);
  });
  // Escape also shuts a popover shown by hover or focus, wherever focus is.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && popover.shown && !box.contains(document.activeElement))
      popover.shut(popover.shown.anchor === document.activeElement);
  });
  // A press anywhere but on the popover or an anchor shuts it.
  document.addEventListener('pointerdown', (e) => {
    const target = e.target as Element | null;
    if (popover.shown && target && !box.contains(target) && !target.closest(anchors)) popover.shut(false);
  });
  window.addEventListener('scroll', () => popover.follow(), { passive: true });
  window.addEventListener('resize', () => popover.follow());
}
