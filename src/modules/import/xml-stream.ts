import { SaxesParser, type SaxesTagNS } from 'saxes';
import { AppError, isAppError } from '../shared/errors.ts';
import { AmpersandCheck } from './ampersand-check.ts';
import { XmlRepair } from './xml-repair.ts';
import type { RepairLog } from './xml-repair-log.ts';

/**
 * The strict XML reading every XML import shares (WordPress's WXR, Disqus): saxes, namespace-aware, with
 * positions; a DOCTYPE refused as soon as it is seen (entity-expansion bombs and external entities live there,
 * and no export has one); a bare `&` found where it is, not far away; any other fault refused with its line
 * and column, and a file that ends inside an element said to be cut short. Chunks go in as they are read; the
 * handlers see elements as they open and close. With `repair`, each chunk goes through XmlRepair first
 * (xml-repair.ts: what it mends, never a DOCTYPE) and `repairs` lists what it did.
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
  private readonly repair: XmlRepair | undefined;
  /** The open elements, outermost first, with the line each opened on (for the "cut short" refusal). */
  private readonly open: { name: string; line: number }[] = [];

  /** `exportName` completes the DOCTYPE refusal: "…which <exportName> never has." */
  constructor(handlers: XmlHandlers, exportName: string, opts: { repair?: boolean } = {}) {
    const p = this.parser;
    const refuseDoctype = (line: number): never => {
      throw new AppError('IMPORT_REFUSED', `The file declares a DOCTYPE, which ${exportName} never has.`, {
        detail: `line ${line}`,
      });
    };
    this.repair = opts.repair ? new XmlRepair(refuseDoctype) : undefined;
    p.on('doctype', () => refuseDoctype(p.line));
    p.on('opentag', (tag) => {
      this.open.push({ name: tag.name, line: p.line });
      handlers.openTag(tag as SaxesTagNS);
    });
    p.on('closetag', (tag) => {
      this.open.pop();
      handlers.closeTag(tag as SaxesTagNS);
    });
    p.on('text', (t) => handlers.text(t));
    p.on('cdata', (t) => handlers.text(t));
  }

  /** What --repair changed so far (undefined without it). */
  get repairs(): RepairLog | undefined {
    return this.repair?.log;
  }

  write(chunk: string): void {
    if (this.repair) {
      const text = this.repair.feed(chunk, false);
      this.guard(() => this.parser.write(text));
      this.repair.forgetBefore(this.parser.line);
      return;
    }
    this.checkAmpersands(chunk, false);
    this.guard(() => this.parser.write(chunk));
  }

  close(): void {
    if (this.repair) {
      const text = this.repair.feed('', true);
      this.guard(() => this.parser.write(text));
    } else this.checkAmpersands('', true);
    this.refuseCutShort();
    this.guard(() => this.parser.close());
  }

  private checkAmpersands(chunk: string, final: boolean): void {
    const at = this.ampersands.feed(chunk, final);
    if (at) throw xmlMalformed(at.line, at.column, 'a bare "&" (write it as &amp;)');
  }

  /** At the end of the file, an element still open means the file was cut short (or its end tag is missing). */
  private refuseCutShort(): void {
    const inner = this.open.at(-1);
    if (!inner) return;
    const section = this.repair?.openSection();
    const where = section ? `${section.what} (from line ${section.line}) in ` : '';
    // The elements around it, outermost first (a few: the path to an item is short).
    const around = this.open.slice(0, -1).map((e) => e.name);
    const outer = around.length > 0 ? `, in ${around.length > 4 ? '… > ' : ''}${around.slice(-4).join(' > ')}` : '';
    throw xmlMalformed(
      this.parser.line,
      this.parser.column + 1,
      `the file ends inside ${where}<${inner.name}> (opened at line ${inner.line}${outer}); it may be cut short`,
    );
  }

  /** Errors of our own (a refusal from a handler) pass; the parser's become IMPORT_MALFORMED with the position. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (isAppError(err)) throw err;
      const message = (err as Error).message.replace(/^(?:[^:]*:)?\d+:\d+: /, '');
      // Repairs keep every line where it was; only columns on a repaired line move, and are moved back.
      const line = this.parser.line;
      const column = this.parser.column + 1;
      throw xmlMalformed(line, this.repair?.originalColumn(line, column) ?? column, message.replace(/\.$/, ''));
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

/** Whether --repair could help with a refusal: a fault in the text, not a file cut short. */
export function repairMayHelp(err: AppError): boolean {
  return err.code === 'IMPORT_MALFORMED' && !/it may be cut short\.$/.test(err.publicMessage);
}

/** The value of an attribute matched by namespace URI and local name (never by prefix). */
export function attributeNs(tag: SaxesTagNS, uri: string, local: string): string | undefined {
  for (const a of Object.values(tag.attributes)) if (a.uri === uri && a.local === local) return a.value;
  return undefined;
}
