import { StringDecoder } from 'node:string_decoder';
import { jsonParser } from 'stream-json/core/parser.js';
import { AppError } from '../shared/errors.ts';
import { type JsonSchema, type Shape, shapeChild, shapeItems, shapeOf, shapeTakes, stringLimit } from './json-shape.ts';

/**
 * Reads an Annalist JSON export as a stream (stream-json's tokenizer, fed chunk by chunk): the top-level values
 * one by one, and each collection item by item, so a file of any length is never held whole. Every top-level
 * key is announced before its value is read (an unknown or misplaced key is refused before anything is built);
 * each value is read against its schema as it arrives, so a string stops at its maxLength, a list or object
 * where the schema wants neither is refused at its first bracket, and one item may hold at most ITEM_BUDGET
 * values and characters. Nesting is bounded (MAX_DEPTH), keys may not repeat, and every fault names the JSON
 * path where it was found.
 */

/** Deeper than any export needs (a CSL date inside a source is 8 levels): a nesting bomb stops here. */
export const MAX_DEPTH = 20;

/**
 * What one item (or one top-level value) may hold: far more than any site writes (a post with a thousand
 * revisions of a long article), and little enough that memory stays bounded whatever the file. Strings the
 * schema marks as base64 (media bytes) are bounded by their own maxLength instead of `chars`.
 */
export const ITEM_BUDGET = {
  /** Values of any kind (strings, numbers, lists, objects, keys…). */
  values: 250_000,
  /** Characters of text, keys included. */
  chars: 32_000_000,
  /** Characters of one key. */
  key: 1000,
  /** Characters of one number as written. */
  number: 40,
} as const;

export type ExportEvent =
  | { type: 'key'; key: string }
  | { type: 'value'; key: string; value: unknown }
  | { type: 'item'; collection: string; index: number; value: unknown }
  | { type: 'collection-end'; collection: string; count: number };

type Token = { name: string; value?: unknown };
type Path = (string | number)[];

export const pathOf = (path: Path): string =>
  `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('')}`;

export function malformed(path: Path, what: string): AppError {
  return new AppError('IMPORT_JSON_MALFORMED', `${pathOf(path)}: ${what}.`);
}

function invalidAt(path: Path, what: string): AppError {
  return new AppError('IMPORT_JSON_INVALID', `${pathOf(path)}: ${what}.`);
}

/** stream-json's end-of-input marker (stream-chain's `none`, a registered symbol). */
const END_OF_INPUT = Symbol.for('object-stream.none');

/**
 * The file as tokens, one chunk of input at a time: the tokenizer runs synchronously on each chunk, so memory
 * holds one chunk's tokens, never the file. Strings, keys and numbers come in pieces (`stringChunk`…).
 */
class Tokens {
  private readonly tokenize = jsonParser({ packValues: false, streamValues: true });
  private readonly decoder = new StringDecoder('utf8');
  private readonly source: AsyncIterator<string | Buffer>;
  private queue: Token[] = [];
  private at = 0;
  private ended = false;
  private started = false;

  constructor(text: AsyncIterable<string | Buffer>) {
    this.source = text[Symbol.asyncIterator]();
  }

  /** Stops reading (the file is closed) when the import stops early. */
  close(): void {
    void this.source.return?.();
  }

  /** The next token when one is waiting (no await needed), else undefined. */
  ready(): Token | undefined {
    return this.at < this.queue.length ? this.queue[this.at++] : undefined;
  }

  async next(path: Path): Promise<Token> {
    for (;;) {
      const t = this.ready();
      if (t) return t;
      if (this.ended) throw malformed(path, 'the file ends here, in the middle of the document: it is truncated');
      await this.fill(path);
    }
  }

