import type { PostSummary } from '../content/content.types.ts';
import type { SiteSettings } from '../settings/settings.service.ts';
import { escapeMarkup } from '../shared/escape.ts';

export type FeedFormat = 'rss' | 'atom' | 'json';

export interface FeedRequest {
  site: SiteSettings;
  baseUrl: string;
  /** Site-relative path of the page this feed follows, e.g. "/category/russian-history/". */
  pagePath: string;
  /** Site-relative path of the feed itself, without its format suffix, e.g. "/category/russian-history/". */
  feedBase: string;
  /** The feed's own address when it is not under feedBase's usual names (an entity's Atom feed at `<page>feed/`). */
  selfPath?: string;
  title: string;
  items: (PostSummary & { bodyHtml: string })[];
  format: FeedFormat;
}

/** Site-relative links and images in a body become absolute, as feed readers show them out of context. */
export function absolutise(html: string, baseUrl: string): string {
  return html
    .replace(/(\s(?:href|src)=")\/(?!\/)/g, `$1${baseUrl}/`)
    .replace(/(\ssrcset=")([^"]*)"/g, (_m, attr: string, list: string) => {
      // A srcset is a comma-separated list of "URL width": each site-relative URL gets the origin.
      const absolute = list.replace(/(^|,\s*)\/(?!\/)/g, `$1${baseUrl}/`);
      return `${attr}${absolute}"`;
    });
}

export const feedPaths = (base: string) => ({
  rss: `${base}feed/`,
  atom: `${base}feed/atom/`,
  json: `${base}feed.json`,
});

const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

/** Builds an RSS 2.0, Atom 1.0 or JSON Feed 1.1 document with full article bodies. */
export function buildFeed(req: FeedRequest): string {
  const self = req.selfPath;
  const paths = self ? { rss: self, atom: self, json: self } : feedPaths(req.feedBase);
  const title = req.title ? `${req.title} · ${req.site.title}` : req.site.title;
  if (req.format === 'json') return jsonFeed(req, title, `${req.baseUrl}${paths.json}`);
  const items = req.items.map((item) => feedItem(req, item));
  const updated =
    items
      .map((i) => i.updated)
      .sort()
      .at(-1) ?? '1970-01-01T00:00:00.000Z';
  const head = { title, link: `${req.baseUrl}${req.pagePath}`, updated, paths, baseUrl: req.baseUrl, site: req.site };
  return req.format === 'rss' ? rss(head, items) : atom(head, items);
}

interface FeedItem {
  url: string;
  title: string;
  summary: string;
  content: string;
  published: string;
  updated: string;
  authors: { name: string; url: string }[];
  categories: { term: string; url?: string }[];
}

function feedItem(req: FeedRequest, item: FeedRequest['items'][number]): FeedItem {
  return {
    url: `${req.baseUrl}/${item.slug}/`,
    title: item.title,
    summary: item.excerpt || item.standfirst,
    content: absolutise(item.bodyHtml, req.baseUrl),
    published: item.publishedAt,
    updated: item.updatedAt ?? item.publishedAt,
    authors: item.authors.map((a) => ({ name: a.name, url: `${req.baseUrl}/author/${a.slug}/` })),
    categories: [
      ...(item.category ? [{ term: item.category.name, url: `${req.baseUrl}/category/${item.category.path}/` }] : []),
      ...item.tags.map((t) => ({ term: t.name, url: `${req.baseUrl}/tag/${t.slug}/` })),
    ],
  };
}

interface FeedHead {
  title: string;
  link: string;
  updated: string;
  paths: ReturnType<typeof feedPaths>;
  baseUrl: string;
  site: SiteSettings;
}

// Everything an author or reader typed is escaped, in text and in attributes alike; characters XML 1.0
// forbids are dropped rather than written.
// biome-ignore lint/suspicious/noControlCharactersInRegex: this lists the control characters XML allows
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
export const xml = (s: string): string => escapeMarkup(s.replace(INVALID_XML, ''));
const rfc822 = (iso: string) => new Date(iso).toUTCString();

