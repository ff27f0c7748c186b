import type { Db, WidgetArea, WidgetRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { listRecentApprovedComments } from '../comments/comment.repository.ts';
import { loadCategoryTree } from '../content/category.service.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import type { Category, PostSummary } from '../content/content.types.ts';
import { countVisibleByMonth } from '../content/post.repository.ts';
import { listLatestPosts } from '../content/reading.service.ts';
import { listTagsWithCounts } from '../content/taxonomy.repository.ts';
import { markdownShapeProblem } from '../markdown/markdown-limits.ts';
import { renderMarkdown } from '../markdown/render-markdown.ts';
import { changeKeys } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import {
  deleteWidgetRow,
  findAreaFill,
  findWidgetRow,
  insertWidgetRow,
  listWidgetIds,
  listWidgetRows,
  listWidgetRowsByArea,
  type NewWidgetRow,
  replaceWidgetsInAreas,
  setWidgetPosition,
  updateWidgetRow,
} from './widget.repository.ts';

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
/**
 * One widget's data, kept until a change names what it shows (decision 037): a comment reads "Latest comments"
 * again, not the tag cloud or the archives. Inside a transaction, read fresh.
 */
function keptWidget<T>(
  deps: WidgetDeps,
  key: string,
  dependsOn: readonly string[],
  load: () => Promise<T>,
): Promise<T> {
  return deps.memo && !deps.db.isTransaction ? deps.memo(`widget:${key}`, load, dependsOn) : load();
}

type WidgetDeps = Pick<ContentDeps, 'db' | 'clock' | 'memo'>;

/** The widget areas with the data each widget shows. */
export async function loadWidgetAreas(deps: WidgetDeps): Promise<WidgetAreas> {
  // The widgets themselves change only through setWidgets, which announces a change to everything.
  const rows = await keptWidget(deps, 'rows', [], () => listWidgetRowsByArea(deps.db));
  const areas: WidgetAreas = { header: [], sidebar: [], footer: [] };
  const resolved = await Promise.all(
    rows.map((row) => keptWidget(deps, String(row.id), widgetKeys(row.type), () => resolveWidget(deps, row))),
  );
  rows.forEach((row, i) => {
    const w = resolved[i];
    if (w) areas[row.area].push(w);
  });
  return areas;
}

/** What a widget of this type shows is built from. */
function widgetKeys(type: string): readonly string[] {
  if (type === 'recent-comments') return [changeKeys.comments, changeKeys.posts];
  if (type === 'search' || type === 'text') return [];
  if (type === 'category-tree') return [changeKeys.posts, changeKeys.categories];
  if (type === 'tag-cloud') return [changeKeys.posts, changeKeys.tags];
  return [changeKeys.posts];
}

async function resolveWidget(deps: WidgetDeps, row: WidgetRow): Promise<ResolvedWidget | undefined> {
  const c = config(row.config_json);
  const base = { id: row.id, title: row.title };
  const now = deps.clock.now().toISOString();
  switch (row.type) {
    case 'search':
      return { ...base, type: 'search' };
    case 'category-tree':
      return { ...base, type: 'category-tree', categories: (await loadCategoryTree(deps)).roots };
    case 'recent-posts':
      return {
        ...base,
        type: 'recent-posts',
        posts: (await listLatestPosts(deps, { page: 1, perPage: count(c, 5) })).items,
      };
    case 'tag-cloud':
      return { ...base, type: 'tag-cloud', tags: tagCloud(await listTagsWithCounts(deps.db, now, count(c, 20))) };
    case 'archives':
      return {
        ...base,
        type: 'archives',
        months: (await countVisibleByMonth(deps.db, now)).map((m) => ({ month: m.month, count: m.n })),
      };
    case 'recent-comments':
      return {
        ...base,
        type: 'recent-comments',
        comments: (await listRecentApprovedComments(deps.db, { limit: count(c, 5), now })).map((r) => ({
          id: r.id,
          authorName: r.author_name,
          postSlug: r.post_slug,
          postTitle: r.post_title,
        })),
      };
    case 'text':
      return { ...base, type: 'text', html: renderMarkdown(typeof c.markdown === 'string' ? c.markdown : '').html };
    default:
      return undefined; // a widget type this version does not know is skipped, not shown broken
  }
}

function tagCloud(tags: { slug: string; name: string; n: number }[]) {
  const max = Math.max(1, ...tags.map((t) => t.n));
  return tags
    .map((t) => ({
      slug: t.slug,
      name: t.name,
      count: t.n,
      weight: Math.max(1, Math.ceil((t.n / max) * 5)) as 1 | 2 | 3 | 4 | 5,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface WidgetInput {
  area: WidgetArea;
  type: WidgetType;
  title: string;
  config?: Record<string, unknown>;
}

/** Replaces every widget in the given areas, in the order given. */
export async function setWidgets(deps: Pick<ContentDeps, 'db' | 'noteWrite'>, widgets: WidgetInput[]): Promise<void> {
  const areas = [...new Set(widgets.map((w) => w.area))];
  const rows = widgets.map((w, position) => newWidgetRow(w, position));
  await inTransaction(deps.db, (trx) => replaceWidgetsInAreas(trx, areas, rows));
  deps.noteWrite();
}

/** A widget as stored: its settings as JSON text, at `position` in its area. */
function newWidgetRow(w: WidgetInput, position: number): NewWidgetRow {
  return { area: w.area, type: w.type, title: w.title, config_json: JSON.stringify(w.config ?? {}), position };
}

// ---- Configuring widget areas (the administration) ----

/** What a widget type asks for beyond its title: how many items, or a text body. */
export interface WidgetTypeInfo {
  label: string;
  count?: { default: number; max: number };
  text?: true;
}

export const WIDGET_TYPE_INFO: Record<WidgetType, WidgetTypeInfo> = {
  search: { label: 'Search box' },
  'category-tree': { label: 'Categories' },
  'recent-posts': { label: 'Latest articles', count: { default: 5, max: 20 } },
  'recent-comments': { label: 'Latest comments', count: { default: 5, max: 20 } },
  'tag-cloud': { label: 'Tags', count: { default: 20, max: 50 } },
  archives: { label: 'Monthly archives' },
  text: { label: 'Text', text: true },
};

export const WIDGET_LIMITS = { title: 100, text: 4000, perArea: 20 } as const;

/** A widget as stored, for the form that edits it. */
export interface WidgetSetup {
  id: number;
  area: WidgetArea;
  type: WidgetType;
  title: string;
  count: number | null;
  markdown: string;
}

/** A widget form as typed: strings, so a refused value can be shown back unchanged. */
export interface WidgetForm {
  area: string;
  type: string;
  title: string;
  count: string;
  markdown: string;
}

const isWidgetType = (t: string): t is WidgetType => (WIDGET_TYPES as string[]).includes(t);
const isWidgetArea = (a: string): a is WidgetArea => (WIDGET_AREAS as string[]).includes(a);
// An HTML tag (not "a < b", not an <https://…> autolink): text widgets are Markdown, and raw HTML is never shown.
const HTML_TAG = /<\/?[a-z][a-z0-9-]*(\s[^<>]*)?\/?>/i;

function invalid(fields: Record<string, string>): AppError {
  return new AppError('SETTINGS_INVALID', 'The widget needs a correction; nothing was saved.', { fields });
}

/** Every widget of every area as configured, in area and display order; unknown types are left out. */
export async function listWidgetSetups(deps: Pick<ContentDeps, 'db'>): Promise<Record<WidgetArea, WidgetSetup[]>> {
  const rows = await listWidgetRows(deps.db);
  const areas: Record<WidgetArea, WidgetSetup[]> = { header: [], sidebar: [], footer: [] };
  for (const row of rows) {
    if (!isWidgetType(row.type) || !isWidgetArea(row.area)) continue;
    const c = config(row.config_json);
    const info = WIDGET_TYPE_INFO[row.type];
    areas[row.area].push({
      id: row.id,
      area: row.area,
      type: row.type,
      title: row.title,
      count: info.count ? count(c, info.count.default) : null,
      markdown: typeof c.markdown === 'string' ? c.markdown : '',
    });
  }
  return areas;
}

/** Checks a widget form against its type; every problem is reported at once, by field. */
export function validateWidgetForm(form: WidgetForm): WidgetInput {
  const fields: Record<string, string> = {};
  if (!isWidgetArea(form.area)) fields.area = 'Choose the header, the sidebar or the footer.';
  if (!isWidgetType(form.type)) fields.type = 'Choose a kind of widget from the list.';
  const title = form.title.trim();
  if (title.length > WIDGET_LIMITS.title) fields.title = `Keep the title to ${WIDGET_LIMITS.title} characters.`;
  const info: WidgetTypeInfo = isWidgetType(form.type) ? WIDGET_TYPE_INFO[form.type] : { label: '' };
  const config: Record<string, unknown> = {};
  if (info.count) {
    const raw = form.count.trim();
    if (raw === '') config.count = info.count.default;
    else if (!/^[0-9]{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > info.count.max)
      fields.count = `Give a whole number from 1 to ${info.count.max}.`;
    else config.count = Number(raw);
  }
  if (info.text) {
    const markdown = form.markdown.replace(/\r\n?/g, '\n').trim();
    if (markdown === '') fields.markdown = 'Write the text the widget shows.';
    else if (markdown.length > WIDGET_LIMITS.text)
      fields.markdown = `Keep the text to ${WIDGET_LIMITS.text} characters (it has ${markdown.length}).`;
    else if (HTML_TAG.test(markdown))
      fields.markdown = 'Write Markdown or plain text: HTML tags are not shown to readers, so take them out.';
    else {
      // The text is rendered on the main thread with every page of the site: its shape is checked here.
      const shape = markdownShapeProblem(markdown);
      if (shape) fields.markdown = shape;
    }
    config.markdown = markdown;
  }
  if (Object.keys(fields).length > 0) throw invalid(fields);
  return { area: form.area as WidgetArea, type: form.type as WidgetType, title, config };
}

async function widgetRow(db: Db, id: number) {
  const row = await findWidgetRow(db, id);
  if (!row) throw new AppError('NOT_FOUND', 'That widget is not there any more.', { detail: `widget ${id}` });
  return row;
}

/** Adds a widget at the end of its area. */
export async function addWidget(deps: Pick<ContentDeps, 'db' | 'noteWrite'>, form: WidgetForm): Promise<number> {
  const w = validateWidgetForm(form);
  const id = await inTransaction(deps.db, async (trx) => {
    const last = await findAreaFill(trx, w.area);
    if (Number(last?.n ?? 0) >= WIDGET_LIMITS.perArea)
      throw invalid({ type: `An area holds at most ${WIDGET_LIMITS.perArea} widgets; remove one first.` });
    const position = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1;
    return insertWidgetRow(trx, newWidgetRow(w, position));
  });
  deps.noteWrite();
  return id;
}

/** Changes a widget's title and settings; its kind and area stay. */
export async function updateWidget(
  deps: Pick<ContentDeps, 'db' | 'noteWrite'>,
  input: { id: number; title: string; count: string; markdown: string },
): Promise<void> {
  const row = await widgetRow(deps.db, input.id);
  const w = validateWidgetForm({ ...input, area: row.area, type: row.type });
  await updateWidgetRow(deps.db, input.id, { title: w.title, config_json: JSON.stringify(w.config ?? {}) });
  deps.noteWrite();
}

/** Moves a widget one place up or down in its area (a no-op at either end). */
export async function moveWidget(
  deps: Pick<ContentDeps, 'db' | 'noteWrite'>,
  input: { id: number; direction: 'up' | 'down' },
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await widgetRow(trx, input.id);
    const ids = await listWidgetIds(trx, row.area);
    const order = swapped(ids, input.id, input.direction);
    for (const [position, id] of order.entries()) await setWidgetPosition(trx, id, position);
  });
  deps.noteWrite();
}

export async function removeWidget(deps: Pick<ContentDeps, 'db' | 'noteWrite'>, id: number): Promise<void> {
  await widgetRow(deps.db, id);
  await deleteWidgetRow(deps.db, id);
  deps.noteWrite();
}

/** `ids` with `id` swapped with its neighbour above or below. */
export function swapped(ids: number[], id: number, direction: 'up' | 'down'): number[] {
  const order = [...ids];
  const i = order.indexOf(id);
  const j = direction === 'up' ? i - 1 : i + 1;
  if (i < 0 || j < 0 || j >= order.length) return order;
  [order[i], order[j]] = [order[j]!, order[i]!];
  return order;
}
