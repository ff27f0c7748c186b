import { categoryAndDescendants, loadCategoryTree } from '../../modules/content/category.service.ts';
import type { Category } from '../../modules/content/content.types.ts';
import type { SiteTimelineInput } from '../../modules/history/timeline.service.ts';
import { readTimelineRange } from '../../modules/history/timeline-query.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import type { WebContext } from '../kit/web-deps.ts';
import type { TimelineChoices, TimelineParams } from './timeline-page.views.tsx';

/**
 * The site timeline's query (the page's and the API's) read into the use case's input: the range and zoom checked
 * by the domain, the category path turned into its ids and its descendants' (the category tree is the content
 * module's, which history does not import).
 */
export async function readSiteTimelineInput(ctx: WebContext, q: TimelineParams): Promise<SiteTimelineInput> {
  const range = readTimelineRange(q);
  const input: SiteTimelineInput = { range, page: parsePageNumber(q.page) };
  if (q.place) input.place = q.place;
  if (q.person) input.person = q.person;
  if (q.org) input.org = q.org;
  if (q.category) {
    const category = (await loadCategoryTree(ctx.deps.content)).byPath.get(q.category);
    if (!category) {
      const message = `No category has the address “${q.category.slice(0, 100)}”.`;
      throw new AppError('TIMELINE_QUERY_INVALID', message, { fields: { category: message }, detail: 'category' });
    }
    input.categoryIds = categoryAndDescendants(category);
  }
  return input;
}

/** Every category, parents before their children, with its depth (the form's choices). */
export async function categoryChoices(ctx: WebContext): Promise<TimelineChoices['categories']> {
  const out: TimelineChoices['categories'] = [];
  const walk = (cs: readonly Category[], depth: number) => {
    for (const c of cs) {
      out.push({ path: c.path, name: c.name, depth });
      walk(c.children, depth + 1);
    }
  };
  walk((await loadCategoryTree(ctx.deps.content)).roots, 0);
  return out;
}
