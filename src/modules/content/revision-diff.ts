import { type ChangeObject, diffLines, diffWords, diffWordsWithSpace } from 'diff';

/**
 * Word diffs cost time that grows with the square of the changes: two unrelated 10,000-word texts took 44 s.
 * Past these bounds the diff falls back to whole lines, and then to "all removed, all added", so comparing
 * revisions never holds a process for more than about a second.
 */
const BOUNDS = { maxEditLength: 5_000, timeout: 500 };

function boundedDiff(a: string, b: string, words: 'with-space' | 'words'): ChangeObject<string>[] {
  const byWord = words === 'with-space' ? diffWordsWithSpace(a, b, BOUNDS) : diffWords(a, b, BOUNDS);
  return (
    byWord ??
    diffLines(a, b, BOUNDS) ?? [
      { value: a, removed: true, added: false, count: 1 },
      { value: b, added: true, removed: false, count: 1 },
    ]
  );
}

/**
 * Readable differences between two versions of a post, field by field: word-level for the body, title,
 * standfirst and excerpt, and a before/after for everything else. Views render the parts as <del>/<ins>.
 */

/** A version of a post as a person reads it: every field as text. */
export interface PostSnapshot {
  title: string;
  slug: string;
  standfirst: string;
  excerpt: string;
  body: string;
  /** The other fields (category, tags, cover…) by their label, as display text. */
  meta: Record<string, string>;
}

export type DiffPart =
  | { kind: 'same'; text: string }
  | { kind: 'added'; text: string }
  | { kind: 'removed'; text: string }
  /** Unchanged text left out of a long body, replaced by a note. */
  | { kind: 'skipped'; words: number };

export interface FieldDiff {
  field: string;
  label: string;
  parts: DiffPart[];
}

/** Unchanged stretches of the body longer than this many characters are shortened to their ends. */
const KEEP_CONTEXT = 160;

function toParts(changes: { added?: boolean; removed?: boolean; value: string }[]): DiffPart[] {
  return changes.map((c) =>
    c.added
      ? { kind: 'added', text: c.value }
      : c.removed
        ? { kind: 'removed', text: c.value }
        : { kind: 'same', text: c.value },
  );
}

/** Shortens long unchanged stretches to the words around each change, so a long article's diff stays readable. */
function collapse(parts: DiffPart[]): DiffPart[] {
  const out: DiffPart[] = [];
  parts.forEach((p, i) => {
    if (p.kind !== 'same' || p.text.length <= KEEP_CONTEXT * 2 + 40) {
      out.push(p);
      return;
    }
    const head = i === 0 ? '' : tail(p.text.slice(0, KEEP_CONTEXT), 'end');
    const foot = i === parts.length - 1 ? '' : tail(p.text.slice(-KEEP_CONTEXT), 'start');
    const middle = p.text.slice(head.length, p.text.length - foot.length);
    if (head) out.push({ kind: 'same', text: head });
    out.push({ kind: 'skipped', words: middle.split(/\s+/).filter(Boolean).length });
    if (foot) out.push({ kind: 'same', text: foot });
  });
  return out;
}

/** Cuts a stretch at a word boundary: keeps whole words at the start ('end' trims the end) or at the end. */
function tail(s: string, trim: 'start' | 'end'): string {
  if (trim === 'end') {
    const cut = s.lastIndexOf(' ');
    return cut > 0 ? s.slice(0, cut + 1) : s;
  }
  const cut = s.indexOf(' ');
  return cut >= 0 ? s.slice(cut) : s;
}

const CORE_FIELDS: { field: keyof Omit<PostSnapshot, 'meta'>; label: string }[] = [
  { field: 'title', label: 'Title' },
  { field: 'slug', label: 'Slug' },
  { field: 'standfirst', label: 'Standfirst' },
  { field: 'excerpt', label: 'Excerpt' },
  { field: 'body', label: 'Body' },
];

/** The fields that differ between `before` and `after`, each with its word-level changes. */
export function diffSnapshots(before: PostSnapshot, after: PostSnapshot): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const { field, label } of CORE_FIELDS) {
    const a = before[field];
    const b = after[field];
    if (a === b) continue;
    const parts =
      field === 'body'
        ? collapse(toParts(boundedDiff(a, b, 'with-space')))
        : field === 'slug'
          ? [...(a ? [{ kind: 'removed', text: a } as const] : []), ...(b ? [{ kind: 'added', text: b } as const] : [])]
          : toParts(boundedDiff(a, b, 'words'));
    out.push({ field, label, parts });
  }
  const labels = [...new Set([...Object.keys(before.meta), ...Object.keys(after.meta)])];
  for (const label of labels) {
    const a = before.meta[label] ?? '';
    const b = after.meta[label] ?? '';
    if (a === b) continue;
    out.push({
      field: `meta:${label}`,
      label,
      parts: [
        ...(a ? [{ kind: 'removed', text: a } as const] : []),
        ...(b ? [{ kind: 'added', text: b } as const] : []),
      ],
    });
  }
  return out;
}
