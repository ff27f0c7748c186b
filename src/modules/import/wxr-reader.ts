import type { SaxesTagNS } from 'saxes';
import { AppError } from '../shared/errors.ts';
import type { WxrChannel, WxrComment, WxrItem, WxrRecord } from './wxr.types.ts';
import type { RepairLog } from './xml-repair-log.ts';
import { StrictXmlStream } from './xml-stream.ts';

/**
 * A streaming reader of WordPress eXtended RSS (WXR 1.0, 1.1, 1.2). The file is fed to a strict,
 * namespace-aware SAX parser chunk by chunk and each record (channel, author, category, tag, item with its
 * comments) is handed over as soon as its element closes, so memory holds one item, never the whole file.
 *
 * Elements are matched by namespace URI, never by prefix: an export may bind `wp:` to anything, and an element
 * in a namespace we do not know is skipped with everything inside it.
 */

type Ns = 'rss' | 'wp' | 'excerpt' | 'content' | 'dc';

const WP_NS = /^https?:\/\/wordpress\.org\/export\/1\.[0-2]\/$/;
const EXCERPT_NS = /^https?:\/\/wordpress\.org\/export\/1\.[0-2]\/excerpt\/$/;
const CONTENT_NS = /^https?:\/\/purl\.org\/rss\/1\.0\/modules\/content\/$/;
const DC_NS = /^https?:\/\/purl\.org\/dc\/elements\/1\.1\/$/;

function nsOf(uri: string): Ns | undefined {
  if (uri === '') return 'rss';
  if (WP_NS.test(uri)) return 'wp';
  if (EXCERPT_NS.test(uri)) return 'excerpt';
  if (CONTENT_NS.test(uri)) return 'content';
  if (DC_NS.test(uri)) return 'dc';
  return undefined;
}

/** A version WordPress could have written: digits, a dot, digits. */
const VERSION = /^\d+\.\d+$/;

type Fields = Map<string, string>;

/** The open record elements: an item, or one of its comments, or a channel-level term or author. */
interface Open {
  key: string;
  fields: Fields;
}

export interface WxrReadOptions {
  /** Called for each record in file order; the next chunk is read only once it has resolved. */
  onRecord: (record: WxrRecord) => Promise<void>;
  /** Mend what a tolerant reading can (xml-repair.ts) instead of refusing the file. */
  repair?: boolean;
}

/**
 * Reads a WXR export from a stream of UTF-8 text. Throws IMPORT_MALFORMED, IMPORT_REFUSED or IMPORT_NOT_WXR.
 * Resolves to what `repair` changed (undefined without it).
 */
export async function readWxr(chunks: AsyncIterable<string>, opts: WxrReadOptions): Promise<RepairLog | undefined> {
  const reader = new WxrSaxReader(opts.repair ?? false);
  for await (const chunk of chunks) {
    reader.write(chunk);
    for (const r of reader.take()) await opts.onRecord(r);
  }
  reader.close();
  for (const r of reader.take()) await opts.onRecord(r);
  return reader.repairs;
}

class WxrSaxReader {
  private readonly xml: StrictXmlStream;
  private readonly queue: WxrRecord[] = [];
  /** Namespace key of each open element; undefined for a foreign one. */
  private readonly stack: (string | undefined)[] = [];
  private foreignDepth = 0;
  private text = '';
  private readonly channel: WxrChannel = { title: '', description: '', baseUrl: '', version: undefined };
  private channelSent = false;
  private sawWxr = false;
  private items = 0;
  private record: Open | undefined;
  private item: WxrItem | undefined;
  private comment: Fields | undefined;
  private metaKey: string | undefined;
  private term: { domain: string; nicename: string } | undefined;

  constructor(repair: boolean) {
    // No WordPress export has a DOCTYPE: the stream refuses one before anything past it is read.
    this.xml = new StrictXmlStream(
      {
        openTag: (tag) => this.openTag(tag),
        closeTag: (tag) => this.closeTag(tag),
        text: (t) => {
          this.text += t;
        },
      },
      'a WordPress export',
      { repair },
    );
  }

