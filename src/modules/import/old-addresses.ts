import type { Db } from '../../storage/schema.ts';
import { findPostById } from '../content/post.repository.ts';
import { findCategoryById, findTagById } from '../content/taxonomy.repository.ts';
import { findAuthorSlugById, findRedirect } from './import.repository.ts';

/**
 * The old site's addresses (decision 026). Each is stored in one normal form, so that the address a reader
 * follows matches however it was written: the path percent-decoded, with a trailing slash; WordPress's
 * plain links keep their one query parameter (`/?p=12`, `/?page_id=7`, `/?attachment_id=9`).
 */
export function normaliseOldAddress(address: string): string | undefined {
  let url: URL;
  try {
    url = new URL(address, 'http://old.invalid');
  } catch {
    return undefined;
  }
  for (const key of ['p', 'page_id', 'attachment_id']) {
    const id = url.searchParams.get(key);
    if (id && /^\d+$/.test(id) && (url.pathname === '/' || url.pathname === '/index.php')) return `/?${key}=${id}`;
  }
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // a malformed escape stays as it was written
  }
  if (path === '/' || path.length > 500) return undefined;
  return path.endsWith('/') ? path : `${path}/`;
}

/** Where an old address leads now: a post's slug, a category's path, a tag's or a byline's slug. */
export type OldAddressTarget =
  | { kind: 'post'; slug: string }
  | { kind: 'category'; path: string }
  | { kind: 'tag'; slug: string }
  | { kind: 'author'; slug: string };

/** Looks an address up among the imported ones; the target's address is read now, so later renames follow. */
export async function findOldAddress(deps: { db: Db }, address: string): Promise<OldAddressTarget | undefined> {
  const key = normaliseOldAddress(address);
  if (!key) return undefined;
  const hit = await findRedirect(deps.db, key);
  if (!hit) return undefined;
  if (hit.kind === 'post') {
    const post = await findPostById(deps.db, hit.target_id);
    return post ? { kind: 'post', slug: post.slug } : undefined;
  }
  if (hit.kind === 'category') {
    const c = await findCategoryById(deps.db, hit.target_id);
    return c ? { kind: 'category', path: c.path } : undefined;
  }
  if (hit.kind === 'tag') {
    const t = await findTagById(deps.db, hit.target_id);
    return t ? { kind: 'tag', slug: t.slug } : undefined;
  }
  const slug = await findAuthorSlugById(deps.db, hit.target_id);
  return slug === undefined ? undefined : { kind: 'author', slug };
}
