/**
 * Whether a `]]>` inside a CDATA section ends it. Old WordPress exports wrote post content into CDATA as it
 * was, so a `]]>` in the text (`if (a[b[0]]> 1)` in a code sample, a nested `<![CDATA[ … ]]>`) ended the
 * section early and left the rest of the post as broken XML. The test: read what follows as if the section
 * ended there. In a well-formed file that reading is well-formed up to the end tag of the element holding the
 * section, so the `]]>` ends it and nothing is changed. Otherwise (the section's real `]]>` shows up as text, an
 * end tag that closes nothing open, a start tag that is not XML, a `<` that starts no markup) the `]]>` was text.
 */

export type CdataVerdict = 'end' | 'text' | 'more';

/** How far past a `]]>` the reading goes before it takes the `]]>` as the end (a post's body fits easily). */
export const CDATA_LOOKAHEAD = 1024 * 1024;

const END_TAG = /<\/([^\s/>]+)\s*>/y;
const START_TAG = /^<([A-Za-z_:][\w.:-]*)(?:\s+[A-Za-z_:][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*(\/?)>$/;

/**
 * `s` from `p` is what follows the `]]>`; `enclosing` is the element the section is in (its name as written).
 * 'more': what follows is cut by the end of the chunk, ask again with more text.
 */
export function cdataEndVerdict(s: string, p: number, enclosing: string | undefined, final: boolean): CdataVerdict {
  const open: string[] = [];
  const limit = p + CDATA_LOOKAHEAD;
  // Out of text before a verdict: at the end of the file, or this far in, the `]]>` ends the section.
  const outOfText: CdataVerdict = final || s.length > limit ? 'end' : 'more';
  while (p < s.length) {
    if (p > limit) return 'end';
    const lt = s.indexOf('<', p);
    // A "]]>" in the text before that "<" (searched backwards from it, so the search stops at the gap's start).
    const close = lt < 0 ? s.indexOf(']]>', p) : s.lastIndexOf(']]>', lt - 1);
    if (close >= p) return 'text';
    if (lt < 0) return outOfText;
    const rest = s.length - lt;
    if (!final && rest < 9 && ('<![CDATA['.startsWith(s.slice(lt)) || '<!--'.startsWith(s.slice(lt)))) return 'more';
    const skipped = skipSection(s, lt);
    if (skipped === -1) return outOfText;
    if (skipped > 0) {
      p = skipped;
      continue;
    }
    const tagEnd = endOfTag(s, lt);
    if (tagEnd < 0) return outOfText;
    END_TAG.lastIndex = lt;
    const end = END_TAG.exec(s);
    if (end && END_TAG.lastIndex === tagEnd + 1) {
      const name = end[1];
      if (open.length > 0) {
        if (open.pop() !== name) return 'text';
      } else return name === enclosing ? 'end' : 'text';
    } else {
      const start = START_TAG.exec(s.slice(lt, tagEnd + 1));
      if (!start) return 'text';
      if (start[2] !== '/') open.push(start[1] as string);
    }
    p = tagEnd + 1;
  }
  return outOfText;
}

/** After a CDATA section, comment or processing instruction at `lt`: its end; 0 for none there; -1 if cut. */
function skipSection(s: string, lt: number): number {
  const kinds: [string, string][] = [
    ['<![CDATA[', ']]>'],
    ['<!--', '-->'],
    ['<?', '?>'],
  ];
  for (const [open, close] of kinds) {
    if (!s.startsWith(open, lt)) continue;
    const at = s.indexOf(close, lt + open.length);
    return at < 0 ? -1 : at + close.length;
  }
  return 0;
}

/** The index of the `>` that ends the tag at `lt` (a `>` inside a quoted value does not), or -1 if cut. */
function endOfTag(s: string, lt: number): number {
  let quote = '';
  const re = /["'>]/g;
  re.lastIndex = lt + 1;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const c = m[0];
    if (quote === '') {
      if (c === '>') return m.index;
      quote = c;
    } else if (c === quote) quote = '';
  }
  return -1;
}
