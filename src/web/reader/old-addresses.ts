import { findOldAddress, type OldAddressTarget } from '../../modules/import/old-addresses.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { authorUrl, categoryUrl, postUrl, tagUrl } from '../ui/format.ts';

/**
 * Where an address of an imported site's old platform (`/?p=12`, `/2009/08/23/slug/`, `/category/a/b/`…) leads
 * now, or undefined. Asked only on the way to a 404 (and for the home page's `?p=`/`?page_id=`), so ordinary
 * pages cost nothing more (decision 026).
 */
export async function oldAddressLocation(ctx: WebContext, url: string): Promise<string | undefined> {
  const feed = oldFeed(url);
  const to = await findOldAddress(ctx.deps.content, feed ? feed.base : url);
  if (!to) return undefined;
  if (feed) return feedLocation(to, feed.atom);
  if (to.kind === 'post') return postUrl(to.slug);
  if (to.kind === 'category') return categoryUrl(to.path);
  if (to.kind === 'tag') return tagUrl(to.slug);
  return authorUrl(to.slug);
}

/** WordPress's feed of an address: its path with `feed/` (or `feed/rss2/`, `feed/rdf/`, `feed/atom/`) added. */
function oldFeed(url: string): { base: string; atom: boolean } | undefined {
  const m = /^(\/[^?#]+?\/)feed\/?(?:(rss2?|rdf|atom)\/?)?(?:[?#].*)?$/.exec(url);
  return m ? { base: m[1]!, atom: m[2] === 'atom' } : undefined;
}

/** The feed here of what an old feed followed: an article's comments, a category's or a tag's articles. */
function feedLocation(to: OldAddressTarget, atom: boolean): string {
  const suffix = atom ? 'feed/atom/' : 'feed/';
  if (to.kind === 'post') return `${postUrl(to.slug)}comments/feed/`;
  if (to.kind === 'category') return categoryUrl(to.path) + suffix;
  if (to.kind === 'tag') return tagUrl(to.slug) + suffix;
  return authorUrl(to.slug);
}

/** True for the home page asked with WordPress's plain permalink parameters. */
export const isPlainPermalink = (url: string) =>
  /^\/(?:index\.php)?\?(?:.*&)?(?:p|page_id|attachment_id)=\d+(?:&|$)/.test(url);
