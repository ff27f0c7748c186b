import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderToString } from 'preact-render-to-string';
import { can } from '../../../modules/accounts/policies.ts';
import {
  autosaveNewPost,
  autosavePost,
  currentEditorPost,
  discardAutosave,
  EDITOR_ACTIONS,
  type EditorAction,
  type EditorPost,
  editorChoices,
  newPostValues,
  openPostInEditor,
  previewBody,
  saveFromEditor,
} from '../../../modules/content/editor.service.ts';
import { type PostFormValues, postFormValuesFrom } from '../../../modules/content/editor-form.ts';
import { ownChoiceShown } from '../../../modules/content/own-byline.service.ts';
import type { FieldDiff } from '../../../modules/content/revision-diff.ts';
import {
  compareRevisions,
  diffAgainstTyped,
  listPostRevisions,
  restoreRevision,
} from '../../../modules/content/revisions.service.ts';
import { whereTypedIsKept } from '../../../modules/content/saved-state.ts';
import {
  type CorrectionNoteValues,
  correctionNoteFrom,
  EMPTY_CORRECTION_NOTE,
} from '../../../modules/corrections/corrections-log.service.ts';
import { correctionOnSave, hasCorrectionNote } from '../../../modules/corrections/publish-correction.workflow.ts';
import { proposedEdit } from '../../../modules/corrections/suggestion-review.service.ts';
import { markdownShapeProblem } from '../../../modules/markdown/markdown-limits.ts';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import type { CorrectionNoteState, SuggestionContext } from '../../evidence/correction-note.views.tsx';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { loadChrome } from '../../kit/render.tsx';
import { typed } from '../../kit/schemas.ts';
import { Toc } from '../../reader/article.views.tsx';
import { type AdminKit, IdParams, idParam, noticeOf, one, seeOther } from '../kit.tsx';
import { formOf } from '../session.ts';
import { registerEditorDeskRoutes } from './desk.routes.tsx';
import { registerPostsListRoute } from './list.routes.tsx';
import { runPreflight } from './preflight.ts';
import { CompareView, RevisionsView } from './revisions.views.tsx';
import {
  CompareQuery,
  CsrfOnly,
  EDITOR_BODY_LIMIT,
  EditorForm,
  EditorQuery,
  NewPostQuery,
  PreviewForm,
  RestoreForm,
  RestoreParams,
  RevisionsQuery,
  SuggestionQuery,
} from './schemas.ts';
import { type EditorViewProps, editorNoticeText, PostEditorView, type PreflightIssue } from './views.tsx';

/** A post body of 400,000 characters, percent-encoded, fits; the admin forms' usual 64 KB would not. */

const newFormId = () => randomBytes(16).toString('hex');
const badQuery = (what: string) => new AppError('INVALID_QUERY', `The ${what} in the address is not valid.`);

/**
 * The editor's canvas (CodeMirror) writes its own layout rules in a <style> element: this page's policy lets
 * through the style elements carrying this response's random nonce, and nothing else (decision 046).
 */
function allowEditorStyles(reply: FastifyReply): string {
  const nonce = randomBytes(16).toString('base64');
  const policy = String(reply.getHeader('content-security-policy') ?? '');
  if (policy.includes("style-src 'self'"))
    reply.header('content-security-policy', policy.replace("style-src 'self'", `style-src 'self' 'nonce-${nonce}'`));
  return nonce;
}

/**
 * Whether the editor opens with this person's autosave in the form: a draft does (the island said "Saved"), unless
 * `?autosave=saved` asks for the saved version; a published or scheduled post opens as readers have it, with the
 * kept changes offered back (`?autosave=restore` takes them).
 */
function opensWithAutosave(post: EditorPost, asked: string | undefined): boolean {
  const live = post.state === 'published' || post.state === 'scheduled';
  return asked === 'restore' || (!live && asked !== 'saved');
}