  get repairs(): RepairLog | undefined {
    return this.xml.repairs;
  }

  write(chunk: string): void {
    this.xml.write(chunk);
  }

  close(): void {
    this.xml.close();
    if (!this.sawWxr)
      throw new AppError('IMPORT_NOT_WXR', 'This is not a WordPress export: no element is in a WXR namespace.');
    this.sendChannel();
  }

  take(): WxrRecord[] {
    return this.queue.splice(0);
  }

  private openTag(tag: SaxesTagNS): void {
    const ns = this.foreignDepth > 0 ? undefined : nsOf(tag.uri);
    if (ns === undefined) this.foreignDepth++;
    const key = ns === undefined ? undefined : `${ns}:${tag.local}`;
    if (ns === 'wp') this.sawWxr = true;
    this.stack.push(key);
    this.text = '';
    if (key === undefined) return;
    const depth = this.stack.length - 1;
    if (depth === 2 && ['wp:author', 'wp:category', 'wp:tag', 'wp:term', 'rss:item'].includes(key)) {
      this.sendChannel();
      if (key === 'rss:item') this.item = this.newItem();
      else this.record = { key, fields: new Map() };
    } else if (this.item && depth === 3 && key === 'wp:comment') this.comment = new Map();
    else if (this.item && depth === 3 && key === 'rss:category') {
      const attr = (name: string) => tag.attributes[name]?.value ?? '';
      this.term = { domain: attr('domain'), nicename: attr('nicename') };
    }
  }

  private closeTag(_tag: SaxesTagNS): void {
    const key = this.stack.pop();
    const depth = this.stack.length;
    const value = this.text.trim();
    this.text = '';
    if (key === undefined) {
      this.foreignDepth = Math.max(0, this.foreignDepth - 1);
      return;
    }
    if (depth === 2) this.closeTopLevel(key, value);
    else if (depth === 3 && this.record) this.record.fields.set(key, value);
    else if (!this.item) return;
    else if (depth === 3) this.closeItemChild(key, value);
    else if (depth === 4 && this.comment) this.comment.set(key, value);
    else if (depth === 4 && key === 'wp:meta_key') this.metaKey = value;
    else if (depth === 4 && key === 'wp:meta_value' && this.metaKey !== undefined) {
      this.item.meta.set(this.metaKey, value);
      this.item.metaList.push([this.metaKey, value]);
      this.metaKey = undefined;
    }
  }

  private closeTopLevel(key: string, value: string): void {
    if (key === 'rss:item' && this.item) {
      this.queue.push({ kind: 'item', item: this.item });
      this.item = undefined;
      return;
    }
    if (this.record?.key === key) this.closeRecord(this.record);
    else if (key === 'rss:title') this.channel.title = value;
    else if (key === 'rss:description') this.channel.description = value;
    else if (key === 'rss:link' && !this.channel.baseUrl) this.channel.baseUrl = value;
    else if (key === 'wp:base_site_url') this.channel.baseUrl = value;
    else if (key === 'wp:wxr_version') {
      if (!VERSION.test(value))
        throw new AppError('IMPORT_NOT_WXR', `The export's WXR version "${value.slice(0, 40)}" is not a version.`);
      this.channel.version = value;
    }
  }

