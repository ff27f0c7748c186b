import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { CITATION_STYLES, type CitationStyle } from '../settings/citation-styles.ts';
import { type Change, sourceChange } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { formatSource } from './citation-format.ts';
import {
  countSourceRows,
  deleteSourceRow,
  entitiesCitingSource,
  findSourceRowByKey,
  findSourceRowsByKeys,
  insertSourceRow,
  invalidateCitingRenders,
  listAllSourceRows,
  listSourceRows,
  postsCitingKey,
  publishedPostsCitingKey,
  type SourceRow,
  updateSourceRow,
} from './source.repository.ts';
import { itemFromForm, kindOfType, plainTitle, type SourceForm } from './source-form.ts';
import type { CitingArticle, CslItem, Source } from './sources.types.ts';

/** What the sources use cases need, built once in main.ts (a subset of the content deps). */
export interface SourcesDeps {
  db: Db;
  clock: Clock;
  /** Called after every committed write with what it changed (sourceChange), so page caches know at once. */
  noteWrite: (change?: Change) => void;
}

export function sourceOf(row: SourceRow): Source {
  let item: CslItem;
  try {
    item = { ...(JSON.parse(row.csl_json) as CslItem), id: row.key };
  } catch {
    // A hand-edited row that is not JSON still shows its title rather than breaking every page citing it.
    item = { id: row.key, type: 'document', title: row.title };
  }
  return {
    id: row.id,
    key: row.key,
    kind: row.kind,
    title: row.title,
    item,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findSourceByKey(deps: Pick<SourcesDeps, 'db'>, key: string): Promise<Source | undefined> {
  const row = await findSourceRowByKey(deps.db, key.toLowerCase());
  return row ? sourceOf(row) : undefined;
}

/** The sources with these keys (unknown keys are left out). */
export async function findSourcesByKeys(deps: Pick<SourcesDeps, 'db'>, keys: string[]): Promise<Source[]> {
  return (await findSourceRowsByKeys(deps.db, [...new Set(keys)])).map(sourceOf);
}

export async function getSource(deps: Pick<SourcesDeps, 'db'>, key: string): Promise<Source> {
  const source = await findSourceByKey(deps, key);
  if (!source)
    throw new AppError('SOURCE_NOT_FOUND', 'There is no source with this key.', { detail: key.slice(0, 80) });
  return source;
}

export const SOURCES_PER_PAGE = 50;

/** The administration's list, searched by key, title or author. */
export async function listSources(
  deps: Pick<SourcesDeps, 'db'>,
  input: { q?: string; page: number },
): Promise<{ sources: Source[]; total: number; pageCount: number }> {
  const q = input.q?.trim().slice(0, 100) || undefined;
  const [rows, total] = await Promise.all([
    listSourceRows(deps.db, { q }, { limit: SOURCES_PER_PAGE, offset: (input.page - 1) * SOURCES_PER_PAGE }),
    countSourceRows(deps.db, { q }),
  ]);
  return { sources: rows.map(sourceOf), total, pageCount: Math.max(1, Math.ceil(total / SOURCES_PER_PAGE)) };
}

/** Every source, for the public index. */
export async function listAllSources(deps: Pick<SourcesDeps, 'db'>): Promise<Source[]> {
  return (await listAllSourceRows(deps.db)).map(sourceOf);
}

function rowValues(key: string, item: CslItem, note: string, now: string) {
  return {
    key,
    kind: kindOfType(item.type),
    title: plainTitle(item.title ?? key),
    csl_json: JSON.stringify(item),
    note,
    updated_at: now,
  };
}

const keyTaken = (key: string) =>
  new AppError('SOURCE_KEY_TAKEN', `Another source already has the key "${key}".`, {
    fields: { key: 'Another source has this key; choose another (e.g. add a letter).' },
  });

/** Adds a source from the form. Articles that already cite its key show it from their next read. */
export async function createSource(deps: SourcesDeps, form: SourceForm): Promise<Source> {
  const { key, item, note } = itemFromForm(form);
  const now = deps.clock.now().toISOString();
  await inTransaction(deps.db, async (trx) => {
    if (await findSourceRowByKey(trx, key)) throw keyTaken(key);
    await insertSourceRow(trx, { ...rowValues(key, item, note, now), created_at: now });
    await invalidateCitingRenders(trx, [key]);
  });
  deps.noteWrite(sourceChange([key]));
  return getSource(deps, key);
}

/**
 * Saves the edited source; every article citing it is re-rendered on its next read. The key can change only
 * while no article cites it (their `:cite[…]` would stop finding it).
 */
export async function updateSource(deps: SourcesDeps, input: { key: string; form: SourceForm }): Promise<Source> {
  const now = deps.clock.now().toISOString();
  const saved = await inTransaction(deps.db, async (trx) => {
    const before = await findSourceRowByKey(trx, input.key);
    if (!before) throw new AppError('SOURCE_NOT_FOUND', 'There is no source with this key.', { detail: input.key });
    const { key, item, note } = itemFromForm(input.form, JSON.parse(before.csl_json) as CslItem);
    if (key !== before.key) {
      const citing = await postsCitingKey(trx, before.key);
      if (citing.length > 0)
        throw new AppError('SOURCE_INVALID', 'Articles cite this key, so it cannot change.', {
          fields: { key: `Cited by ${citing.map((p) => `“${p.title}”`).join(', ')}: change the citations first.` },
        });
      if (await findSourceRowByKey(trx, key)) throw keyTaken(key);
    }
    await updateSourceRow(trx, before.id, rowValues(key, item, note, now));
    await invalidateCitingRenders(trx, [before.key, key]);
    return { key, before: before.key };
  });
  // A new key: the page at the old one goes away.
  deps.noteWrite(sourceChange([saved.before, saved.key], saved.key !== saved.before));
  return getSource(deps, saved.key);
}

/** Deletes a source no article cites (SOURCE_IN_USE names the articles that do). */
export async function deleteSource(deps: SourcesDeps, input: { key: string }): Promise<void> {
  const deleted = await inTransaction(deps.db, async (trx) => {
    const row = await findSourceRowByKey(trx, input.key);
    if (!row) throw new AppError('SOURCE_NOT_FOUND', 'There is no source with this key.', { detail: input.key });
    const citing = await postsCitingKey(trx, row.key);
    if (citing.length > 0)
      throw new AppError(
        'SOURCE_IN_USE',
        `This source is cited by ${citing.map((p) => `“${p.title}”`).join(', ')}; remove those citations first.`,
        { detail: row.key },
      );
    const entities = await entitiesCitingSource(trx, row.id);
    if (entities.length > 0)
      throw new AppError(
        'SOURCE_IN_USE',
        `${entities.map((e) => `“${e.name}”`).join(', ')} ${entities.length === 1 ? 'lists' : 'list'} this source among ${entities.length === 1 ? 'its' : 'their'} sources; remove it there first.`,
        { detail: row.key },
      );
    await deleteSourceRow(trx, row.id);
    return row.key;
  });
  deps.noteWrite(sourceChange([deleted], true));
}

/** A source in one style: its citation (note or in-text) and its bibliography entry, as citeproc HTML. */
export interface FormattedSource {
  style: CitationStyle;
  citation: string;
  entry: string;
}

/**
 * A source as readers see it: formatted in every style, the site's own first, with every published article
 * citing it.
 */
export async function getSourcePage(
  deps: Pick<SourcesDeps, 'db' | 'clock'>,
  input: { key: string; style: CitationStyle },
): Promise<{ source: Source; entry: string; styles: FormattedSource[]; citedBy: CitingArticle[] }> {
  const source = await getSource(deps, input.key);
  const rows = await publishedPostsCitingKey(deps.db, source.key, deps.clock.now().toISOString());
  const order = [input.style, ...CITATION_STYLES.filter((s) => s !== input.style)];
  const styles = order.map((style) => ({ style, ...formatSource(style, source.item) }));
  return {
    source,
    entry: styles[0]!.entry,
    styles,
    citedBy: rows.map((r) => ({ slug: r.slug, title: r.title, publishedAt: r.published_at ?? '' })),
  };
}
