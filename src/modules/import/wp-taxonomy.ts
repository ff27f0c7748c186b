import {
  findAuthorBySlug,
  findCategoryById,
  findCategoryByPath,
  findTagBySlug,
  insertAuthor,
  insertCategory,
  upsertTag,
} from '../content/taxonomy.repository.ts';
import { isSlug, slugify } from '../shared/slug.ts';
import { findAuthorById, findMapped, setMapped } from './import.repository.ts';
import { addToList, count, noteLine } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import type { WxrAuthor, WxrCategory, WxrTag } from './wxr.types.ts';

/** Percent-decoded, as WordPress shows non-ASCII slugs; a malformed escape stays as written. */
export function decodeSlug(raw: string): string {
  try {
    return decodeURIComponent(raw.trim()).toLowerCase();
  } catch {
    return raw.trim().toLowerCase();
  }
}

/** Our slug for an exported one: kept when it already is one, else made from it (or from the name). */
export function ownSlug(decoded: string, name: string): string {
  if (isSlug(decoded)) return decoded;
  const made = slugify(decoded);
  // Letters with no ASCII form (Cyrillic, Greek) leave nothing: the name may do better.
  return made === 'untitled' || !/[a-z]/.test(made) ? slugify(name || decoded) : made;
}

/** A byline for each exported author (never a sign-in account), matched by the map, then by slug. */
export async function importAuthor(run: ImportRun, a: WxrAuthor): Promise<string | undefined> {
  const db = run.deps.db;
  const login = a.login.trim();
  if (!login) {
    noteLine(run.report, { kind: 'author', oldId: '(none)', outcome: 'skipped', reason: 'no login' });
    count(run.report, 'author', 'skipped');
    return undefined;
  }
  const known = run.authorSlugs.get(login);
  if (known) return known;
  const chosen = run.authorMap.get(login.toLowerCase()) ?? run.authorMap.get(a.email.trim().toLowerCase());
  if (chosen) return creditExistingByline(run, login, chosen);
  const mapped = await findMapped(db, run.source, 'author', login);
  const slug = ownSlug(decodeSlug(login), a.displayName);
  let id: number | undefined;
  let found = mapped !== undefined ? await findAuthorById(db, mapped) : undefined;
  found ??= await findAuthorBySlug(db, slug);
  if (found) {
    id = found.id;
    count(run.report, 'author', 'unchanged');
  } else {
    id = await insertAuthor(db, { slug, name: a.displayName.trim() || login, bio: '', created_at: run.now });
    count(run.report, 'author', 'imported');
  }
  await setMapped(db, run.source, 'author', login, id);
  const finalSlug = found?.slug ?? slug;
  run.authorSlugs.set(login, finalSlug);
  await run.redirect(`/author/${decodeSlug(login)}/`, 'author', id, `/author/${finalSlug}/`);
  return finalSlug;
}

/** An author the --author-map gives to an existing byline: nothing new is made; the old address leads there. */
async function creditExistingByline(
  run: ImportRun,
  login: string,
  byline: { id: number; slug: string },
): Promise<string> {
  count(run.report, 'author', 'unchanged');
  noteLine(run.report, {
    kind: 'author',
    oldId: login,
    outcome: 'note',
    reason: `credited to the existing byline "${byline.slug}" (author map)`,
  });
  await setMapped(run.deps.db, run.source, 'author', login, byline.id);
  run.authorSlugs.set(login, byline.slug);
  await run.redirect(`/author/${decodeSlug(login)}/`, 'author', byline.id, `/author/${byline.slug}/`);
  return byline.slug;
}

/**
 * The category tree: parents are found by nicename whatever the order of the file; a parent that is not in the
 * file makes a top-level category, and a loop (a is b's parent, b is a's) is cut where it closes. Both are
 * reported. Categories are added parents first, so each one's path is known when its children come.
 */
