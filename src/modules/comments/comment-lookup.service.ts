import type { Db } from '../../storage/schema.ts';
import { findCommentById, listRecentApprovedComments } from './comment.repository.ts';

/** The comment reads the web layer makes (issue 15: routes import services, never repositories). */
type Deps = { db: Db };

/** One comment by id, whatever its status (the caller decides what a reader may see). */
export const findComment = (deps: Deps, id: number) => findCommentById(deps.db, id);

/** The latest approved comments, site-wide or on one post, published by `now`. */
export const listRecentComments = (deps: Deps, opts: Parameters<typeof listRecentApprovedComments>[1]) =>
  listRecentApprovedComments(deps.db, opts);
