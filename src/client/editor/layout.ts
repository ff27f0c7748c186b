import { settingsPanel, settingsStartOpen } from './settings-panel.ts';

// The desk's layout toggles: the preview beside the canvas (or instead of it on a phone), the post settings
// panel that folds away (./settings-panel.ts), and distraction-free mode. Each choice is remembered in this browser.

const remembered = (key: string, fallback: boolean): boolean => {
  try {
    const v = localStorage.getItem(`annalist:editor:${key}`);
    return v === null ? fallback : v === '1';
  } catch {
    return fallback;
  }
};
const remember = (key: string, on: boolean) => {
  try {
    localStorage.setItem(`annalist:editor:${key}`, on ? '1' : '0');
  } catch {
    // Private browsing without storage: the choice lasts for this page.
  }
};

const wide = () => window.matchMedia('(min-width: 64rem)').matches;

function toggle(
  button: HTMLButtonElement,
  attr: 'aria-pressed' | 'aria-expanded',
  apply: (on: boolean) => void,
  initial: boolean,
) {
  const set = (on: boolean) => {
    button.setAttribute(attr, String(on));
    apply(on);
  };
  set(initial);
  button.addEventListener('click', () => {
    const on = button.getAttribute(attr) !== 'true';
    set(on);
    return on;
  });
  return set;
}

export function deskLayout(): void {
  const toggles = document.querySelector<HTMLElement>('.editor-bar__toggles');
  if (!toggles) return;
  toggles.hidden = false;
  const root = document.body.classList;
  root.add('editor-desk');

  const previewBtn = toggles.querySelector<HTMLButtonElement>('.editor-preview-toggle');
  if (previewBtn) {
    toggle(
      previewBtn,
      'aria-pressed',
      (on) => root.toggle('editor-desk--no-preview', !on),
      remembered('preview', wide()),
    );
    previewBtn.addEventListener('click', () => remember('preview', previewBtn.getAttribute('aria-pressed') === 'true'));
  }
  const settingsBtn = toggles.querySelector<HTMLButtonElement>('.editor-settings-toggle');
  const settings = document.getElementById('post-settings');
  if (settingsBtn && settings) {
    const panel = settingsPanel(settings, settingsBtn, (on, byHand) => {
      root.toggle('editor-desk--settings', on);
      if (byHand) remember('settings', on);
    });
    panel.show(settingsStartOpen(settings, remembered('settings', false)), false);
  }
  const focusBtn = toggles.querySelector<HTMLButtonElement>('.editor-focus-toggle');
  if (focusBtn) {
    const set = toggle(
      focusBtn,
      'aria-pressed',
      (on) => {
        root.toggle('editor-focus', on);
        focusBtn.textContent = on ? 'Leave distraction-free mode' : 'Distraction-free mode';
      },
      false,
    );
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && root.contains('editor-focus') && !document.querySelector('dialog[open]')) {
        set(false);
        focusBtn.focus();
      }
    });
  }
}
