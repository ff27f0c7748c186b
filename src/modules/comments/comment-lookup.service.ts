import type { Db } from '../../storage/schema.ts';
import { findCommentById, listRecentApprovedComments } from './comment.repository.ts';

/** The comment reads the web layer makes (issue 15: routes import services, never repositories). */
type Deps = { db: Db };

/** One comment by id, whatever its status (the caller decides what a reader may see). */
export const findComment = (deps: Deps, id: number) => findCommentById(deps.db, id);

/** The latest approved comments, site-wide or on one post, published by `now`. */
export const listRecentComments = (deps: Deps, opts: Parameters<typeof listRecentApprovedComments>[1]) =>
  listRecentApprovedComments(deps.db, opts);

/**
 * Comments by id with their article's slug, whatever their status: for a writer's own held comments, asked for
 * with the signed keys their browser was given when it posted them (the web layer checks the keys).
 */
export async function listCommentsByIds(deps: Deps, ids: number[]) {
  if (ids.length === 0) return [];
  return deps.db
    .selectFrom('comments')
    .innerJoin('posts', 'posts.id', 'comments.post_id')
    .select([
      'comments.id',
      'comments.parent_id',
      'comments.status',
      'comments.author_name',
      'comments.body_html',
      'comments.created_at',
      'posts.slug as post_slug',
    ])
    .where('comments.id', 'in', ids)
    .execute();
}
