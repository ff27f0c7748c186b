import type { Db } from '../../storage/schema.ts';
import {
  findApprovedCommentWithSlug,
  findCommentById,
  listCommentsWithSlugs,
  listRecentApprovedComments,
} from './comment.repository.ts';

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
export const listCommentsByIds = (deps: Deps, ids: number[]) => listCommentsWithSlugs(deps.db, ids);

/** An approved comment and its article's slug; undefined for any other (held, trashed, missing). */
export const findApprovedComment = (deps: Deps, id: number) => findApprovedCommentWithSlug(deps.db, id);
