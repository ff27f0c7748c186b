import { findOldAddress } from '../modules/import/old-addresses.ts';
import { authorUrl, categoryUrl, postUrl, tagUrl } from './views/format.ts';
import type { WebContext } from './web-deps.ts';

/**
 * Where an address of an imported site's old platform (`/?p=12`, `/2009/08/23/slug/`, `/category/a/b/`…) leads
 * now, or undefined. Asked only on the way to a 404 (and for the home page's `?p=`/`?page_id=`), so ordinary
 * pages cost nothing more (decision 026).
 */
export async function oldAddressLocation(ctx: WebContext, url: string): Promise<string | undefined> {
  const to = await findOldAddress(ctx.deps.content, url);
  if (!to) return undefined;
  if (to.kind === 'post') return postUrl(to.slug);
  if (to.kind === 'category') return categoryUrl(to.path);
  if (to.kind === 'tag') return tagUrl(to.slug);
  return authorUrl(to.slug);
}

/** True for the home page asked with WordPress's plain permalink parameters. */
export const isPlainPermalink = (url: string) => /^\/(?:index\.php)?\?(?:.*&)?(?:p|page_id)=\d+(?:&|$)/.test(url);
