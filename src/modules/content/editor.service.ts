import type { PostRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import type { User } from '../accounts/accounts.types.ts';
import { can } from '../accounts/policies.ts';
import { schedulePublish, unschedulePublish } from '../jobs/publish-post.job.ts';
import type { TocEntry } from '../markdown/render-markdown.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { slugify } from '../shared/slug.ts';
import { renderCitedMarkdown } from '../sources/cited-markdown.ts';
import type { ContentDeps } from './content.deps.ts';
import {
  checkPostForm,
  isReservedSlug,
  POST_FIELD_LIMITS,
  type PostFormValues,
  postFormValuesOf,
  postFormValuesOfAutosave,
} from './editor-form.ts';
import { OWN_BYLINE_CHOICE, withOwnByline } from './own-byline.service.ts';
import {
  type AdminPostFilter,
  type AdminPostRow,
  countPostsForAdmin,
  findPostById,
  findPostBySlug,
  listAllPages,
  listPostsForAdmin,
} from './post.repository.ts';
import {
  CREDIT_OTHERS_REFUSED,
  canEditPost,
  canPublishPost,
  isOwnPost,
  mayCredit,
  type WorkflowState,
  workflowState,
} from './post-policies.ts';
import { editConflict, type PostInput, prerenderCited, writePost } from './post-writer.service.ts';
import {
  deleteAutosave,
  findAutosave,
  findPostCreatedByForm,
  findRevisionByForm,
  replaceAutosave,
} from './revision.repository.ts';
import {
  authorsOfPosts,
  categoryIdsOfPost,
  findAuthorBySlug,
  findCategoryByPath,
  listAuthors,
  listCategories,
  tagsOfPosts,
} from './taxonomy.repository.ts';

/** What a writer can do from the editor's buttons ('save' keeps the post where it is in the workflow). */
export const EDITOR_ACTIONS = ['save', 'submit', 'publish', 'schedule', 'unpublish'] as const;
export type EditorAction = (typeof EDITOR_ACTIONS)[number];

/** The message key the editor shows after each action. */
export type EditorNotice =
  | 'created'
  | 'saved'
  | 'submitted'
  | 'published'
  | 'scheduled'
  | 'unpublished'
  | 'unscheduled';

/** A form id is 32 hex digits, fresh for each rendered form: a form sent twice is applied once. */
export const isFormId = (s: string) => /^[0-9a-f]{32}$/.test(s);

/** How long a form id is remembered: a resend after that is treated as a new save (and may then conflict). */
const FORM_ID_DAYS = 2;

/** A post as the editor shows it: the form values plus where it stands and what this person may do. */
export interface EditorPost {
  id: number;
  version: number;
  state: WorkflowState;
  /** The address readers use (for published posts), e.g. "/khalkhin-gol-1939/". */
  slug: string;
  publishedAt: string | null;
  updatedAt: string | null;
  values: PostFormValues;
  own: boolean;
  canPublish: boolean;
}

/** A newer autosave than the last save, offered on opening the editor. */
export interface AutosaveOffer {
  savedAt: string;
  values: PostFormValues;
  /** The version of the post the autosaved text was typed on: restoring it and saving is checked against it. */
  baseVersion?: number;
}

/** The choices the form offers: the category tree (paths, indented by depth), the authors and the pages. */
export interface EditorChoices {
  categories: { path: string; name: string; depth: number }[];
  authors: { slug: string; name: string }[];
  /** The pages a page may be placed under, in tree order (never the page itself nor its sub-pages). */
  pages: { id: number; title: string; depth: number }[];
  timeZone: string;
}

async function ownershipOf(deps: ContentDeps, post: Pick<PostRow, 'id' | 'owner_user_id'>) {
  const authors = await authorsOfPosts(deps.db, [post.id]);
  return { ownerUserId: post.owner_user_id, authorIds: authors.map((a) => a.id) };
}

/** The post, or POST_NOT_FOUND; FORBIDDEN when this person may not open it (authors and contributors: their own only). */
async function postForUser(deps: ContentDeps, user: User, postId: number) {
  const row = await findPostById(deps.db, postId);
  if (!row) throw new AppError('POST_NOT_FOUND', 'There is no such post.', { detail: String(postId) });
  const own = isOwnPost(user, user.authorId, await ownershipOf(deps, row));
  if (!canEditPost(user, own))
    throw new AppError('FORBIDDEN', 'This post belongs to someone else; your account may not open it.', {
      detail: `user ${user.id} (${user.role}) on post ${postId}`,
    });
  return { row, own, canPublish: canPublishPost(user, own) };
}

/**
 * The form's choices. A writer whose byline is still to be made (it is, at their first save) finds themselves in
 * the authors as "me" (OWN_BYLINE_CHOICE), under their name.
 */
export async function editorChoices(deps: ContentDeps, postId?: number, user?: User): Promise<EditorChoices> {
  const [categories, authors, settings, pages] = await Promise.all([
    listCategories(deps.db),
    listAuthors(deps.db),
    getSiteSettings(deps),
    listAllPages(deps.db),
  ]);
  return {
    pages: pageChoices(pages, postId),
    categories: categories
      .map((c) => ({ path: c.path, name: c.name, depth: c.path.split('/').length - 1 }))
      .sort((a, b) => a.path.localeCompare(b.path)),
    authors: [
      ...authors.map((a) => ({ slug: a.slug, name: a.name })),
      ...(user && ownBylineToCome(user) ? [{ slug: OWN_BYLINE_CHOICE, name: user.name }] : []),
    ].sort((a, b) => a.name.localeCompare(b.name)),
    timeZone: settings.timeZone,
  };
}

/**
 * The page tree flattened for a select, parents before their children (already in menu_order, then title),
 * leaving out `postId` and everything under it. A page whose parent is missing, or part of a loop, is shown at
 * the top.
 */
function pageChoices(
  pages: { id: number; title: string; parent_id: number | null }[],
  postId: number | undefined,
): EditorChoices['pages'] {
  const ids = new Set(pages.map((p) => p.id));
  const children = new Map<number | null, typeof pages>();
  for (const p of pages) {
    const parent = p.parent_id !== null && ids.has(p.parent_id) && p.parent_id !== p.id ? p.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), p]);
  }
  const out: EditorChoices['pages'] = [];
  const placed = new Set<number>();
  const walk = (parent: number | null, depth: number, hidden: boolean) => {
    for (const p of children.get(parent) ?? []) {
      if (placed.has(p.id)) continue;
      placed.add(p.id);
      // The page itself and its sub-pages cannot be its parent.
      const hide = hidden || p.id === postId;
      if (!hide) out.push({ id: p.id, title: p.title, depth });
      walk(p.id, depth + 1, hide);
    }
  };
  walk(null, 0, false);
  // Pages in a stored loop never hang from the top: offer them too (choosing one is still checked on save).
  for (const p of pages) if (!placed.has(p.id) && p.id !== postId) out.push({ id: p.id, title: p.title, depth: 0 });
  return out;
}

