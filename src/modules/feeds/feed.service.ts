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

/** Builds an RSS 2.0, Atom 1.0 or JSON Feed 1.1 document with full article bodies. */
export function buildFeed(req: FeedRequest): string {
  const paths = feedPaths(req.feedBase);
  const updated =
    req.items
      .map((i) => i.updatedAt ?? i.publishedAt)
      .sort()
      .at(-1) ?? '1970-01-01T00:00:00.000Z';
  const feed = new Feed({
    title: req.title ? `${req.title} · ${req.site.title}` : req.site.title,
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
    feed.addItem({
      title: item.title,
      id: url,
      link: url,
      description: item.excerpt || item.standfirst,
      content: absolutise(item.bodyHtml, req.baseUrl),
      date: new Date(item.updatedAt ?? item.publishedAt),
      published: new Date(item.publishedAt),
      author: item.authors.map((a) => ({ name: a.name, link: `${req.baseUrl}/author/${a.slug}/` })),
      category: [
        ...(item.category
          ? [{ name: item.category.name, domain: `${req.baseUrl}/category/${item.category.path}/` }]
          : []),
        ...item.tags.map((t) => ({ name: t.name })),
      ],
    });
  }
  if (req.format === 'rss') return feed.rss2();
  if (req.format === 'atom') return feed.atom1();
  return feed.json1();
}
