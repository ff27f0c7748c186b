import { make } from './dom.ts';

// The post settings panel (issue 16). It never takes width from the writing: on wide screens it lies over the
// preview at the right edge, sticky under the bar; below 78rem (phones and tablets, where it would cover the
// writing) it is a sheet over the whole editor. Opening it
// moves the focus into it; "Close" or Escape folds it and gives the focus back to the "Post settings" button.

/** Too narrow for the panel beside the canvas: it is a full-width sheet (admin.css draws it so under the same width). */
const narrow = () => window.matchMedia('(max-width: 77.99rem)').matches;

/** The bar's height, for the sticky panel and preview to sit under it rather than behind it. */
function followBarHeight(form: HTMLElement) {
  const bar = form.querySelector<HTMLElement>('.editor-bar');
  if (!bar || typeof ResizeObserver === 'undefined') return;
  const set = () => form.style.setProperty('--editor-bar-height', `${bar.offsetHeight}px`);
  new ResizeObserver(set).observe(bar);
  set();
}

export interface SettingsPanel {
  /** Opens or folds the panel; `byHand` when the writer asked (the focus then moves into it). */
  show(on: boolean, byHand: boolean): void;
}

/**
 * Wires the panel to its toggle: a "Close" button at its top, Escape inside it, the focus moved in on opening
 * and back to the toggle on closing. `onChange` hears every change (to mark the page and remember the choice).
 */
export function settingsPanel(
  panel: HTMLElement,
  toggleBtn: HTMLButtonElement,
  onChange: (on: boolean, byHand: boolean) => void,
): SettingsPanel {
  const head = make('div', 'editor__side-head');
  const close = make('button', 'secondary editor__side-close', 'Close');
  // Named "Close" alone: inside the "Post settings" region that says what it closes, and "Post settings" stays
  // the name of one button on the page (the toggle).
  close.type = 'button';
  head.append(make('p', 'editor__side-title', 'Post settings'), close);
  panel.prepend(head);
  const form = panel.closest<HTMLElement>('form');
  if (form) followBarHeight(form);

  const show = (on: boolean, byHand: boolean) => {
    panel.hidden = !on;
    toggleBtn.setAttribute('aria-expanded', String(on));
    onChange(on, byHand);
    if (on && byHand) close.focus({ preventScroll: !narrow() });
  };
  toggleBtn.addEventListener('click', () => show(panel.hidden, true));
  close.addEventListener('click', () => {
    show(false, true);
    toggleBtn.focus();
  });
  panel.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || panel.hidden) return;
    e.stopPropagation(); // not also distraction-free mode's Escape
    show(false, true);
    toggleBtn.focus();
  });
  return { show };
}

/** Whether the panel starts open: a field with an error opens it; a narrow screen never starts behind a sheet. */
export function settingsStartOpen(panel: HTMLElement, remembered: boolean): boolean {
  if (panel.querySelector('[aria-invalid="true"], .field__error') !== null) return true;
  return remembered && !narrow();
}