/** Everything the editor shows for an existing post, and this person's newer autosave of it, if any. */
export async function openPostInEditor(
  deps: ContentDeps,
  input: { user: User; postId: number },
): Promise<{ post: EditorPost; autosave?: AutosaveOffer }> {
  const { row, own, canPublish } = await postForUser(deps, input.user, input.postId);
  const { timeZone } = await getSiteSettings(deps);
  const post = await editorPostOf(deps, row, own, canPublish, timeZone);
  const auto = await findAutosave(deps.db, row.id, input.user.id);
  const lastSave = row.updated_at ?? row.created_at;
  const values = auto ? postFormValuesOfAutosave(auto.meta_json) : undefined;
  return {
    post,
    autosave:
      auto && values && auto.created_at > lastSave
        ? { savedAt: auto.created_at, values, baseVersion: autosaveBaseVersion(auto.meta_json) }
        : undefined,
  };
}

async function editorPostOf(
  deps: ContentDeps,
  row: PostRow,
  own: boolean,
  canPublish: boolean,
  timeZone: string,
): Promise<EditorPost> {
  const [categories, otherIds, tags, authors] = await Promise.all([
    listCategories(deps.db),
    categoryIdsOfPost(deps.db, row.id),
    tagsOfPosts(deps.db, [row.id]),
    authorsOfPosts(deps.db, [row.id]),
  ]);
  const pathOf = new Map(categories.map((c) => [c.id, c.path]));
  const values = postFormValuesOf(
    row,
    {
      categoryPath: row.primary_category_id === null ? null : (pathOf.get(row.primary_category_id) ?? null),
      otherCategoryPaths: otherIds.map((id) => pathOf.get(id)).filter((p): p is string => p !== undefined),
      tags: tags.map((t) => t.name),
      authorSlugs: authors.map((a) => a.slug),
    },
    timeZone,
  );
  return {
    id: row.id,
    version: row.version,
    state: workflowState(row),
    slug: row.slug,
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
    values,
    own,
    canPublish,
  };
}