  private closeRecord(r: Open): void {
    this.record = undefined;
    const f = (k: string) => r.fields.get(k) ?? '';
    if (r.key === 'wp:author')
      this.queue.push({
        kind: 'author',
        author: { login: f('wp:author_login'), email: f('wp:author_email'), displayName: f('wp:author_display_name') },
      });
    else if (r.key === 'wp:category')
      this.queue.push({
        kind: 'category',
        category: {
          termId: f('wp:term_id'),
          nicename: f('wp:category_nicename'),
          name: f('wp:cat_name'),
          parent: f('wp:category_parent'),
          description: f('wp:category_description'),
        },
      });
    else if (r.key === 'wp:tag')
      this.queue.push({ kind: 'tag', tag: { slug: f('wp:tag_slug'), name: f('wp:tag_name') } });
    else if (r.key === 'wp:term') {
      // The third term format (WXR 1.1+): categories and tags may come as generic terms.
      const taxonomy = f('wp:term_taxonomy');
      if (taxonomy === 'category')
        this.queue.push({
          kind: 'category',
          category: {
            termId: f('wp:term_id'),
            nicename: f('wp:term_slug'),
            name: f('wp:term_name'),
            parent: f('wp:term_parent'),
            description: f('wp:term_description'),
          },
        });
      else if (taxonomy === 'post_tag')
        this.queue.push({ kind: 'tag', tag: { slug: f('wp:term_slug'), name: f('wp:term_name') } });
    }
  }

  private closeItemChild(key: string, value: string): void {
    const item = this.item as WxrItem;
    if (key === 'wp:comment' && this.comment) {
      item.comments.push(commentOf(this.comment));
      this.comment = undefined;
      return;
    }
    if (key === 'rss:category' && this.term) {
      item.terms.push({ ...this.term, name: value });
      this.term = undefined;
      return;
    }
    const set: Record<string, (v: string) => void> = {
      'rss:title': (v) => (item.title = v),
      'rss:link': (v) => (item.link = v),
      'rss:pubDate': (v) => (item.pubDate = v),
      'dc:creator': (v) => (item.creator = v),
      'content:encoded': (v) => (item.content = v),
      'excerpt:encoded': (v) => (item.excerpt = v),
      'wp:post_id': (v) => (item.id = v),
      'wp:post_date': (v) => (item.postDate = v),
      'wp:post_date_gmt': (v) => (item.postDateGmt = v),
      'wp:post_name': (v) => (item.name = v),
      'wp:status': (v) => (item.status = v),
      'wp:post_type': (v) => (item.type = v),
      'wp:post_password': (v) => (item.password = v),
      'wp:attachment_url': (v) => (item.attachmentUrl = v),
      'wp:post_parent': (v) => (item.parent = v.trim()),
      'wp:is_sticky': (v) => (item.sticky = v.trim() === '1'),
      'wp:menu_order': (v) => (item.menuOrder = wpMenuOrder(v)),
    };
    set[key]?.(value);
  }

  private newItem(): WxrItem {
    this.items++;
    return {
      position: this.items,
      id: undefined,
      title: '',
      link: '',
      pubDate: undefined,
      creator: '',
      content: '',
      excerpt: '',
      postDate: undefined,
      postDateGmt: undefined,
      name: undefined,
      status: undefined,
      type: undefined,
      password: '',
      attachmentUrl: '',
      parent: '',
      sticky: false,
      menuOrder: 0,
      terms: [],
      meta: new Map(),
      metaList: [],
      comments: [],
    };
  }

  private sendChannel(): void {
    if (this.channelSent) return;
    this.channelSent = true;
    this.queue.push({ kind: 'channel', channel: { ...this.channel } });
  }
}

function commentOf(f: Fields): WxrComment {
  const s = (k: string) => f.get(`wp:${k}`) ?? '';
  return {
    id: s('comment_id'),
    parent: s('comment_parent'),
    author: s('comment_author'),
    email: s('comment_author_email'),
    url: s('comment_author_url'),
    ip: s('comment_author_IP'),
    date: f.get('wp:comment_date'),
    dateGmt: f.get('wp:comment_date_gmt'),
    content: s('comment_content'),
    approved: f.get('wp:comment_approved'),
    type: s('comment_type'),
  };
}

/** `wp:menu_order`: a whole number (WordPress keeps an int); anything else, or out of range, is 0. */
function wpMenuOrder(v: string): number {
  const t = v.trim();
  return /^-?[0-9]{1,9}$/.test(t) ? Number(t) : 0;
}
