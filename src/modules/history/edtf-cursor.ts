/** A position in the EDTF text being read, and the one way a reading fails: at a character, with a message. */

/** Thrown inside the parser only; `parseHistoricalDate` turns it into an `EdtfError` value. */
export class EdtfSyntaxError extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

export class Cursor {
  /** 0-based index of the next character. */
  pos = 0;

  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  /** The character `offset` places ahead ('' past the end). */
  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  /** Consumes `s` when the text continues with it. */
  eat(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  /** Fails at a 0-based index (the next character by default): "Character 6: …". */
  fail(message: string, at = this.pos): never {
    throw new EdtfSyntaxError(at + 1, `Character ${at + 1}: ${message}`);
  }
}

/** Why a character cannot stand where a digit was expected, in words a writer can act on. */
export function notADigit(ch: string): string | undefined {
  if (ch === 'x' || ch === 'u' || ch === 'U') return 'write an unknown digit as a capital X (193X)';
  if (/\s/.test(ch)) return 'an EDTF date has no spaces';
  return undefined;
}
