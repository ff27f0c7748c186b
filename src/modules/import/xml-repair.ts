import { cdataEndVerdict } from './xml-repair-cdata.ts';
import { mendReference } from './xml-repair-entities.ts';
import { type RepairKind, RepairLog } from './xml-repair-log.ts';

/**
 * `--repair`: a streaming stage in front of the strict parser that mends what real exports get wrong, and
 * nothing else, so a well-formed file passes through unchanged:
 * - a bare `&` (one that starts no reference) becomes `&amp;`;
 * - characters XML 1.0 does not allow (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates; a
 *   character reference to one of them) are dropped;
 * - an HTML entity XML does not know (`&nbsp;`, RSS text) becomes its character, any other becomes text;
 * - a bare `<` (`a < b`: one that starts no markup) becomes `&lt;`;
 * - a `]]>` inside CDATA that cannot be its end (WordPress's nested-CDATA bug) is split as WordPress's own
 *   exporter writes it (`]]]]><![CDATA[>`), so the text survives; a `]]>` in plain text becomes `]]&gt;`;
 * - text outside the root element (a stray character before `<?xml`) is dropped, an attribute value without
 *   quotes (`dsq:id=12/>`) is put in quotes.
 * Repairs never add or remove a line break, so line numbers stay those of the file. Chunks are processed as
 * they come; a token cut by a chunk's end is held back (a few characters, at most CDATA_LOOKAHEAD after a
 * `]]>`), so memory does not grow with the file. A DOCTYPE is never repaired: `refuseDoctype` throws.
 */

/** `outside`: before the root element opens or after it closes, where only markup and white space belong. */
type Mode = 'outside' | 'text' | 'tag' | 'cdata' | 'comment' | 'pi';

// C0 controls but tab, LF, CR; U+FFFE and U+FFFF; a surrogate that is not half of a pair.
const BAD_CHAR = String.raw`[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]`;
/** What each mode stops at; everything between passes through untouched. */
const NEXT: Record<Mode, RegExp> = {
  outside: /\S|[\v\f]/g,
  text: new RegExp(String.raw`[&<\]]|${BAD_CHAR}`, 'g'),
  tag: new RegExp(`[&>"'=]|${BAD_CHAR}`, 'g'),
  cdata: new RegExp(String.raw`\]\]>|${BAD_CHAR}`, 'g'),
  comment: new RegExp(`-->|${BAD_CHAR}`, 'g'),
  pi: new RegExp(String.raw`\?>|${BAD_CHAR}`, 'g'),
};
/** Characters held back at a chunk's end when nothing matched: a terminator may be cut in two. */
const KEEP: Record<Mode, number> = { outside: 0, text: 0, tag: 0, cdata: 2, comment: 2, pi: 1 };