/** A writer with no byline yet: their first save makes it (own-byline.service.ts). */
const ownBylineToCome = (user: User) => user.authorId === null && can(user, 'write_posts');

/** The form for a new post: this person's byline filled in (to be made at the first save if need be). */
export async function newPostValues(deps: ContentDeps, user: User): Promise<PostFormValues> {
  const authors = ownBylineToCome(user)
    ? [OWN_BYLINE_CHOICE]
    : user.authorId === null
      ? []
      : await authorsOfAuthorId(deps, user.authorId);
  return {
    title: '',
    slug: '',
    standfirst: '',
    excerpt: '',
    body: '',
    category: '',
    otherCategories: [],
    tags: '',
    authors,
    coverSrc: '',
    coverAlt: '',
    coverCaption: '',
    coverCredit: '',
    seoTitle: '',
    seoDescription: '',
    publishAt: '',
    type: 'post',
    commentsOpen: true,
    sticky: false,
    parent: '',
    menuOrder: '',
  };
}

async function authorsOfAuthorId(deps: ContentDeps, authorId: number): Promise<string[]> {
  const all = await listAuthors(deps.db);
  const a = all.find((x) => x.id === authorId);
  return a ? [a.slug] : [];
}

export interface SaveFromEditorInput {
  user: User;
  /** Absent for a new post. */
  postId?: number;
  values: PostFormValues;
  action: EditorAction;
  /** posts.version the form was rendered with (required for an existing post). */
  version?: number;
  /** The rendered form's one-time id. */
  formId: string;
  /**
   * Runs inside the save's transaction once the post is written (e.g. recording a correction note in the public
   * log); throwing undoes the whole save. Not run for a form that was already applied.
   */
  withinSave?: (tx: ContentDeps, saved: { id: number; revision: number; published: boolean }) => Promise<void>;
}

/**
 * One press of an editor button, in one transaction: checks the form (POST_INVALID with a message per field,
 * nothing written), who may do what (FORBIDDEN), that nobody saved in between (EDIT_CONFLICT), then saves with
 * a revision and moves the post along the workflow, scheduling or withdrawing its publish job. A form id that
 * was already applied returns what that save returned, so a double submit changes nothing.
 */
