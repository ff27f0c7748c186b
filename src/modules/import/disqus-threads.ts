import type { Db } from '../../storage/schema.ts';
import { findCurrentSlugFor, findPostById, findPostBySlug } from '../content/post.repository.ts';
import { isSlug } from '../shared/slug.ts';
import type { DisqusThread } from './disqus-reader.ts';
import { findMapped, findRedirect } from './import.repository.ts';
import { normaliseOldAddress } from './old-addresses.ts';
import { decodeSlug } from './wp-taxonomy.ts';

/**
 * Which of our articles a Disqus thread belongs to. First by the thread's identifier (`<id>`), which the site
 * chose: Disqus's WordPress plugin writes "123 http://old.example/?p=123", the post's WordPress id, found through
 * the import map of a WordPress import; other sites use a slug, a path or an address. Then by its `<link>`,
 * whatever the host: a path that is one of our slugs (or was, before a rename), or an old address an import
 * redirects. A thread matched once is mapped, so a re-run finds the same article.
 */
export interface ThreadMatcher {
  /** The post id, and how it was found (for the report), or undefined. */
  match(thread: DisqusThread): Promise<{ postId: number; by: string } | undefined>;
}

/** `wordpressSources`: the map's "wordpress <address>" sources (the sites imported so far). */
export function threadMatcher(db: Db, wordpressSources: string[]): ThreadMatcher {
  const exists = async (id: number | undefined) => id !== undefined && (await findPostById(db, id)) !== undefined;
  const byWordpressId = async (oldId: string, address: string): Promise<number | undefined> => {
    const host = hostOf(address);
    // Several WordPress sites imported into one: the one whose address has the thread's host comes first.
    const sources = [...wordpressSources].sort((a, b) => Number(hostOf(b) === host) - Number(hostOf(a) === host));
    for (const source of sources)
      for (const kind of ['post', 'page']) {
        const id = await findMapped(db, source, kind, oldId);
        if (id !== undefined && (await exists(id))) return id;
      }
    return undefined;
  };
  const byAddress = async (address: string): Promise<number | undefined> => {
    const key = normaliseOldAddress(address);
    if (!key) return undefined;
    const one = /^\/([^/]+)\/$/.exec(key)?.[1];
    if (one) {
      const slug = decodeSlug(one);
      const post = (await findPostBySlug(db, slug)) ?? (await findRenamed(db, slug));
      if (post) return post.id;
    }
    const hit = await findRedirect(db, key);
    return hit?.kind === 'post' && (await exists(hit.target_id)) ? hit.target_id : undefined;
  };
  return {
    async match(t) {
      const mapped = await findMapped(db, 'disqus', 'thread', t.id);
      if (await exists(mapped)) return { postId: mapped as number, by: 'an earlier import' };
      const identifier = t.identifier.trim();
      const wp = /^(\d+)(?:\s+(\S+))?$/.exec(identifier);
      if (wp) {
        const id = await byWordpressId(wp[1] as string, wp[2] ?? t.link);
        if (id !== undefined) return { postId: id, by: `WordPress post ${wp[1]}` };
      } else if (/^(?:https?:\/\/|\/)/i.test(identifier)) {
        const id = await byAddress(identifier);
        if (id !== undefined) return { postId: id, by: 'its identifier' };
      } else if (identifier && isSlug(decodeSlug(identifier))) {
        const post = await findPostBySlug(db, decodeSlug(identifier));
        if (post) return { postId: post.id, by: 'its identifier' };
      }
      if (t.link) {
        const id = await byAddress(t.link);
        if (id !== undefined) return { postId: id, by: 'its link' };
      }
      return undefined;
    },
  };
}

async function findRenamed(db: Db, oldSlug: string): Promise<{ id: number } | undefined> {
  const now = await findCurrentSlugFor(db, oldSlug);
  return now === undefined ? undefined : findPostBySlug(db, now);
}

function hostOf(address: string): string {
  const m = /^(?:wordpress )?https?:\/\/(?:www\.)?([^/:?#\s]+)/i.exec(address);
  return m?.[1]?.toLowerCase() ?? '';
}
