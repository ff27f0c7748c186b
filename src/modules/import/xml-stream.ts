import { SaxesParser, type SaxesTagNS } from 'saxes';
import { AppError, isAppError } from '../shared/errors.ts';
import { AmpersandCheck } from './ampersand-check.ts';

/**
 * The strict XML reading every XML import shares (WordPress's WXR, Disqus): saxes, namespace-aware, with
 * positions; a DOCTYPE refused as soon as it is seen (entity-expansion bombs and external entities live there,
 * and no export has one); a bare `&` found where it is, not far away; any other fault refused with its line
 * and column. Chunks go in as they are read; the handlers see elements as they open and close.
 */
export interface XmlHandlers {
  openTag(tag: SaxesTagNS): void;
  closeTag(tag: SaxesTagNS): void;
  /** Character data, CDATA included, in pieces. */
  text(t: string): void;
}

export class StrictXmlStream {
  private readonly parser = new SaxesParser({ xmlns: true, position: true });
  private readonly ampersands = new AmpersandCheck();

  /** `exportName` completes the DOCTYPE refusal: "…which <exportName> never has." */
  constructor(handlers: XmlHandlers, exportName: string) {
    const p = this.parser;
    p.on('doctype', () => {
      throw new AppError('IMPORT_REFUSED', `The file declares a DOCTYPE, which ${exportName} never has.`, {
        detail: `line ${p.line}`,
      });
    });
    p.on('opentag', (tag) => handlers.openTag(tag as SaxesTagNS));
    p.on('closetag', (tag) => handlers.closeTag(tag as SaxesTagNS));
    p.on('text', (t) => handlers.text(t));
    p.on('cdata', (t) => handlers.text(t));
  }

  write(chunk: string): void {
    this.checkAmpersands(chunk, false);
    this.guard(() => this.parser.write(chunk));
  }

  close(): void {
    this.checkAmpersands('', true);
    this.guard(() => this.parser.close());
  }

  private checkAmpersands(chunk: string, final: boolean): void {
    const at = this.ampersands.feed(chunk, final);
    if (at) throw xmlMalformed(at.line, at.column, 'a bare "&" (write it as &amp;)');
  }

  /** Errors of our own (a refusal from a handler) pass; the parser's become IMPORT_MALFORMED with the position. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (isAppError(err)) throw err;
      const message = (err as Error).message.replace(/^(?:[^:]*:)?\d+:\d+: /, '');
      throw xmlMalformed(this.parser.line, this.parser.column + 1, message.replace(/\.$/, ''));
    }
  }
}

/** Line and column count from 1, as editors show them. */
export function xmlMalformed(line: number, column: number, what: string): AppError {
  return new AppError(
    'IMPORT_MALFORMED',
    `The file is not well-formed XML at line ${line}, column ${column}: ${what}.`,
    {
      detail: `${line}:${column}`,
    },
  );
}

/** The value of an attribute matched by namespace URI and local name (never by prefix). */
export function attributeNs(tag: SaxesTagNS, uri: string, local: string): string | undefined {
  for (const a of Object.values(tag.attributes)) if (a.uri === uri && a.local === local) return a.value;
  return undefined;
}