function rss(h: FeedHead, items: FeedItem[]): string {
  const entries = items.map(
    (i) => `    <item>
      <title>${xml(i.title)}</title>
      <link>${xml(i.url)}</link>
      <guid isPermaLink="true">${xml(i.url)}</guid>
      <pubDate>${rfc822(i.published)}</pubDate>
${i.authors.map((a) => `      <dc:creator>${xml(a.name)}</dc:creator>\n`).join('')}${i.categories.map((c) => `      <category${c.url ? ` domain="${xml(c.url)}"` : ''}>${xml(c.term)}</category>\n`).join('')}      <description>${xml(i.summary)}</description>
      <content:encoded>${xml(i.content)}</content:encoded>
    </item>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${xml(h.title)}</title>
    <link>${xml(h.link)}</link>
    <description>${xml(h.site.tagline || h.site.description)}</description>
    <language>${xml(h.site.locale)}</language>
    <lastBuildDate>${rfc822(h.updated)}</lastBuildDate>
    <generator>Annalist</generator>
    <atom:link href="${xml(h.baseUrl + h.paths.rss)}" rel="self" type="application/rss+xml"/>
${entries.join('\n')}
  </channel>
</rss>
`;
}

function atom(h: FeedHead, items: FeedItem[]): string {
  const entries = items.map(
    (i) => `  <entry>
    <title type="text">${xml(i.title)}</title>
    <id>${xml(i.url)}</id>
    <link rel="alternate" type="text/html" href="${xml(i.url)}"/>
    <published>${i.published}</published>
    <updated>${i.updated}</updated>
${i.authors.map((a) => `    <author><name>${xml(a.name)}</name><uri>${xml(a.url)}</uri></author>\n`).join('')}${i.categories.map((c) => `    <category term="${xml(c.term)}"${c.url ? ` scheme="${xml(c.url)}"` : ''}/>\n`).join('')}${i.summary ? `    <summary type="text">${xml(i.summary)}</summary>\n` : ''}    <content type="html">${xml(i.content)}</content>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${xml(h.site.locale)}">
  <title type="text">${xml(h.title)}</title>
  <subtitle type="text">${xml(h.site.tagline || h.site.description)}</subtitle>
  <id>${xml(h.link)}</id>
  <link rel="alternate" type="text/html" href="${xml(h.link)}"/>
  <link rel="self" type="application/atom+xml" href="${xml(h.baseUrl + h.paths.atom)}"/>
  <updated>${h.updated}</updated>
  <generator>Annalist</generator>
  <rights type="text">© ${xml(h.site.title)}</rights>
${entries.join('\n')}
</feed>
`;
}

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/). */
function jsonFeed(req: FeedRequest, title: string, feedUrl: string): string {
  const authorOf = (a: { name: string; slug: string }) => ({ name: a.name, url: `${req.baseUrl}/author/${a.slug}/` });
  return JSON.stringify(
    {
      version: JSON_FEED_VERSION,
      title,
      home_page_url: `${req.baseUrl}${req.pagePath}`,
      feed_url: feedUrl,
      description: req.site.tagline,
      language: req.site.locale,
      items: req.items.map((item) => {
        const url = `${req.baseUrl}/${item.slug}/`;
        const summary = item.excerpt || item.standfirst;
        return {
          id: url,
          url,
          title: item.title,
          content_html: absolutise(item.bodyHtml, req.baseUrl),
          ...(summary ? { summary } : {}),
          date_published: item.publishedAt,
          date_modified: item.updatedAt ?? item.publishedAt,
          authors: item.authors.map(authorOf),
          tags: [...(item.category ? [item.category.name] : []), ...item.tags.map((t) => t.name)],
        };
      }),
    },
    null,
    2,
  );
}