export async function saveFromEditor(
  deps: ContentDeps,
  input: SaveFromEditorInput,
): Promise<{ id: number; notice: EditorNotice; replayed: boolean }> {
  const { action } = input;
  let { user } = input;
  if (!isFormId(input.formId)) throw new AppError('BAD_REQUEST', 'The form could not be read; reload the page.');
  if (!can(user, 'write_posts'))
    throw new AppError('FORBIDDEN', 'Your account may not write posts.', { detail: `user ${user.id} (${user.role})` });
  const { timeZone } = await getSiteSettings(deps);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  // The body is rendered before the transaction (writePost uses it when the checked body is the same text).
  // (Only a form that passes its checks: a refused body, e.g. one built to slow the parser, is never rendered.)
  const precheck = checkPostForm(input.values, timeZone);
  const rendered =
    Object.keys(precheck.fields).length === 0 ? await prerenderCited(deps.db, precheck.input.bodyMarkdown) : undefined;
  const result = await inTransaction(deps.db, async (trx) => {
    const tx = { ...deps, db: trx };
    const since = new Date(now.getTime() - FORM_ID_DAYS * 86_400_000).toISOString();
    const applied = await findRevisionByForm(trx, user.id, input.formId, since);
    if (applied) {
      const meta = JSON.parse(applied.meta_json) as { notice?: EditorNotice };
      return { id: applied.post_id, notice: meta.notice ?? 'saved', replayed: true };
    }
    // The writer's first save gives them their byline (before anything else is written: see ensureOwnByline).
    const mine = await withOwnByline(tx, input.user, input.values);
    user = mine.user;
    const existing = input.postId === undefined ? undefined : await postForUser(tx, user, input.postId);
    const own = existing ? existing.own : true;
    const mayPublish = canPublishPost(user, own);
    const before = existing?.row;
    // A form opened on an older version is a conflict before anything else: the post may have been published
    // or taken down since, and the writer should see that with their text kept, not a bare refusal.
    if (before && input.version !== undefined && before.version !== input.version)
      throw editConflict(before.id, input.version, before.version);
    const state = before ? workflowState(before) : 'draft';

    const { fields, input: checked, publishAt } = checkPostForm(mine.values, timeZone);
    await checkAgainstDatabase(tx, input.postId, checked, fields);
    if (!fields.authors) {
      const refused = await bylineRefusal(tx, user, before?.id, checked.authorSlugs);
      if (refused) fields.authors = refused;
    }

    // What the button does to the post's place in the workflow, and who may press it.
    const live = state === 'published' || state === 'scheduled';
    const needsPublishRight = action === 'publish' || action === 'schedule' || action === 'unpublish' || live;
    if (needsPublishRight && !mayPublish)
      throw new AppError(
        'FORBIDDEN',
        live
          ? 'This post is published or scheduled: only someone who may publish it can change it.'
          : 'Your account may save drafts and send them for review, not publish or schedule.',
        { detail: `user ${user.id} (${user.role}) ${action} on ${state}` },
      );
    if (action === 'schedule' && !fields.publishAt) {
      if (!publishAt) fields.publishAt = 'Choose when to publish it.';
      else if (publishAt <= nowIso) fields.publishAt = 'That time has passed: choose a later one, or publish now.';
    }
    if (action === 'save' && live && publishAt && !fields.publishAt) {
      if (state === 'scheduled' && publishAt <= nowIso)
        fields.publishAt = 'That time has passed: choose a later one, or publish now.';
      if (state === 'published' && publishAt > nowIso)
        fields.publishAt = 'A published post cannot have a time still to come: unpublish it and schedule it instead.';
    }
    if (action === 'unpublish' && !live) throw new AppError('BAD_REQUEST', 'This post is not published or scheduled.');
    if (action === 'submit' && live) throw new AppError('BAD_REQUEST', 'This post is already published or scheduled.');
    if (Object.keys(fields).length > 0)
      throw new AppError('POST_INVALID', 'Some fields need a correction; nothing was saved.', { fields });
    if (before && input.version === undefined)
      throw new AppError('BAD_REQUEST', 'The form could not be read; reload the page.');

    const post: PostInput = { ...checked, id: before?.id, status: before?.status ?? 'draft', ownerUserId: user.id };
    // Opening or closing comments is for people who manage the discussion; anyone else's form leaves it be.
    if (!can(user, 'manage_discussion')) post.commentsOpen = before ? before.comments_open === 1 : true;
    let notice: EditorNotice = before ? 'saved' : 'created';
    switch (action) {
      case 'save':
        post.publishedAt = publishAt ?? (live ? before?.published_at : null) ?? null;
        if (state === 'published' && !publishAt) post.publishedAt = before?.published_at ?? nowIso;
        break;
      case 'submit':
        post.status = 'draft';
        post.submittedAt = before?.submitted_at ?? nowIso;
        post.unpublishedAt = null; // sent for review again: in review, no longer "unpublished"
        post.publishedAt = publishAt;
        notice = 'submitted';
        break;
      case 'publish':
        post.status = 'published';
        post.publishedAt = publishAt && publishAt <= nowIso ? publishAt : nowIso;
        post.submittedAt = null;
        post.unpublishedAt = null;
        notice = 'published';
        break;
      case 'schedule':
        post.status = 'scheduled';
        post.publishedAt = publishAt;
        post.submittedAt = null;
        post.unpublishedAt = null;
        notice = 'scheduled';
        break;
      case 'unpublish':
        post.status = 'draft';
        post.publishedAt = before?.published_at ?? null;
        post.unpublishedAt = state === 'published' ? nowIso : null;
        notice = state === 'published' ? 'unpublished' : 'unscheduled';
        break;
    }
    const saved = await writePost(tx, post, {
      rendered,
      expectedVersion: before ? input.version : undefined,
      revision: {
        kind: action === 'publish' || action === 'schedule' ? 'publish' : 'save',
        userId: user.id,
        extra: { formId: input.formId, notice },
      },
    });
    if (post.status === 'scheduled' && post.publishedAt) await schedulePublish(trx, saved.id, post.publishedAt);
    else if (before?.status === 'scheduled') await unschedulePublish(trx, saved.id);
    await deleteAutosave(trx, saved.id, user.id);
    await input.withinSave?.(tx, { id: saved.id, revision: saved.revision, published: post.status === 'published' });
    return { id: saved.id, notice, replayed: false, change: saved.change };
  });
  if (!result.replayed) deps.noteWrite(result.change);
  return result;
}

