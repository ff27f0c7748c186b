import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { EditorView } from '@codemirror/view';

// Completion while writing: `:cite[` offers the sources library (by key, title or author) and inserts the key
// with a page to fill in; `:person[`, `:place[`, `:event[`, `:org[` offer history's entities and insert their
// directive. Answers are kept per query; an endpoint that is missing or failing offers nothing, quietly.

interface SourceSuggestion {
  key: string;
  title: string;
  authors: string;
  year: string;
}
interface EntitySuggestion {
  kind: string;
  slug: string;
  name: string;
  matched?: string;
  directive: string;
}

const KINDS: Record<string, string> = { person: 'person', place: 'place', event: 'event', org: 'organisation' };

/** GETs JSON once per address; null when the server has no answer (404, an error, offline). */
function cachedJson<T>() {
  const cache = new Map<string, Promise<T | null>>();
  return (url: string): Promise<T | null> => {
    let p = cache.get(url);
    if (!p) {
      p = fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then((res) => (res.ok ? (res.json() as Promise<T>) : null))
        .catch(() => null);
      // A failure is not kept: the next keystroke may be answered.
      void p.then((v) => v === null && cache.delete(url));
      cache.set(url, p);
    }
    return p;
  };
}

/** After the completion's text: skip a `]` closeBrackets typed, and say whether attributes follow already. */
function closing(view: EditorView, at: number): { to: number; hasAttrs: boolean } {
  const next = view.state.sliceDoc(at, at + 2);
  if (next.startsWith(']')) return { to: at + 1, hasAttrs: next[1] === '{' };
  return { to: at, hasAttrs: false };
}

function citeOption(s: SourceSuggestion): Completion {
  return {
    label: s.key,
    detail: [s.authors, s.year].filter(Boolean).join(' '),
    info: s.title,
    type: 'text',
    apply(view, _c, from, to) {
      const end = closing(view, to);
      const tail = end.hasAttrs ? ']' : ']{page=}';
      const insert = `${s.key}${tail}`;
      // The cursor goes where the page number is typed (or after the bracket when attributes were there).
      const cursor = from + insert.length - (end.hasAttrs ? 0 : 1);
      view.dispatch({ changes: { from, to: end.to, insert }, selection: { anchor: cursor } });
    },
  };
}

function entityOption(e: EntitySuggestion, start: number): Completion {
  return {
    label: e.name,
    detail: e.matched && e.matched !== e.name ? `${e.matched} · ${e.kind}` : e.kind,
    type: 'text',
    apply(view, _c, _from, to) {
      const end = closing(view, to);
      // The entity's whole directive replaces what was typed, from the colon on.
      const skipAttrs = end.hasAttrs ? /^\{[^}\n]*\}/.exec(view.state.sliceDoc(end.to, end.to + 300)) : null;
      const until = end.to + (skipAttrs?.[0].length ?? 0);
      view.dispatch({
        changes: { from: start, to: until, insert: e.directive },
        selection: { anchor: start + e.directive.length },
      });
    },
  };
}

/** The completion sources, given the desk's endpoints. */
export function desksCompletions(urls: { cite?: string; entities?: string }) {
  const getSources = cachedJson<{ sources?: SourceSuggestion[] }>();
  const getEntities = cachedJson<{ entities?: EntitySuggestion[] }>();

  async function cite(ctx: CompletionContext): Promise<CompletionResult | null> {
    const m = ctx.matchBefore(/:cite\[[^\]\n]*/);
    if (!m || !urls.cite) return null;
    // `:cite[a;b` completes the key after the last semicolon.
    const typed = m.text.slice(6);
    const segStart = m.from + 6 + typed.lastIndexOf(';') + 1;
    const seg = ctx.state.sliceDoc(segStart, ctx.pos);
    const data = await getSources(`${urls.cite}?q=${encodeURIComponent(seg.trim())}`);
    if (!data?.sources || ctx.aborted) return null;
    const from = segStart + (seg.length - seg.trimStart().length);
    return { from, options: data.sources.map(citeOption), filter: false };
  }

  async function entity(ctx: CompletionContext): Promise<CompletionResult | null> {
    const m = ctx.matchBefore(/:(person|place|event|org)\[[^\]\n]*/);
    if (!m || !urls.entities) return null;
    const name = /^:(\w+)\[/.exec(m.text)![1]!;
    const q = m.text.slice(name.length + 2).trim();
    if (!q && !ctx.explicit) return null;
    const data = await getEntities(`${urls.entities}?q=${encodeURIComponent(q)}`);
    if (!data?.entities || ctx.aborted) return null;
    const kind = KINDS[name];
    const same = data.entities.filter((e) => e.kind === kind || e.kind === name);
    const options = (same.length ? same : data.entities).map((e) => entityOption(e, m.from));
    return { from: m.from + name.length + 2, options, filter: false };
  }

  return [cite, entity];
}
