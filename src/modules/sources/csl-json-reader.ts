import { IMPORT_LIMITS, unreadable } from './bibliography-scan.ts';
import type { ParsedEntry } from './bibliography-types.ts';
import type { CslItem } from './sources.types.ts';

/** Parses a CSL-JSON text; BIBLIOGRAPHY_UNREADABLE naming the line and column of the first mistake. */
export function parseJsonText(text: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (err) {
    const at = jsonErrorAt(body);
    const { line, column } = lineAndColumn(body, at.index);
    const message = `The CSL-JSON is broken at line ${line}, column ${column}: ${at.problem}. Nothing was imported.`;
    throw unreadable(`CSL-JSON: ${err instanceof Error ? err.message : String(err)}`, message);
  }
}

/** The entries of parsed CSL-JSON (an array of items, or one item). */
export function cslJsonEntries(data: unknown): ParsedEntry[] {
  const list = Array.isArray(data) ? data : [data];
  return list.map((entry, i) => {
    const label = `item ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return { label, error: 'Not a CSL-JSON item (an object with type and title).' };
    const item = entry as CslItem;
    const id = typeof item.id === 'string' || typeof item.id === 'number' ? String(item.id) : undefined;
    if (JSON.stringify(item).length > IMPORT_LIMITS.entryChars) return { label, error: 'The item is too long.' };
    return { label: id ? `item ${i + 1} (${id})` : label, item, fileKey: id };
  });
}

function lineAndColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: index - lastBreak };
}

/**
 * Where JSON.parse gave up, and why in words: V8 names no position for some mistakes (a trailing comma), so
 * the text is walked again by a small checker, a loop with a stack so that deep nesting cannot overflow.
 */
export function jsonErrorAt(text: string): { index: number; problem: string } {
  let i = 0;
  const stack: string[] = [];
  // What may come next: a value, a value or "]" (after "["), a key or "}" (after "{"), a key, or what follows a value.
  let expect: 'value' | 'value-or-close' | 'key-or-close' | 'key' | 'after' = 'value';
  const fail = (problem: string) => ({ index: i, problem });
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    const c = text[i];
    if (c === undefined)
      return fail(stack.length === 0 && expect === 'after' ? 'unknown' : 'the text ends before the data is closed');
    if (expect === 'after') {
      if (stack.length === 0) return fail('there is more text after the end of the data');
      if (c === ',') {
        const comma = i;
        i++;
        expect = stack[stack.length - 1] === '{' ? 'key' : 'value';
        while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
        const closer = text[i];
        if (closer === ']' || closer === '}') {
          i = comma;
          return fail(`a comma before “${closer}” (trailing commas are not allowed)`);
        }
      } else if (c === (stack[stack.length - 1] === '{' ? '}' : ']')) {
        stack.pop();
        i++;
      } else return fail(`“${c}” where a comma or a closing bracket should be`);
      continue;
    }
    if ((expect === 'value-or-close' && c === ']') || (expect === 'key-or-close' && c === '}')) {
      stack.pop();
      i++;
      expect = 'after';
      continue;
    }
    if (expect === 'key' || expect === 'key-or-close') {
      if (c !== '"') return fail('a property name must be in double quotes');
      const end = stringEnd(text, i);
      if (typeof end === 'string') return fail(end);
      i = end;
      while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
      if (text[i] !== ':') return fail('a “:” should follow the property name');
      i++;
      expect = 'value';
      continue;
    }
    if (c === '[' || c === '{') {
      stack.push(c);
      i++;
      expect = c === '[' ? 'value-or-close' : 'key-or-close';
      continue;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (typeof end === 'string') return fail(end);
      i = end;
    } else {
      const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
      if (!lit) return fail(`“${c}” cannot start a value`);
      i += lit[0].length;
    }
    expect = 'after';
  }
}

/** The index after the string starting at `from`, or what is wrong with it. */
function stringEnd(text: string, from: number): number | string {
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
    else if (text[i]! < ' ') return 'a line break or control character inside a string';
  }
  return 'a string is never closed';
}