/** Adds a message per field for what only the database can tell: a taken slug, an unknown category or author. */
async function checkAgainstDatabase(
  deps: ContentDeps,
  postId: number | undefined,
  input: Omit<PostInput, 'status'>,
  fields: Record<string, string>,
): Promise<void> {
  if (!fields.slug && input.slug) {
    const clash = await findPostBySlug(deps.db, input.slug);
    if (clash && clash.id !== postId)
      // The other post is not named: it may be someone else's draft this writer cannot open.
      fields.slug = `The slug “${input.slug}” is already used by another post or page; choose another.`;
  }
  if (input.categoryPath && !(await findCategoryByPath(deps.db, input.categoryPath)))
    fields.category = 'Choose a category from the list.';
  for (const p of input.otherCategoryPaths ?? [])
    if (!(await findCategoryByPath(deps.db, p))) fields.otherCategories = 'Choose other categories from the list.';
  for (const slug of input.authorSlugs ?? [])
    if (!(await findAuthorBySlug(deps.db, slug))) fields.authors = 'Choose authors from the list.';
}

/**
 * The byline rule of every path that writes a post or keeps a writer's text (save, autosave, restore): the
 * message to show when `authorSlugs` names someone this person may not credit (see mayCredit), else undefined.
 */
export async function bylineRefusal(
  deps: ContentDeps,
  user: User,
  postId: number | undefined,
  authorSlugs: readonly string[] | undefined,
): Promise<string | undefined> {
  const wanted = authorSlugs ?? [];
  if (mayCredit(user, wanted, [])) return undefined;
  const current = postId === undefined ? [] : (await authorsOfPosts(deps.db, [postId])).map((a) => a.slug);
  const own = user.authorId === null ? [] : await authorsOfAuthorId(deps, user.authorId);
  return mayCredit(user, wanted, [...current, ...own]) ? undefined : CREDIT_OTHERS_REFUSED;
}

/**
 * Keeps what a writer has typed as their autosave of the post (one per person per post, replaced each time).
 * The post itself, and what readers see, is not touched.
 */
export async function autosavePost(
  deps: ContentDeps,
  input: { user: User; postId: number; values: PostFormValues; version?: number },
): Promise<{ savedAt: string }> {
  if (input.values.body.length > POST_FIELD_LIMITS.body || input.values.title.length > POST_FIELD_LIMITS.title)
    throw new AppError('POST_INVALID', 'The post is too long to keep.', { fields: { body: 'The body is too long.' } });
  const savedAt = deps.clock.now().toISOString();
  await inTransaction(deps.db, async (trx) => {
    const { user, values: v } = await withOwnByline({ ...deps, db: trx }, input.user, input.values);
    const { row } = await postForUser({ ...deps, db: trx }, user, input.postId);
    // Refused as a save would refuse it: restoring this autosave must not be a way round the byline rule.
    const refused = await bylineRefusal(
      { ...deps, db: trx },
      user,
      row.id,
      v.authors.map((a) => a.trim()).filter(Boolean),
    );
    if (refused) throw new AppError('POST_INVALID', refused, { fields: { authors: refused } });
    await replaceAutosave(trx, {
      post_id: row.id,
      kind: 'autosave',
      title: v.title,
      slug: v.slug,
      standfirst: v.standfirst,
      excerpt: v.excerpt,
      body_md: v.body,
      // The version the writer's form was opened on, so a restored autosave cannot overwrite later saves.
      meta_json: JSON.stringify({ form: v, version: input.version ?? row.version }),
      status: workflowState(row),
      user_id: input.user.id,
      created_at: savedAt,
    });
  });
  // Nothing readers see, told all the same: the other nodes then know this commit was announced rather than drop
  // every page for it (decision 049), and so do the other processes on a SQLite file.
  deps.noteWrite(NOTHING_CHANGED);
  return { savedAt };
}