const TAG_NAME = /<(\/?)([^\s/>]*)/y;
/** What may follow "<" in markup: a name's first character (XML allows most letters past U+00BF). */
const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const REFERENCE = /&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);/y;
const MAYBE_REFERENCE = /^&#?x?[\w.:-]*$/;
const BARE_AMPERSAND = /&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_:][\w.:-]*;)/g;
const UNQUOTED_VALUE = /[^\s>"'<=`]+/y;

/** A replacement whose length differs from what it replaced, on one line: to map the parser's columns back. */
interface Shift {
  outStart: number;
  outEnd: number;
  origStart: number;
  /** Output column minus original column after it. */
  deltaAfter: number;
}

export class XmlRepair {
  readonly log = new RepairLog();
  private mode: Mode = 'outside';
  /** Names of the open elements (as written), and the tag being read: its name, whether it is an end tag. */
  private readonly elements: string[] = [];
  private tag = { name: '', end: false };
  private quote = '';
  /** Stray text outside the root ran to the end of the last chunk: its rest is not reported again. */
  private strayGoesOn = false;
  /** The character just before the chunk (to tell `<x/>` when a chunk starts with its `>`). */
  private before = '';
  private carry = '';
  /** Line and column (from 1) of the first character of `carry`. */
  private line = 1;
  private column = 1;
  /** Where the open CDATA section, comment, processing instruction or tag began: line, or index in the chunk. */
  private sectionLine = 0;
  private sectionAt = -1;
  /** Per output line, its length-changing repairs (only the lines the parser may still report on). */
  private readonly shifts = new Map<number, Shift[]>();
  private shiftLine = 0;
  private lineDelta = 0;
  // The chunk being processed: its text, the start of the part not yet copied out, and a known position.
  private s = '';
  private from = 0;
  private out: string[] = [];
  /** A known position in the chunk, and the index of the first line break after it (-1: none; -2: not looked). */
  private at = { index: 0, line: 1, column: 1, nextBreak: -2 };

  constructor(private readonly refuseDoctype: (line: number) => never) {}

  /** Returns the repaired text of `chunk` (less what is held back); `final` for the end of the file. */
  feed(chunk: string, final: boolean): string {
    this.s = this.carry + chunk;
    this.from = 0;
    this.out = [];
    this.at = { index: 0, line: this.line, column: this.column, nextBreak: -2 };
    let i = 0;
    for (;;) {
      const re = NEXT[this.mode];
      re.lastIndex = i;
      const m = re.exec(this.s);
      if (!m) {
        i = final ? this.s.length : Math.max(i, this.s.length - KEEP[this.mode]);
        break;
      }
      const next = this.step(m.index, m[0], final);
      if (next < 0) {
        i = m.index;
        break;
      }
      i = next;
    }
    this.out.push(this.s.slice(this.from, i));
    this.settleSection();
    const pos = this.position(i);
    if (i > 0) this.before = this.s[i - 1] as string;
    this.carry = this.s.slice(i);
    this.line = pos.line;
    this.column = pos.column;
    this.s = '';
    return this.out.join('');
  }

  /** What is still open at the end of the file, for the "cut short" refusal. */
  openSection(): { what: string; line: number } | undefined {
    const what = { cdata: 'a CDATA section', comment: 'a comment', pi: 'a processing instruction', tag: 'a tag' };
    if (this.mode === 'text' || this.mode === 'outside') return undefined;
    return { what: what[this.mode], line: this.sectionLine };
  }

  /** The file's column for a column the parser reports on a line of the repaired text. */
  originalColumn(line: number, column: number): number {
    const list = this.shifts.get(line) ?? [];
    for (let k = list.length - 1; k >= 0; k--) {
      const s = list[k] as Shift;
      if (s.outStart > column) continue;
      return column < s.outEnd ? s.origStart : column - s.deltaAfter;
    }
    return column;
  }

  /** Forgets the column shifts of lines before `line` (the parser has read past them). */
  forgetBefore(line: number): void {
    for (const l of this.shifts.keys()) if (l < line) this.shifts.delete(l);
  }

  /** Handles the token at `k`; returns where to go on, or -1 to stop there until more text comes. */
  private step(k: number, token: string, final: boolean): number {
    const s = this.s;
    const code = token.charCodeAt(0);
    if (token.length === 1 && (code < 0x20 || code >= 0xd800)) {
      // A high surrogate at the very end may be half of a pair cut by the chunk's end.
      if (!final && k === s.length - 1 && code >= 0xd800 && code <= 0xdbff) return -1;
      const hex = code.toString(16).toUpperCase().padStart(4, '0');
      return this.fix(k, 1, '', 'disallowed-character', `character U+${hex} dropped`);
    }
    if (this.mode === 'outside' && token !== '<') return this.stray(k);
    this.strayGoesOn = false;
    if (this.mode === 'cdata') return this.cdataEnd(k, final);
    if (this.mode === 'comment' || this.mode === 'pi') {
      this.leaveSection();
      return k + token.length;
    }
    if (token === '&') return this.reference(k, final);
    if (this.mode === 'tag') return token === '=' ? this.attributeValue(k, final) : this.inTag(k, token);
    if (token === ']') {
      if (s.startsWith(']]>', k))
        return this.fix(k, 3, ']]&gt;', 'stray-cdata-end', '"]]>" outside a CDATA section written as "]]&gt;"');
      return !final && s.length - k < 3 && ']]>'.startsWith(s.slice(k)) ? -1 : k + 1;
    }
    return this.markup(k, final);
  }

  /** A `<` in text: which kind of markup starts here. */
  private markup(k: number, final: boolean): number {
    const s = this.s;
    const c = s[k + 1];
    if (c === undefined && !final) return -1;
    if (c === '?') return this.enter('pi', k, 2);
    if (c === '!') {
      if (s.startsWith('<![CDATA[', k)) return this.enter('cdata', k, 9);
      if (s.startsWith('<!--', k)) return this.enter('comment', k, 4);
      if (/^<!doctype/i.test(s.slice(k, k + 9))) this.refuseDoctype(this.position(k).line);
      if (!final && s.length - k < 9) return -1;
    }
    // `a < b` in text: a "<" that starts no markup (a name cannot start with a space, a digit, "=" …).
    if (c !== undefined && c !== '/' && !NAME_START.test(c))
      return this.fix(k, 1, '&lt;', 'bare-less-than', 'bare "<" written as "&lt;"');
    // The element's name, to know which element a CDATA section is in; a name cut by the chunk's end waits.
    TAG_NAME.lastIndex = k;
    const name = TAG_NAME.exec(s);
    if (!final && name && TAG_NAME.lastIndex === s.length) return -1;
    this.tag = { name: name?.[2] ?? '', end: name?.[1] === '/' };
    this.quote = '';
    return this.enter('tag', k, 1);
  }

  /** Back to the text of the element the section was in, or outside the root. */
  private leaveSection(): void {
    this.mode = this.elements.length > 0 ? 'text' : 'outside';
  }

  /** Text before the root element or after it (a stray character before `<?xml`): dropped, its line breaks kept. */
  private stray(k: number): number {
    const lt = this.s.indexOf('<', k);
    const end = lt < 0 ? this.s.length : lt;
    const text = this.s.slice(k, end);
    const seen = this.strayGoesOn && k === 0;
    this.strayGoesOn = lt < 0;
    const what = `text outside the root element dropped: ${JSON.stringify(text.trim().slice(0, 20))}`;
    if (seen) {
      this.out.push(this.s.slice(this.from, k), text.replace(/[^\n]/g, ''));
      this.from = end;
      return end;
    }
    return this.fix(k, text.length, text.replace(/[^\n]/g, ''), 'stray-text', what);
  }

  /** After `=` in a tag: a value without quotes (HTML's way, or a hand edit) is put in quotes. */
  private attributeValue(k: number, final: boolean): number {
    if (this.quote !== '') return k + 1;
    const s = this.s;
    let j = k + 1;
    while (j < s.length && /\s/.test(s[j] as string)) j++;
    if (j === s.length) return final ? j : -1;
    UNQUOTED_VALUE.lastIndex = j;
    const m = UNQUOTED_VALUE.exec(s);
    if (!m) return j;
    if (!final && UNQUOTED_VALUE.lastIndex === s.length) return -1;
    // `id=12/>`: the slash closes the element, it is not part of the value.
    const value = m[0].endsWith('/') && s[j + m[0].length] === '>' ? m[0].slice(0, -1) : m[0];
    const quoted = `"${value.replace(BARE_AMPERSAND, '&amp;')}"`;
    return this.fix(
      j,
      value.length,
      quoted,
      'unquoted-attribute',
      `attribute value ${value.slice(0, 40)} put in quotes`,
    );
  }

  /** Enters a section opened at `k` (its line is worked out only if the chunk ends inside it). */
  private enter(mode: Mode, k: number, length: number): number {
    this.mode = mode;
    this.sectionAt = k;
    return k + length;
  }

  private inTag(k: number, token: string): number {
    if (token === '>') {
      if (this.quote !== '') return k + 1;
      const selfClosing = (k > 0 ? this.s[k - 1] : this.before) === '/';
      if (this.tag.end) this.elements.pop();
      else if (!selfClosing && /^[A-Za-z_:]/.test(this.tag.name)) this.elements.push(this.tag.name);
      this.leaveSection();
    } else if (this.quote === '') this.quote = token;
    else if (this.quote === token) this.quote = '';
    return k + 1;
  }

  /** An `&` in text or in a tag: kept when it starts a reference XML knows, mended otherwise. */
  private reference(k: number, final: boolean): number {
    const s = this.s;
    REFERENCE.lastIndex = k;
    const m = REFERENCE.exec(s);
    if (!m) {
      // Could still become a reference once the next chunk comes: hold it back.
      if (!final && s.length - k < 64 && MAYBE_REFERENCE.test(s.slice(k))) return -1;
      return this.fix(k, 1, '&amp;', 'bare-ampersand', 'bare "&" written as "&amp;"');
    }
    const [whole, name = ''] = m;
    const mend = mendReference(whole, name);
    if (!mend) return k + whole.length;
    return this.fix(k, whole.length, mend.replacement, mend.kind, mend.what);
  }

  /** A `]]>` inside CDATA: its end, or text that ended it too early (xml-repair-cdata.ts says which). */
  private cdataEnd(k: number, final: boolean): number {
    const verdict = cdataEndVerdict(this.s, k + 3, this.elements.at(-1), final);
    if (verdict === 'more') return -1;
    if (verdict === 'end') {
      this.leaveSection();
      return k + 3;
    }
    return this.fix(k, 3, ']]]]><![CDATA[>', 'nested-cdata', '"]]>" inside a CDATA section kept as text');
  }

  /** Replaces `length` characters at `k`, notes the repair with the file's line and column, and goes on after. */
  private fix(k: number, length: number, replacement: string, kind: RepairKind, what: string): number {
    this.out.push(this.s.slice(this.from, k), replacement);
    this.from = k + length;
    this.settleSection();
    const { line, column } = this.position(k);
    this.log.note(kind, line, column, what);
    const delta = replacement.length - length;
    if (line !== this.shiftLine) {
      this.shiftLine = line;
      this.lineDelta = 0;
    }
    const outStart = column + this.lineDelta;
    this.lineDelta += delta;
    const list = this.shifts.get(line) ?? [];
    // Past a few thousand repairs on one line the columns of later faults on it are approximate.
    if (list.length < 4096)
      list.push({ outStart, outEnd: outStart + replacement.length, origStart: column, deltaAfter: this.lineDelta });
    this.shifts.set(line, list);
    return k + length;
  }

  /** Works out the line of the open section before positions move past its start. */
  private settleSection(): void {
    if (this.mode !== 'text' && this.mode !== 'outside' && this.sectionAt >= 0)
      this.sectionLine = this.position(this.sectionAt).line;
    this.sectionAt = -1;
  }

  /**
   * Line and column of index `k` of the chunk (never before the last one asked: positions only move on). The
   * next line break is remembered, so thousands of repairs on one long line do not search it again each time.
   */
  private position(k: number): { line: number; column: number } {
    const s = this.s;
    const at = this.at;
    if (at.nextBreak < at.index && at.nextBreak !== -1) at.nextBreak = s.indexOf('\n', at.index);
    if (at.nextBreak === -1 || at.nextBreak >= k) at.column += k - at.index;
    else {
      let last = at.nextBreak;
      while (at.nextBreak !== -1 && at.nextBreak < k) {
        at.line++;
        last = at.nextBreak;
        at.nextBreak = s.indexOf('\n', at.nextBreak + 1);
      }
      at.column = k - last;
    }
    at.index = k;
    return { line: at.line, column: at.column };
  }
}