  private async fill(path: Path): Promise<void> {
    const step = await this.source.next();
    const inputs: unknown[] = [];
    if (step.done) {
      this.ended = true;
      const rest = this.decoder.end();
      if (rest) inputs.push(rest);
      inputs.push(END_OF_INPUT);
    } else {
      let text = typeof step.value === 'string' ? step.value : this.decoder.write(step.value);
      // A byte-order mark some editors add when saving is not part of the document.
      if (!this.started && text) {
        this.started = true;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (text) inputs.push(text);
    }
    const tokens: Token[] = [];
    for (const input of inputs) {
      let out: unknown;
      try {
        out = (this.tokenize as (x: unknown) => unknown)(input);
      } catch (err) {
        const why = String((err as Error).message ?? err).replace(/^Parser /, '');
        throw malformed(path, `the file is not well-formed JSON here (${why}): it is truncated or damaged`);
      }
      const values = (out as { values?: unknown } | null)?.values;
      if (Array.isArray(values)) for (const v of values) tokens.push(v as Token);
    }
    this.queue = tokens;
    this.at = 0;
  }

  /** After the document: only white space may follow. */
  async end(): Promise<void> {
    while (!this.ended) {
      if (this.ready()) throw malformed([], 'something follows the document');
      await this.fill([]);
    }
    if (this.ready()) throw malformed([], 'something follows the document');
  }
}

/** What is left of the current item's budget. */
interface Budget {
  values: number;
  chars: number;
}

const freshBudget = (): Budget => ({ values: ITEM_BUDGET.values, chars: ITEM_BUDGET.chars });

/** Builds values from tokens, against a shape (the candidate schemas at each place) and a budget. */
class Assembler {
  budget: Budget = freshBudget();
  constructor(private readonly tokens: Tokens) {}

  private async token(path: Path): Promise<Token> {
    return this.tokens.ready() ?? (await this.tokens.next(path));
  }

  private spend(path: Path): void {
    if (--this.budget.values < 0)
      throw invalidAt(
        path,
        `more than ${ITEM_BUDGET.values.toLocaleString('en')} values in one item, more than any export holds`,
      );
  }

  /**
   * The pieces of a string or key up to its end token, refused past `limit` characters (counted against the
   * budget unless `bytes`, base64 bounded by its own limit).
   */
  private async text(path: Path, end: string, limit: number, what: string, bytes = false): Promise<string> {
    const parts: string[] = [];
    let length = 0;
    for (;;) {
      const t = await this.token(path);
      if (t.name === end) return parts.length === 1 ? (parts[0] as string) : parts.join('');
      if (t.name !== 'stringChunk' && t.name !== 'numberChunk') throw malformed(path, `unexpected ${t.name}`);
      const piece = String(t.value);
      length += piece.length;
      if (length > limit) throw invalidAt(path, `${what} longer than ${limit.toLocaleString('en')} characters`);
      if (!bytes) {
        this.budget.chars -= piece.length;
        if (this.budget.chars < 0)
          throw invalidAt(
            path,
            `more than ${ITEM_BUDGET.chars.toLocaleString('en')} characters of text in one item, more than any export holds`,
          );
      }
      parts.push(piece);
    }
  }

  /** A key of an object: its text, bounded. */
  async key(path: Path): Promise<string> {
    this.spend(path);
    return this.text(path, 'endKey', ITEM_BUDGET.key, 'a key');
  }

  /** One whole JSON value starting at `first`; objects cannot be given a prototype by a key. */
  async value(first: Token, path: Path, depth: number, shape: Shape): Promise<unknown> {
    this.spend(path);
    switch (first.name) {
      case 'startString': {
        const { limit, base64 } = stringLimit(shape);
        return this.text(path, 'endString', limit, 'a text', base64);
      }
      case 'startNumber': {
        const written = await this.text(path, 'endNumber', ITEM_BUDGET.number, 'a number');
        const n = Number(written);
        if (!Number.isFinite(n)) throw malformed(path, 'a number too large to read');
        return n;
      }
      case 'trueValue':
        return true;
      case 'falseValue':
        return false;
      case 'nullValue':
        return null;
      case 'startArray':
      case 'startObject': {
        const kind = first.name === 'startArray' ? 'array' : 'object';
        // A list or object where the schema wants neither is refused before anything in it is read.
        const wanted = shapeTakes(shape, kind);
        if (wanted !== true) throw invalidAt(path, `expected ${wanted}`);
        if (depth >= MAX_DEPTH) throw malformed(path, `values nested more than ${MAX_DEPTH} levels deep`);
        return kind === 'array' ? this.array(path, depth + 1, shape) : this.object(path, depth + 1, shape);
      }
      default:
        throw malformed(path, `unexpected ${first.name}`);
    }
  }

