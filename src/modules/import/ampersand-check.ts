/**
 * Finds a bare `&` (one that starts no character or entity reference) where XML allows only references:
 * outside CDATA sections, comments and processing instructions. It is the commonest fault of hand-edited and
 * plugin-made exports, and saxes, reading an entity name up to the next `;`, reports it far away (often at
 * the end of the file, as an unclosed tag). Fed the same chunks as the parser, it keeps a few characters back
 * where the answer depends on what comes next.
 */
export class AmpersandCheck {
  private mode: 'text' | 'cdata' | 'comment' | 'pi' = 'text';
  private carry = '';
  /** Position (line from 1, column from 1) of the first character of `carry`. */
  private line = 1;
  private column = 1;

  /** Returns the line and column of the first bare `&`, or undefined; `final` for the last chunk. */
  feed(chunk: string, final = false): { line: number; column: number } | undefined {
    const s = this.carry + chunk;
    let i = 0;
    let at = { line: this.line, column: this.column };
    const advance = (to: number) => {
      for (let k = i; k < to; k++) {
        if (s.charCodeAt(k) === 10) at = { line: at.line + 1, column: 1 };
        else at.column++;
      }
      i = to;
    };
    while (i < s.length) {
      if (this.mode !== 'text') {
        const end = this.mode === 'cdata' ? ']]>' : this.mode === 'comment' ? '-->' : '?>';
        const found = s.indexOf(end, i);
        if (found < 0) {
          advance(Math.max(i, s.length - end.length + 1));
          break;
        }
        advance(found + end.length);
        this.mode = 'text';
        continue;
      }
      const next = nextSpecial(s, i);
      if (next < 0) {
        advance(s.length);
        break;
      }
      advance(next);
      const rest = s.length - i;
      if (s[i] === '<') {
        if (s.startsWith('<![CDATA[', i)) this.mode = 'cdata';
        else if (s.startsWith('<!--', i)) this.mode = 'comment';
        else if (s.startsWith('<?', i)) this.mode = 'pi';
        else if (rest < 9 && !final) break;
        advance(i + (this.mode === 'cdata' ? 9 : this.mode === 'comment' ? 4 : this.mode === 'pi' ? 2 : 1));
        continue;
      }
      REFERENCE.lastIndex = i;
      const ref = REFERENCE.exec(s);
      if (ref) {
        advance(i + ref[0].length);
        continue;
      }
      // Could still become a reference once the next chunk comes: keep it back.
      if (!final && rest < 64 && /^&#?x?[\w.:-]*$/.test(s.slice(i))) break;
      return at;
    }
    this.carry = s.slice(i);
    this.line = at.line;
    this.column = at.column;
    return undefined;
  }
}

const REFERENCE = /&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);/y;

function nextSpecial(s: string, from: number): number {
  const a = s.indexOf('&', from);
  const l = s.indexOf('<', from);
  if (a < 0) return l;
  if (l < 0) return a;
  return Math.min(a, l);
}