export async function importCategories(run: ImportRun, cats: WxrCategory[]): Promise<void> {
  const byNice = new Map<string, WxrCategory>();
  for (const c of cats) {
    const nice = decodeSlug(c.nicename);
    if (nice && !byNice.has(nice)) byNice.set(nice, c);
  }
  const parentOf = new Map<string, string | undefined>();
  for (const [nice, c] of byNice) {
    const parent = decodeSlug(c.parent);
    if (parent && !byNice.has(parent))
      noteLine(run.report, {
        kind: 'category',
        oldId: nice,
        outcome: 'note',
        reason: `its parent "${parent}" is not in the file: made a top-level category`,
      });
    parentOf.set(nice, parent && byNice.has(parent) && parent !== nice ? parent : undefined);
  }
  for (const start of byNice.keys()) {
    const onPath: string[] = [];
    let cur: string | undefined = start;
    while (cur !== undefined) {
      if (onPath.includes(cur)) {
        const last = onPath[onPath.length - 1] as string;
        parentOf.set(last, undefined);
        noteLine(run.report, {
          kind: 'category',
          oldId: last,
          outcome: 'note',
          reason: `its parents loop back to it (through "${cur}"): made a top-level category`,
        });
        break;
      }
      onPath.push(cur);
      cur = parentOf.get(cur);
    }
  }
  const chain = (nice: string): string[] => {
    const out: string[] = [];
    for (let c: string | undefined = nice; c !== undefined; c = parentOf.get(c)) out.unshift(c);
    return out;
  };
  const ordered = [...byNice.keys()].sort((a, b) => chain(a).length - chain(b).length);
  for (const nice of ordered) {
    const c = byNice.get(nice) as WxrCategory;
    const parent = parentOf.get(nice);
    await importCategory(run, { nice, name: c.name, description: c.description, termId: c.termId, parent });
    run.categoryWpPaths.set(nice, chain(nice).join('/'));
  }
}

/** One category under its (already imported) parent; also used for categories an item names but the file never declared. */
export async function importCategory(
  run: ImportRun,
  c: { nice: string; name: string; description: string; termId: string; parent: string | undefined },
): Promise<void> {
  const db = run.deps.db;
  const parent = c.parent ? run.categories.get(c.parent) : undefined;
  const name = c.name.trim() || c.nice;
  const mapped = await findMapped(db, run.source, 'category', c.nice);
  let row = mapped !== undefined ? await findCategoryById(db, mapped) : undefined;
  if (!row) {
    const base = ownSlug(c.nice, name);
    if (base !== c.nice)
      addToList(run.report, 'renamedSlugs', { kind: 'category', oldId: c.nice, from: c.nice, to: base });
    const pathOf = (slug: string) => (parent ? `${parent.path}/${slug}` : slug);
    row = await findCategoryByPath(db, pathOf(base));
    if (row) count(run.report, 'category', 'unchanged');
    else {
      const slug = base;
      const id = await insertCategory(db, {
        parent_id: parent?.id ?? null,
        slug,
        path: pathOf(slug),
        name: name.slice(0, 200),
        description: c.description,
        position: 0,
      });
      row = {
        id,
        parent_id: parent?.id ?? null,
        slug,
        path: pathOf(slug),
        name,
        description: c.description,
        position: 0,
      };
      count(run.report, 'category', 'imported');
    }
  } else count(run.report, 'category', 'unchanged');
  await setMapped(db, run.source, 'category', c.nice, row.id);
  run.categories.set(c.nice, { id: row.id, path: row.path });
  if (c.termId) run.categoryByTermId.set(c.termId, c.nice);
  const wpPath = c.parent ? `${run.categoryWpPaths.get(c.parent) ?? c.parent}/${c.nice}` : c.nice;
  run.categoryWpPaths.set(c.nice, wpPath);
  await run.redirect(`/category/${wpPath}/`, 'category', row.id, `/category/${row.path}/`);
}

/** Tags are filed by the post writer under the slug of their name; an exported slug that differs redirects. */
export async function importTag(run: ImportRun, t: WxrTag): Promise<void> {
  const db = run.deps.db;
  const name = t.name.trim() || decodeSlug(t.slug);
  if (!name) return;
  const slug = slugify(name);
  const before = await findTagBySlug(db, slug);
  const id = await upsertTag(db, slug, name);
  count(run.report, 'tag', before ? 'unchanged' : 'imported');
  await setMapped(db, run.source, 'tag', decodeSlug(t.slug) || slug, id);
  await run.redirect(`/tag/${decodeSlug(t.slug) || slug}/`, 'tag', id, `/tag/${slug}/`);
}