  private async array(path: Path, depth: number, shape: Shape): Promise<unknown[]> {
    const out: unknown[] = [];
    const items = shapeItems(shape);
    for (;;) {
      const at = [...path, out.length];
      const t = await this.token(at);
      if (t.name === 'endArray') return out;
      out.push(await this.value(t, at, depth, items));
    }
  }

  private async object(path: Path, depth: number, shape: Shape): Promise<object> {
    const out: Record<string, unknown> = {};
    for (;;) {
      const t = await this.token(path);
      if (t.name === 'endObject') return out;
      if (t.name !== 'startKey') throw malformed(path, `unexpected ${t.name}`);
      const key = await this.key(path);
      const at = [...path, key];
      if (Object.hasOwn(out, key)) throw malformed(at, 'this key appears twice in one object');
      const child = shapeChild(shape, key);
      // A key the schema does not have is refused before its value is read.
      if (!child.free && child.schemas.length === 0) throw invalidAt(at, 'unexpected property');
      const value = await this.value(await this.token(at), at, depth, child);
      // defineProperty: a key named "__proto__" stays a plain key.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
}

export interface ExportDocumentSpec {
  /** Top-level keys whose arrays come item by item. */
  collections: ReadonlySet<string>;
  /** The schema of a top-level value, or of one item of a collection (undefined: anything, within the budget). */
  schemaOf(key: string): JsonSchema | undefined;
}

/**
 * The document's events in file order: each top-level key as soon as it is read (`key`: the caller refuses an
 * unknown or misplaced one before its value is read), then its value whole (`value`), except arrays under a name
 * in `collections`, which come item by item, then `collection-end`.
 */
export async function* readExportDocument(
  text: AsyncIterable<string | Buffer>,
  spec: ExportDocumentSpec,
): AsyncGenerator<ExportEvent> {
  const tokens = new Tokens(text);
  try {
    yield* events(tokens, spec);
  } finally {
    tokens.close();
  }
}

async function* events(tokens: Tokens, spec: ExportDocumentSpec): AsyncGenerator<ExportEvent> {
  const first = await tokens.next([]);
  if (first.name !== 'startObject') throw malformed([], 'an Annalist export is one JSON object');
  const assembler = new Assembler(tokens);
  const seen = new Set<string>();
  for (;;) {
    const t = await tokens.next([]);
    if (t.name === 'endObject') break;
    if (t.name !== 'startKey') throw malformed([], `unexpected ${t.name}`);
    assembler.budget = freshBudget();
    const key = await assembler.key([]);
    if (seen.has(key)) throw malformed([key], 'this key appears twice in the document');
    seen.add(key);
    yield { type: 'key', key };
    const shape = shapeOf(spec.schemaOf(key));
    const start = await tokens.next([key]);
    if (spec.collections.has(key) && start.name === 'startArray') {
      let index = 0;
      for (;;) {
        const item = await tokens.next([key, index]);
        if (item.name === 'endArray') break;
        assembler.budget = freshBudget();
        yield { type: 'item', collection: key, index, value: await assembler.value(item, [key, index], 2, shape) };
        index++;
      }
      yield { type: 'collection-end', collection: key, count: index };
    } else {
      assembler.budget = freshBudget();
      const listShape = spec.collections.has(key) ? shapeOf({ type: 'array' }) : shape;
      yield { type: 'value', key, value: await assembler.value(start, [key], 1, listShape) };
    }
  }
  await tokens.end();
}
