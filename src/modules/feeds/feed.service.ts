import { Feed } from 'feed';
import type { PostSummary } from '../content/content.types.ts';
import type { SiteSettings } from '../site/settings.service.ts';

export type FeedFormat = 'rss' | 'atom' | 'json';

export interface FeedRequest {
  site: SiteSettings;
  baseUrl: string;
  /** Site-relative path of the page this feed follows, e.g. "/category/russian-history/". */
  pagePath: string;
  /** Site-relative path of the feed itself, without its format suffix, e.g. "/category/russian-history/". */
  feedBase: string;
  title: string;
  items: (PostSummary & { bodyHtml: string })[];
  format: FeedFormat;
}

/** Site-relative links and images in a body become absolute, as feed readers show them out of context. */
export function absolutise(html: string, baseUrl: string): string {
  return html.replace(/(\s(?:href|src)=")\/(?!\/)/g, `$1${baseUrl}/`);
}

export const feedPaths = (base: string) => ({
  rss: `${base}feed/`,
  atom: `${base}feed/atom/`,
  json: `${base}feed.json`,
});

const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

/** Builds an RSS 2.0, Atom 1.0 or JSON Feed 1.1 document with full article bodies. */
export function buildFeed(req: FeedRequest): string {
  const paths = feedPaths(req.feedBase);
  const title = req.title ? `${req.title} · ${req.site.title}` : req.site.title;
  // The feed library writes JSON Feed 1.0 (one "author"); 1.1 is simple enough to write here.
  if (req.format === 'json') return jsonFeed(req, title, `${req.baseUrl}${paths.json}`);
  const updated =
    req.items
      .map((i) => i.updatedAt ?? i.publishedAt)
      .sort()
      .at(-1) ?? '1970-01-01T00:00:00.000Z';
  const feed = new Feed({
    title,
    description: req.site.tagline,
    id: `${req.baseUrl}${req.pagePath}`,
    link: `${req.baseUrl}${req.pagePath}`,
    language: req.site.locale,
    updated: new Date(updated),
    generator: 'Annalist',
    copyright: `© ${req.site.title}`,
    feedLinks: {
      rss: `${req.baseUrl}${paths.rss}`,
      atom: `${req.baseUrl}${paths.atom}`,
      json: `${req.baseUrl}${paths.json}`,
    },
  });
  for (const item of req.items) {
    const url = `${req.baseUrl}/${item.slug}/`;
    const authors = item.authors.map((a) => ({ name: a.name, link: `${req.baseUrl}/author/${a.slug}/` }));
    feed.addItem({
      title: item.title,
      id: url,
      link: url,
      description: item.excerpt || item.standfirst,
      content: absolutise(item.bodyHtml, req.baseUrl),
      date: new Date(item.updatedAt ?? item.publishedAt),
      published: new Date(item.publishedAt),
      // RSS 2.0 <author> must be an e-mail address; names go in dc:creator (xml-js writes an array as
      // repeated elements). Atom's <author> takes a name and a link.
      ...(req.format === 'rss'
        ? {
            extensions: [
              {
                name: 'dc:creator',
                objects: authors.map((a) => ({ _text: a.name })) as unknown as Record<string, unknown>,
              },
            ],
          }
        : { author: authors }),
      // Atom requires a term on every category; without one readers drop the tag.
      category: [
        ...(item.category
          ? [
              {
                name: item.category.name,
                term: item.category.name,
                domain: `${req.baseUrl}/category/${item.category.path}/`,
              },
            ]
          : []),
        ...item.tags.map((t) => ({ name: t.name, term: t.name })),
      ],
    });
  }
  return req.format === 'rss' ? feed.rss2() : feed.atom1();
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
