import type { Db, PostRow } from '../../storage/schema.ts';
import { RENDER_VERSION } from '../markdown/render-markdown.ts';
import { renderCitedMarkdown } from '../sources/cited-markdown.ts';

/**
 * The post's body as readers see it now: the stored render, or a fresh one (citations included) when the
 * renderer was upgraded or a cited source changed since. Passages are anchored against its text.
 */
export async function currentBodyHtml(
  db: Db,
  post: Pick<PostRow, 'body_md' | 'body_html' | 'render_version'>,
): Promise<string> {
  return post.render_version === RENDER_VERSION ? post.body_html : (await renderCitedMarkdown(db, post.body_md)).html;
}
