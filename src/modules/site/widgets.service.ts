import type { WidgetArea } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { listRecentApprovedComments } from '../comments/comment.repository.ts';
import { loadCategoryTree } from '../content/category.service.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import type { Category, PostSummary } from '../content/content.types.ts';
import { countVisibleByMonth } from '../content/post.repository.ts';
import { listLatestPosts } from '../content/reading.service.ts';
import { listTagsWithCounts } from '../content/taxonomy.repository.ts';
import { renderMarkdown } from '../markdown/render-markdown.ts';

export const WIDGET_AREAS: WidgetArea[] = ['header', 'sidebar', 'footer'];

/** A widget with the data it shows, ready for a view. */
export type ResolvedWidget =
  | { id: number; type: 'search'; title: string }
  | { id: number; type: 'category-tree'; title: string; categories: Category[] }
  | { id: number; type: 'recent-posts'; title: string; posts: PostSummary[] }
  | {
      id: number;
      type: 'recent-comments';
      title: string;
      comments: { id: number; authorName: string; postSlug: string; postTitle: string }[];
    }
  | {
      id: number;
      type: 'tag-cloud';
      title: string;
      tags: { slug: string; name: string; count: number; weight: 1 | 2 | 3 | 4 | 5 }[];
    }
  | { id: number; type: 'archives'; title: string; months: { month: string; count: number }[] }
  | { id: number; type: 'text'; title: string; html: string };

export type WidgetType = ResolvedWidget['type'];
export const WIDGET_TYPES: WidgetType[] = [
  'search',
  'category-tree',
  'recent-posts',
  'recent-comments',
  'tag-cloud',
  'archives',
  'text',
];

export type WidgetAreas = Record<WidgetArea, ResolvedWidget[]>;

function config(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const count = (c: Record<string, unknown>, fallback: number) =>
  typeof c.count === 'number' && c.count > 0 && c.count <= 50 ? Math.floor(c.count) : fallback;

/**
 * Every widget area with its widgets resolved to data. An area with no widgets is an empty list, and the
 * views render nothing for it: readers never see an "area is empty" hint.
 */
export async function loadWidgetAreas(deps: Pick<ContentDeps, 'db' | 'clock'>): Promise<WidgetAreas> {
  const rows = await deps.db
    .selectFrom('widgets')
    .selectAll()
    .orderBy('area')
    .orderBy('position')
    .orderBy('id')
    .execute();
  const areas: WidgetAreas = { header: [], sidebar: [], footer: [] };
  const now = deps.clock.now().toISOString();
  for (const row of rows) {
    const c = config(row.config_json);
    const base = { id: row.id, title: row.title };
    let w: ResolvedWidget | undefined;
    switch (row.type) {
      case 'search':
        w = { ...base, type: 'search' };
        break;
      case 'category-tree':
        w = { ...base, type: 'category-tree', categories: (await loadCategoryTree(deps)).roots };
        break;
      case 'recent-posts':
        w = {
          ...base,
          type: 'recent-posts',
          posts: (await listLatestPosts(deps, { page: 1, perPage: count(c, 5) })).items,
        };
        break;
      case 'tag-cloud': {
        const tags = await listTagsWithCounts(deps.db, now, count(c, 20));
        const max = Math.max(1, ...tags.map((t) => t.n));
        w = {
          ...base,
          type: 'tag-cloud',
          tags: tags
            .map((t) => ({
              slug: t.slug,
              name: t.name,
              count: t.n,
              weight: Math.max(1, Math.ceil((t.n / max) * 5)) as 1 | 2 | 3 | 4 | 5,
            }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        };
        break;
      }
      case 'archives':
        w = {
          ...base,
          type: 'archives',
          months: (await countVisibleByMonth(deps.db, now)).map((m) => ({ month: m.month, count: m.n })),
        };
        break;
      case 'recent-comments':
        w = {
          ...base,
          type: 'recent-comments',
          comments: (await listRecentApprovedComments(deps.db, { limit: count(c, 5), now })).map((r) => ({
            id: r.id,
            authorName: r.author_name,
            postSlug: r.post_slug,
            postTitle: r.post_title,
          })),
        };
        break;
      case 'text':
        w = { ...base, type: 'text', html: renderMarkdown(typeof c.markdown === 'string' ? c.markdown : '').html };
        break;
      default:
        w = undefined; // a widget type this version does not know is skipped, not shown broken
    }
    if (w) areas[row.area].push(w);
  }
  return areas;
}

export interface WidgetInput {
  area: WidgetArea;
  type: WidgetType;
  title: string;
  config?: Record<string, unknown>;
}

/** Replaces every widget in the given areas, in the order given. */
export async function setWidgets(deps: Pick<ContentDeps, 'db' | 'noteWrite'>, widgets: WidgetInput[]): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const areas = [...new Set(widgets.map((w) => w.area))];
    if (areas.length) await trx.deleteFrom('widgets').where('area', 'in', areas).execute();
    for (const [position, w] of widgets.entries()) {
      await trx
        .insertInto('widgets')
        .values({ area: w.area, type: w.type, title: w.title, config_json: JSON.stringify(w.config ?? {}), position })
        .execute();
    }
  });
  deps.noteWrite();
}
