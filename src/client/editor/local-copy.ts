// A copy of what the writer typed, kept in this browser while the server cannot be reached (offline, a failed
// autosave), and offered back on the next visit: "Restore what you typed on …?". One copy per post ("new" for
// a post never saved), removed once the server has the text.

export interface LocalCopy {
  savedAt: string;
  fields: Record<string, string>;
}

const keyOf = (draftKey: string) => `annalist:editor:copy:${draftKey}`;

/** The text fields the copy keeps: what a writer types (not tokens, ids or buttons). */
const KEPT = [
  'title',
  'standfirst',
  'body',
  'slug',
  'excerpt',
  'tags',
  'seoTitle',
  'seoDescription',
  'coverAlt',
  'coverCaption',
  'coverCredit',
];

export function fieldsToKeep(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT) {
    const el = form.elements.namedItem(name);
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) out[name] = el.value;
  }
  return out;
}

export function writeCopy(draftKey: string, fields: Record<string, string>): boolean {
  try {
    localStorage.setItem(keyOf(draftKey), JSON.stringify({ savedAt: new Date().toISOString(), fields }));
    return true;
  } catch {
    return false; // storage full or refused: the message says so
  }
}

export function readCopy(draftKey: string): LocalCopy | undefined {
  try {
    const raw = localStorage.getItem(keyOf(draftKey));
    if (!raw) return undefined;
    const copy = JSON.parse(raw) as LocalCopy;
    return typeof copy.savedAt === 'string' && copy.fields && typeof copy.fields === 'object' ? copy : undefined;
  } catch {
    return undefined;
  }
}

export function dropCopy(draftKey: string): void {
  try {
    localStorage.removeItem(keyOf(draftKey));
  } catch {
    // nothing kept, nothing to remove
  }
}

/** Puts the copy's fields into the form (each as an input event, so the canvas, preview and autosave follow). */
export function restoreCopy(form: HTMLFormElement, copy: LocalCopy): void {
  for (const [name, value] of Object.entries(copy.fields)) {
    const el = form.elements.namedItem(name);
    if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) || typeof value !== 'string') continue;
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }
}

/** Whether the copy differs from what the page shows (else it is stale: the server has this text). */
export function differs(copy: LocalCopy, now: Record<string, string>): boolean {
  return Object.entries(copy.fields).some(([k, v]) => k in now && now[k] !== v);
}