/** The post version an autosave was typed on (older autosaves did not keep it). */
function autosaveBaseVersion(meta_json: string): number | undefined {
  try {
    const v = (JSON.parse(meta_json) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The title a post kept automatically before it had one. */
export const UNTITLED_DRAFT = 'Untitled draft';

/** Form fields whose problems the first autosave of a new post works around (see autosaveNewPost). */
const LENIENT_FIELDS = new Set(['title', 'slug', 'body', 'category', 'otherCategories', 'authors', 'publishAt']);

/** `base`, or `base-2`, `base-3`… : the first that no post uses and the site does not reserve. */
async function freeSlug(deps: ContentDeps, base: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const slug = n === 1 ? base : `${base.slice(0, 90)}-${n}`;
    if (!isReservedSlug(slug) && !(await findPostBySlug(deps.db, slug))) return slug;
  }
  throw new AppError('BAD_REQUEST', 'No free address could be found for this post; give it a slug.');
}

/**
 * The first autosave of a post that was never saved: creates it as a draft owned by this person, with what was
 * typed, so closing or reloading the tab loses nothing; later autosaves of it go through autosavePost. What the
 * form would refuse and typing can leave half-done is worked around rather than refused: no title yet gives
 * "Untitled draft", a slug that is malformed, reserved or taken gives a free one made from the title, and an
 * unknown category or author or an unreadable time is left out. Anything else wrong (a field too long, a bad
 * cover address, a byline this person may not credit) refuses the autosave with POST_INVALID, and nothing is
 * written. Readers see nothing: a draft. One form makes one draft: an autosave from a form (`formId`) that
 * already made one (its answer lost on the way, the page kept open in another tab) keeps the text in that draft.
 */
export async function autosaveNewPost(
  deps: ContentDeps,
  input: { user: User; values: PostFormValues; formId?: string },
): Promise<{ id: number; version: number; savedAt: string }> {
  if (!can(input.user, 'write_posts'))
    throw new AppError('FORBIDDEN', 'Your account may not write posts.', {
      detail: `user ${input.user.id} (${input.user.role})`,
    });
  const formId = input.formId !== undefined && isFormId(input.formId) ? input.formId : undefined;
  const made = formId ? await findPostCreatedByForm(deps.db, input.user.id, formId) : undefined;
  if (made !== undefined) {
    const { row } = await postForUser(deps, input.user, made);
    const { savedAt } = await autosavePost(deps, { user: input.user, postId: made, values: input.values });
    return { id: made, version: row.version, savedAt };
  }
  const { timeZone } = await getSiteSettings(deps);
  const savedAt = deps.clock.now().toISOString();
  const saved = await inTransaction(deps.db, async (trx) => {
    const tx = { ...deps, db: trx };
    // A new post is the writer's first save for many: it gives them their byline.
    const { user, values: v } = await withOwnByline(tx, input.user, input.values);
    const { fields, input: checked } = checkPostForm(v, timeZone);
    await checkAgainstDatabase(tx, undefined, checked, fields);
    // An unknown author is typing left half-done (dropped below); crediting someone else is refused, as at save.
    const credit = fields.authors ? undefined : await bylineRefusal(tx, user, undefined, checked.authorSlugs);
    if (credit) throw new AppError('POST_INVALID', credit, { fields: { authors: credit } });
    const refused = Object.keys(fields).filter((k) => !LENIENT_FIELDS.has(k) || (k === 'body' && v.body.trim() !== ''));
    if (fields.title && v.title.trim()) refused.push('title');
    if (refused.length > 0)
      throw new AppError('POST_INVALID', 'Some fields need a correction before the post can be kept.', {
        fields: Object.fromEntries(refused.map((k) => [k, fields[k] ?? ''])),
      });
    const title = checked.title || UNTITLED_DRAFT;
    const post: PostInput = {
      ...checked,
      title,
      slug: fields.slug || !checked.slug ? await freeSlug(tx, slugify(title)) : checked.slug,
      categoryPath: fields.category ? null : checked.categoryPath,
      otherCategoryPaths: fields.otherCategories ? [] : checked.otherCategoryPaths,
      authorSlugs: fields.authors ? [] : checked.authorSlugs,
      status: 'draft',
      publishedAt: null,
      ownerUserId: user.id,
    };
    const extra = formId ? { autosaved: true, createdByForm: formId } : { autosaved: true };
    return writePost(tx, post, { revision: { kind: 'save', userId: user.id, extra } });
  });
  deps.noteWrite(saved.change);
  return { id: saved.id, version: saved.version, savedAt };
}

/** Forgets this person's autosave of a post (the writer chose the saved version). */
export async function discardAutosave(deps: ContentDeps, input: { user: User; postId: number }): Promise<void> {
  await postForUser(deps, input.user, input.postId);
  await deleteAutosave(deps.db, input.postId, input.user.id);
  deps.noteWrite(NOTHING_CHANGED); // as for autosavePost
}

/**
 * The body rendered by the public page's pipeline (footnotes, figures, tables, heading ids, citations) and its
 * contents. A cite of a key with no source is marked so the writer sees it.
 */
export async function previewBody(
  deps: { db: ContentDeps['db'] },
  markdown: string,
): Promise<{ html: string; toc: TocEntry[]; wordCount: number }> {
  if (markdown.length > POST_FIELD_LIMITS.body)
    throw new AppError('POST_INVALID', 'The body is too long to preview.', {
      fields: { body: 'The body is too long.' },
    });
  const r = await renderCitedMarkdown(deps.db, markdown, { flagUnknown: true });
  return { html: r.html, toc: r.toc, wordCount: r.wordCount };
}

export const ADMIN_POSTS_PER_PAGE = 25;

/** The administration's posts list. People who may not edit others' posts see only their own. */
export async function listPostsForEditor(
  deps: ContentDeps,
  input: {
    user: User;
    state?: WorkflowState;
    type?: 'post' | 'page';
    mine?: boolean;
    /** Words of the title or slug. */
    search?: string;
    /** Posts carrying this byline. */
    authorId?: number;
    page: number;
  },
): Promise<{
  posts: (AdminPostRow & { state: WorkflowState; authors: string[] })[];
  total: number;
  pageCount: number;
}> {
  const { user } = input;
  const onlyOwn = input.mine || !can(user, 'edit_others_posts');
  const filter: AdminPostFilter = {
    state: input.state,
    type: input.type,
    ownedBy: onlyOwn ? { userId: user.id, authorId: user.authorId } : undefined,
    search: input.search,
    authorId: input.authorId,
  };
  const [rows, total] = await Promise.all([
    listPostsForAdmin(deps.db, filter, {
      limit: ADMIN_POSTS_PER_PAGE,
      offset: (input.page - 1) * ADMIN_POSTS_PER_PAGE,
    }),
    countPostsForAdmin(deps.db, filter),
  ]);
  const authors = await authorsOfPosts(
    deps.db,
    rows.map((r) => r.id),
  );
  return {
    posts: rows.map((r) => ({
      ...r,
      state: workflowState(r),
      authors: authors.filter((a) => a.post_id === r.id).map((a) => a.name),
    })),
    total,
    pageCount: Math.max(1, Math.ceil(total / ADMIN_POSTS_PER_PAGE)),
  };
}

/** The editor's current values of a post for a person allowed to open it (used after a refused save). */
export async function currentEditorPost(deps: ContentDeps, input: { user: User; postId: number }): Promise<EditorPost> {
  return (await openPostInEditor(deps, input)).post;
}