/** The body as the public page shows it: the contents list (three or more sections) and the rendered text. */
async function previewHtml(deps: Parameters<typeof previewBody>[0], markdown: string): Promise<string> {
  const refused = (message: string) => renderToString(<p class="editor__preview-refused">{message}</p>);
  const marks = markdownShapeProblem(markdown);
  if (marks) return refused(marks);
  let r: Awaited<ReturnType<typeof previewBody>>;
  try {
    r = await previewBody(deps, markdown);
  } catch (err) {
    if (isAppError(err) && err.code === 'TEXT_TOO_COMPLEX') return refused(err.publicMessage);
    throw err;
  }
  const toc = r.toc.filter((t) => t.depth === 2).length >= 3 ? renderToString(<Toc toc={r.toc} />) : '';
  return toc + r.html;
}

/**
 * The post editor under /admin/posts: the list, new and edit forms (save, send for review, publish, schedule,
 * unpublish, check), the live preview and autosave endpoints of the editor island, and revisions (list,
 * compare, restore). Who may open which post is decided in the content module (403 for others' posts).
 */
export function registerPostAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps = kit.ctx.deps.content;
  /** Live previews and first autosaves parse the body: counted per account, like a reader's comment checks. */
  const limitPreviews = async (req: FastifyRequest) => {
    if (await kit.ctx.previewLimit.exceeded(`user:${kit.viewerOf(req).user.id}`, deps.clock.now().getTime()))
      throw new AppError('RATE_LIMITED', 'The preview is updating too often. Wait a few seconds; your text is kept.');
  };

  staff.register(async (posts) => {
    const scope = typed(posts);
    scope.addHook('preValidation', async (req) => {
      kit.requireCapability(req, 'write_posts');
    });

    registerPostsListRoute(posts, kit);
    registerEditorDeskRoutes(posts, kit, limitPreviews);

    /** Renders the editor with what the writer typed (or the stored post), and whatever panels apply. */
    async function showEditor(
      req: FastifyRequest,
      reply: FastifyReply,
      o: {
        post?: EditorPost;
        values: PostFormValues;
        status?: number;
        errors?: Record<string, string>;
        formId?: string;
        version?: number;
        notice?: string;
        autosave?: EditorViewProps['autosave'];
        conflict?: FieldDiff[];
        preflight?: EditorViewProps['preflight'];
        correction?: CorrectionNoteState;
        typedKept?: EditorViewProps['typedKept'];
      },
    ) {
      const viewer = kit.viewerOf(req);
      const [choices, { site }, values] = await Promise.all([
        editorChoices(deps, o.post?.id, viewer.user),
        loadChrome(kit.ctx),
        ownChoiceShown(deps, viewer.user, o.values),
      ]);
      let preview = '';
      try {
        preview = await previewHtml(deps, o.values.body);
      } catch (err) {
        if (!isAppError(err)) throw err;
      }
      const styleNonce = allowEditorStyles(reply);
      return kit.page(reply, {
        title: o.post ? `Edit “${o.post.values.title || 'Untitled'}”` : 'New post',
        viewer,
        current: 'posts',
        status: o.status,
        body: (
          <PostEditorView
            post={o.post}
            values={values}
            errors={o.errors ?? {}}
            choices={choices}
            formId={o.formId ?? newFormId()}
            version={o.version ?? o.post?.version}
            viewer={viewer}
            site={site}
            notice={o.notice}
            previewHtml={preview}
            autosave={o.autosave}
            conflict={o.conflict}
            preflight={o.preflight}
            canPublish={o.post ? o.post.canPublish : can(viewer.user, 'publish_posts')}
            correction={o.correction ?? { values: EMPTY_CORRECTION_NOTE }}
            styleNonce={styleNonce}
            typedKept={o.typedKept}
          />
        ),
      });
    }

    scope.get('/admin/posts/new', { schema: { querystring: NewPostQuery } }, async (req, reply) =>
      showEditor(req, reply, { values: await newPostValues(deps, kit.viewerOf(req).user) }),
    );

    /**
     * The reader's suggestion an editor is accepting (?suggestion= on opening, the form's suggestionId on saving):
     * the body with the change applied and the note's words. Only for people who review corrections.
     */
    async function suggestionFor(req: FastifyRequest, postId: number, raw: string | undefined) {
      if (raw === undefined || raw === '') return undefined;
      if (!/^[0-9]{1,9}$/.test(raw)) throw badQuery('suggestion number');
      kit.requireCapability(req, 'review_corrections');
      const p = await proposedEdit(deps.db, Number(raw));
      if (p.postId !== postId)
        throw new AppError('SUGGESTION_NOT_FOUND', 'That suggestion is about another article.', {
          detail: `suggestion ${raw} is on post ${p.postId}, not ${postId}`,
        });
      const context: SuggestionContext = {
        id: Number(raw),
        creditName: p.creditName,
        applied: p.applied,
        quote: p.quote,
        proposed: p.proposed,
      };
      return { proposal: p, context };
    }

    // The accept flow's address (/admin/corrections links here): the editor, opened on the suggestion.
    scope.get(
      '/admin/posts/:id/edit',
      { schema: { params: IdParams, querystring: SuggestionQuery } },
      async (req, reply) => {
        const sid = req.query.suggestion;
        return seeOther(reply, `/admin/posts/${idParam(req)}${sid ? `?suggestion=${encodeURIComponent(sid)}` : ''}`);
      },
    );

    scope.get('/admin/posts/:id', { schema: { params: IdParams, querystring: EditorQuery } }, async (req, reply) => {
      const q = req.query;
      const { post, autosave } = await openPostInEditor(deps, { user: kit.viewerOf(req).user, postId: idParam(req) });
      const accepting = await suggestionFor(req, post.id, one(q, 'suggestion', 12));
      if (accepting) {
        const p = accepting.proposal;
        return showEditor(req, reply, {
          post,
          values: { ...post.values, body: p.bodyMarkdown ?? post.values.body },
          version: post.version,
          correction: {
            values: {
              kind: 'correction',
              summary: p.summary,
              reason: p.reason,
              source: p.sourceText,
              credit: p.creditName !== null,
            },
            suggestion: accepting.context,
          },
        });
      }
      const restore = autosave !== undefined && opensWithAutosave(post, one(q, 'autosave'));
      return showEditor(req, reply, {
        post,
        values: restore ? autosave.values : post.values,
        // Restored text carries the version it was typed on: if someone saved since, saving it is a conflict
        // shown with a diff, never a silent overwrite.
        version: restore ? (autosave.baseVersion ?? post.version) : post.version,
        notice: editorNoticeText(one(q, 'notice')),
        autosave: autosave ? { savedAt: autosave.savedAt, restored: restore } : undefined,
      });
    });

    /** The note as sent, with the suggestion it comes from (shown again if the save is refused or kept). */
    async function correctionStateOf(
      req: FastifyRequest,
      postId: number | undefined,
      values: CorrectionNoteValues,
      suggestionId: number | null,
    ): Promise<CorrectionNoteState> {
      if (postId === undefined || suggestionId === null) return { values };
      try {
        return { values, suggestion: (await suggestionFor(req, postId, String(suggestionId)))?.context };
      } catch (err) {
        if (!isAppError(err) || (err.code !== 'SUGGESTION_ALREADY_DECIDED' && err.code !== 'SUGGESTION_NOT_FOUND'))
          throw err;
        // Saving refuses it with this message, the writer's text kept.
        return {
          values,
          suggestion: {
            id: suggestionId,
            creditName: null,
            applied: true,
            quote: '',
            proposed: '',
            problem: err.publicMessage,
          },
        };
      }
    }

    /** One press of an editor button, for a new post (no id) or an existing one. */
    async function handleSave(req: FastifyRequest, reply: FastifyReply, postId: number | undefined) {
      const form = formOf(req);
      const user = kit.viewerOf(req).user;
      const values = postFormValuesFrom(form);
      const raw = form.get('action') ?? 'save';
      const formId = form.get('formId') ?? '';
      const versionText = form.get('version');
      const version = versionText && /^[0-9]{1,9}$/.test(versionText) ? Number(versionText) : undefined;
      if (raw !== 'check' && !(EDITOR_ACTIONS as readonly string[]).includes(raw))
        throw new AppError('BAD_REQUEST', 'Choose one of the editor’s buttons.');
      const post = postId === undefined ? undefined : await currentEditorPost(deps, { user, postId });
      const note = correctionNoteFrom(form);
      const suggestionId = /^[0-9]{1,9}$/.test(form.get('suggestionId') ?? '')
        ? Number(form.get('suggestionId'))
        : null;
      const correction = await correctionStateOf(req, postId, note, suggestionId);
      const again = { post, values, formId, version: version ?? post?.version, correction };

      // "Check", and publishing or scheduling before the writer has seen the checks: show them, save nothing.
      const checkFirst = (raw === 'publish' || raw === 'schedule') && form.get('preflightSeen') !== '1';
      if (raw === 'check' || checkFirst) {
        if (raw === 'check') await limitPreviews(req); // a check parses the body too, and stores nothing
        const issues: PreflightIssue[] = await runPreflight(deps, values, kit.ctx.deps.baseUrl);
        if (raw === 'check' || issues.length > 0)
          return showEditor(req, reply, {
            ...again,
            preflight: { issues, beforePublishing: raw === 'check' ? null : raw },
            // Nothing is stored here: the bar says whether the server already has this text.
            typedKept:
              postId === undefined
                ? undefined
                : ((await whereTypedIsKept(deps, { user, postId, typed: values })) ?? null),
          });
      }
      const action = raw as EditorAction;
      try {
        const { withinSave, outcome } = correctionOnSave({ user, note, suggestionId, baseUrl: kit.ctx.deps.baseUrl });
        const saved = await saveFromEditor(deps, { user, postId, values, action, version, formId, withinSave });
        if (
          !saved.replayed &&
          postId !== undefined &&
          hasCorrectionNote({ note, suggestionId }) &&
          !outcome.correctionId
        ) {
          // Saved, but not published: the note waits in the form (not in the log) until the post is published.
          const stored = await currentEditorPost(deps, { user, postId });
          return showEditor(req, reply, {
            post: stored,
            values: stored.values,
            version: stored.version,
            notice: editorNoticeText(saved.notice),
            correction: {
              ...correction,
              keptNotice: 'The note is kept here, not in the public log yet: it is recorded when you publish.',
            },
          });
        }
        return seeOther(reply, `/admin/posts/${saved.id}?notice=${saved.notice}`);
      } catch (err) {
        if (!isAppError(err)) throw err;
        if (err.code === 'CORRECTION_INVALID' && err.fields) {
          req.log.info({ code: err.code, fields: Object.keys(err.fields) }, 'correction note refused');
          return showEditor(req, reply, { ...again, status: 400, errors: err.fields });
        }
        if (
          (err.code === 'SUGGESTION_ALREADY_DECIDED' || err.code === 'SUGGESTION_NOT_FOUND') &&
          suggestionId !== null
        ) {
          req.log.info({ code: err.code, detail: err.detail }, 'suggestion not accepted');
          return showEditor(req, reply, {
            ...again,
            status: HTTP_ERRORS[err.code].status,
            errors: { suggestionId: err.publicMessage },
          });
        }
        if (
          (err.code === 'POST_INVALID' || err.code === 'TEXT_TOO_COMPLEX' || err.code === 'PAGE_PARENT_INVALID') &&
          err.fields
        ) {
          req.log.info({ code: err.code, fields: Object.keys(err.fields) }, 'post save refused');
          return showEditor(req, reply, { ...again, status: 400, errors: err.fields });
        }
        if (err.code === 'EDIT_CONFLICT' && postId !== undefined) {
          req.log.info({ code: err.code, detail: err.detail }, 'post save conflict');
          const stored = await currentEditorPost(deps, { user, postId });
          const conflict = await diffAgainstTyped(deps, { stored: stored.values, typed: values });
          // The form now carries the stored version: saving again is a deliberate choice made with the diff in view.
          return showEditor(req, reply, {
            ...again,
            post: stored,
            version: stored.version,
            status: HTTP_ERRORS.EDIT_CONFLICT.status,
            conflict,
          });
        }
        throw err;
      }
    }

    const editor = { bodyLimit: EDITOR_BODY_LIMIT, schema: { body: EditorForm } };
    const editorOf = { bodyLimit: EDITOR_BODY_LIMIT, schema: { params: IdParams, body: EditorForm } };
    scope.post('/admin/posts', editor, async (req, reply) => handleSave(req, reply, undefined));
    scope.post('/admin/posts/:id', editorOf, async (req, reply) => handleSave(req, reply, idParam(req)));

    // The island's live preview: the same pipeline as the public page, as JSON.
    const preview = { bodyLimit: EDITOR_BODY_LIMIT, schema: { body: PreviewForm } };
    scope.post('/admin/posts/preview', preview, async (req, reply) => {
      await limitPreviews(req);
      const body = (req.body.body ?? '').replace(/\r\n/g, '\n');
      return reply.type('application/json; charset=utf-8').send({ html: await previewHtml(deps, body) });
    });

    // The first autosave of a post never saved creates it as a draft; the island then carries on at its address.
    scope.post('/admin/posts/autosave', editor, async (req, reply) => {
      await limitPreviews(req);
      const form = formOf(req);
      const { id, version, savedAt } = await autosaveNewPost(deps, {
        user: kit.viewerOf(req).user,
        values: postFormValuesFrom(form),
        formId: form.get('formId') ?? undefined,
      });
      const editUrl = `/admin/posts/${id}`;
      return reply
        .status(201)
        .header('location', editUrl)
        .type('application/json; charset=utf-8')
        .send({ savedAt, id, version, editUrl, autosaveUrl: `${editUrl}/autosave` });
    });

    scope.post('/admin/posts/:id/autosave', editorOf, async (req, reply) => {
      const form = formOf(req);
      const versionText = form.get('version');
      const { savedAt } = await autosavePost(deps, {
        user: kit.viewerOf(req).user,
        postId: idParam(req),
        values: postFormValuesFrom(form),
        version: versionText && /^[0-9]{1,9}$/.test(versionText) ? Number(versionText) : undefined,
      });
      return reply.type('application/json; charset=utf-8').send({ savedAt });
    });

    scope.post(
      '/admin/posts/:id/autosave/discard',
      { schema: { params: IdParams, body: CsrfOnly } },
      async (req, reply) => {
        const postId = idParam(req);
        await discardAutosave(deps, { user: kit.viewerOf(req).user, postId });
        return seeOther(reply, `/admin/posts/${postId}?notice=discarded`);
      },
    );

    scope.get(
      '/admin/posts/:id/revisions',
      { schema: { params: IdParams, querystring: RevisionsQuery } },
      async (req, reply) => {
        const viewer = kit.viewerOf(req);
        const data = await listPostRevisions(deps, { user: viewer.user, postId: idParam(req) });
        const { site } = await loadChrome(kit.ctx);
        return kit.page(reply, {
          title: `Revisions of “${data.post.title}”`,
          viewer,
          current: 'posts',
          body: <RevisionsView data={data} viewer={viewer} site={site} notice={noticeOf(req)} />,
        });
      },
    );

    const compare = { schema: { params: IdParams, querystring: CompareQuery } };
    scope.get('/admin/posts/:id/revisions/compare', compare, async (req, reply) => {
      const q = req.query;
      const num = (k: string) => {
        const v = one(q, k, 9);
        if (v === undefined || !/^[0-9]{1,9}$/.test(v)) throw badQuery('revision number');
        return Number(v);
      };
      const viewer = kit.viewerOf(req);
      const postId = idParam(req);
      // Read the whole address before starting any work: a bad one must not leave a query running unwatched.
      const from = num('from');
      const to = num('to');
      const [data, cmp] = await Promise.all([
        listPostRevisions(deps, { user: viewer.user, postId }),
        compareRevisions(deps, { user: viewer.user, postId, from, to }),
      ]);
      const { site } = await loadChrome(kit.ctx);
      return kit.page(reply, {
        title: `Compare revisions of “${data.post.title}”`,
        viewer,
        current: 'posts',
        body: <CompareView data={data} from={cmp.from} to={cmp.to} changes={cmp.changes} viewer={viewer} site={site} />,
      });
    });

    const restore = { schema: { params: RestoreParams, body: RestoreForm } };
    scope.post('/admin/posts/:id/revisions/:number/restore', restore, async (req, reply) => {
      const postId = idParam(req);
      const version = req.body.version ?? '';
      if (!/^[0-9]{1,9}$/.test(version))
        throw new AppError('BAD_REQUEST', 'The form could not be read; reload the page.');
      await restoreRevision(deps, {
        user: kit.viewerOf(req).user,
        postId,
        number: idParam(req, 'number'),
        version: Number(version),
      });
      return seeOther(reply, `/admin/posts/${postId}/revisions?notice=restored`);
    });
  });
}
