import type { SaxesTagNS } from 'saxes';
import { AppError } from '../shared/errors.ts';
import type { RepairLog } from './xml-repair-log.ts';
import { attributeNs, StrictXmlStream } from './xml-stream.ts';

/**
 * A streaming reader of Disqus's XML export (Admin → Moderation → Export): `<disqus xmlns="http://disqus.com">`
 * holding `<category>`, `<thread>` and `<post>` elements, each with a `dsq:id` attribute in the
 * disqus-internals namespace; a post names its thread and its parent by their `dsq:id`. Records are handed over
 * as each element closes, so memory holds one at a time. Elements and attributes are matched by namespace URI,
 * never by prefix; anything in another namespace is skipped with everything inside it. The same strict reading
 * as WordPress exports: a DOCTYPE is refused, not-well-formed XML is refused with its line and column.
 */

const DISQUS_NS = /^https?:\/\/disqus\.com\/?$/;
const INTERNALS_NS = /^https?:\/\/disqus\.com\/disqus-internals\/?$/;

export interface DisqusThread {
  /** `dsq:id`. */
  id: string;
  /** `<id>`: the identifier the site gave the thread (WordPress: "123 http://…/?p=123"; often empty). */
  identifier: string;
  link: string;
  title: string;
  forum: string;
  isDeleted: boolean;
}

export interface DisqusPost {
  id: string;
  /** `dsq:id` of its thread, and of the post it answers ('' for none). */
  threadId: string;
  parentId: string;
  /** The comment as Disqus stored it: HTML. */
  message: string;
  createdAt: string;
  isDeleted: boolean;
  isSpam: boolean;
  authorName: string;
  authorEmail: string;
  authorUsername: string;
  ip: string;
}

export type DisqusRecord =
  | { kind: 'category'; id: string; forum: string; title: string }
  | { kind: 'thread'; thread: DisqusThread }
  | { kind: 'post'; post: DisqusPost };

export interface DisqusReadOptions {
  /** Called for each record in file order; the next chunk is read only once it has resolved. */
  onRecord: (record: DisqusRecord) => Promise<void>;
  /** Mend what a tolerant reading can (xml-repair.ts) instead of refusing the file. */
  repair?: boolean;
}

/**
 * Reads a Disqus export from a stream of UTF-8 text. Throws IMPORT_MALFORMED, IMPORT_REFUSED or
 * IMPORT_NOT_DISQUS. Resolves to what `repair` changed (undefined without it).
 */
export async function readDisqus(
  chunks: AsyncIterable<string>,
  opts: DisqusReadOptions,
): Promise<RepairLog | undefined> {
  const reader = new DisqusSaxReader(opts.repair ?? false);
  for await (const chunk of chunks) {
    reader.write(chunk);
    for (const r of reader.take()) await opts.onRecord(r);
  }
  reader.close();
  for (const r of reader.take()) await opts.onRecord(r);
  return reader.repairs;
}

interface OpenRecord {
  kind: 'category' | 'thread' | 'post';
  id: string;
  fields: Map<string, string>;
  /** Child element -> the `dsq:id` it points at (`thread`, `parent`, `category`). */
  refs: Map<string, string>;
}

const notDisqus = (why: string) =>
  new AppError('IMPORT_NOT_DISQUS', `This is not a Disqus export: ${why}.`, { detail: why });

class DisqusSaxReader {
  private readonly xml: StrictXmlStream;
  private readonly queue: DisqusRecord[] = [];
  /** Local name of each open element in the Disqus namespace; undefined for a foreign one. */
  private readonly stack: (string | undefined)[] = [];
  private foreignDepth = 0;
  private text = '';
  private sawRoot = false;
  private started = false;
  private record: OpenRecord | undefined;

  constructor(repair: boolean) {
    this.xml = new StrictXmlStream(
      {
        openTag: (tag) => this.openTag(tag),
        closeTag: () => this.closeTag(),
        text: (t) => {
          this.text += t;
        },
      },
      'a Disqus export',
      { repair },
    );
  }

  get repairs(): RepairLog | undefined {
    return this.xml.repairs;
  }

  write(chunk: string): void {
    // Disqus mails its export gzipped; the file read as text then starts with gzip's magic bytes.
    if (!this.started && chunk.charCodeAt(0) === 0x1f && [0x8b, 0xfffd].includes(chunk.charCodeAt(1)))
      throw notDisqus('the file is compressed (gzip): unpack it first, e.g. gunzip export.xml.gz');
    this.started = true;
    this.xml.write(chunk);
  }

  close(): void {
    this.xml.close();
    if (!this.sawRoot) throw notDisqus('the file has no <disqus> element');
  }

  take(): DisqusRecord[] {
    return this.queue.splice(0);
  }

  private openTag(tag: SaxesTagNS): void {
    const depth = this.stack.length;
    const ours = this.foreignDepth === 0 && DISQUS_NS.test(tag.uri);
    // The root decides at once: a WordPress export or a feed is refused before the rest of it is read.
    if (depth === 0) {
      if (!ours || tag.local !== 'disqus')
        throw notDisqus(
          `its root element is <${tag.name}>${tag.uri ? ` in ${tag.uri.slice(0, 80)}` : ''}, not <disqus> in http://disqus.com`,
        );
      this.sawRoot = true;
    }
    if (!ours) this.foreignDepth++;
    this.stack.push(ours ? tag.local : undefined);
    this.text = '';
    if (!ours) return;
    const dsqId = () => {
      for (const a of Object.values(tag.attributes))
        if (INTERNALS_NS.test(a.uri) && a.local === 'id') return a.value.trim();
      return attributeNs(tag, '', 'id')?.trim() ?? '';
    };
    if (depth === 1 && (tag.local === 'category' || tag.local === 'thread' || tag.local === 'post'))
      this.record = { kind: tag.local, id: dsqId(), fields: new Map(), refs: new Map() };
    else if (depth === 2 && this.record && ['thread', 'parent', 'category'].includes(tag.local))
      this.record.refs.set(tag.local, dsqId());
  }

  private closeTag(): void {
    const local = this.stack.pop();
    const depth = this.stack.length;
    const value = this.text.trim();
    this.text = '';
    if (local === undefined) {
      this.foreignDepth = Math.max(0, this.foreignDepth - 1);
      return;
    }
    const r = this.record;
    if (!r) return;
    if (depth === 1) {
      this.queue.push(recordOf(r));
      this.record = undefined;
    } else if (depth === 2) r.fields.set(local, value);
    else if (depth === 3 && this.stack[2] === 'author') r.fields.set(`author.${local}`, value);
  }
}

function recordOf(r: OpenRecord): DisqusRecord {
  const f = (k: string) => r.fields.get(k) ?? '';
  const yes = (k: string) => f(k).toLowerCase() === 'true';
  if (r.kind === 'category') return { kind: 'category', id: r.id, forum: f('forum'), title: f('title') };
  if (r.kind === 'thread')
    return {
      kind: 'thread',
      thread: {
        id: r.id,
        identifier: f('id'),
        link: f('link'),
        title: f('title'),
        forum: f('forum'),
        isDeleted: yes('isDeleted'),
      },
    };
  return {
    kind: 'post',
    post: {
      id: r.id,
      threadId: r.refs.get('thread') ?? '',
      parentId: r.refs.get('parent') ?? '',
      message: f('message'),
      createdAt: f('createdAt'),
      isDeleted: yes('isDeleted'),
      isSpam: yes('isSpam'),
      authorName: f('author.name'),
      authorEmail: f('author.email'),
      authorUsername: f('author.username'),
      ip: f('ipAddress'),
    },
  };
}
