import type { ComponentChildren } from 'preact';
import { can } from '../../../modules/accounts/policies.ts';
import type { EditorChoices, EditorNotice, EditorPost } from '../../../modules/content/editor.service.ts';
import { MAX_AUTHORS, POST_FIELD_LIMITS, type PostFormValues } from '../../../modules/content/editor-form.ts';
import type { WorkflowState } from '../../../modules/content/post-policies.ts';
import type { FieldDiff } from '../../../modules/content/revision-diff.ts';
import type { KeptText } from '../../../modules/content/saved-state.ts';
import { MEDIA_LIMITS } from '../../../modules/media/media.types.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { CorrectionNoteFieldset, type CorrectionNoteState } from '../../evidence/correction-note.views.tsx';
import { EDITOR_SCRIPT_URL } from '../../kit/assets.ts';
import { Choice, CsrfField, Field, type FieldControl } from '../../ui/form.tsx';
import { postUrl } from '../../ui/format.ts';
import { type AdminViewer, formatDateTime, Notice, noticeLookup } from '../layout.tsx';
import { EditorBar, PreflightPanel } from './editor-bar.views.tsx';
import { DiffList, stateLabel } from './revisions.views.tsx';
import { savedStatusOf } from './saved-status.ts';

// The posts list and the post editor. The editor is a plain form (it works without JavaScript); the editor
// island adds the live preview, autosave and the distraction-free toggle.

/** One finding of the preflight checks (src/modules/preflight): they warn, never block. */
export interface PreflightIssue {
  check: string;
  message: string;
  excerpt?: string;
  line?: number;
  suggestions?: string[];
}

const NOTICES: Record<EditorNotice | 'discarded', string> = {
  created: 'The post is saved as a draft.',
  saved: 'Your changes are saved.',
  submitted: 'The post is sent for review: an editor can now publish or schedule it.',
  published: 'The post is published.',
  scheduled: 'The post is scheduled and will be published at the time you chose.',
  unpublished: 'The post is unpublished: readers no longer see it.',
  unscheduled: 'The post is no longer scheduled; it is a draft again.',
  discarded: 'The automatically kept changes were discarded.',
};
export const editorNoticeText = noticeLookup(NOTICES);

// ---- The editor ----

const id = (k: string) => `post-${k}`;

/** An editor field: its id from its name (`post-<name>`), its error from the form's errors. */
function PostField(props: {
  name: string;
  label: string;
  hint?: string;
  errors: Record<string, string>;
  children: (a: { id: string } & FieldControl) => ComponentChildren;
}) {
  const fieldId = id(props.name);
  return (
    <Field id={fieldId} label={props.label} hint={props.hint} error={props.errors[props.name]}>
      {(a11y) => props.children({ id: fieldId, ...a11y })}
    </Field>
  );
}

function FieldsetError(props: { name: string; errors: Record<string, string> }) {
  const e = props.errors[props.name];
  return e ? (
    <p class="field__error" id={`${id(props.name)}-error`}>
      {e}
    </p>
  ) : null;
}

export interface EditorViewProps {
  /** Absent for a new post. */
  post?: EditorPost;
  values: PostFormValues;
  errors: Record<string, string>;
  choices: EditorChoices;
  formId: string;
  /** The version the form carries (after a conflict: the stored one, so saving again is a deliberate choice). */
  version?: number;
  viewer: AdminViewer;
  site: SiteSettings;
  notice?: string;
  /** Preview of the body (rendered by the public pipeline), shown until the island takes over. */
  previewHtml: string;
  autosave?: { savedAt: string; restored: boolean };
  conflict?: FieldDiff[];
  preflight?: { issues: PreflightIssue[]; beforePublishing: 'publish' | 'schedule' | null };
  /** What may be done here: contributors never publish. */
  canPublish: boolean;
  /** The correction or update note (shown for published or unpublished posts, or when accepting a suggestion). */
  correction?: CorrectionNoteState;
  /** The nonce this response's policy allows for the canvas's own style element. */
  styleNonce?: string;
  /** After a page that stores nothing ("Check"): where the server keeps the text sent, or null if nowhere. */
  typedKept?: KeptText | null;
}

/** Where the island finds what it needs: the desk's endpoints, and the upload address for those who may upload. */
function deskData(props: EditorViewProps): Record<string, string | undefined> {
  const mayUpload = can(props.viewer.user, 'upload_media');
  return {
    'data-checks-url': '/admin/posts/checks',
    'data-cite-url': '/admin/posts/cite-suggest',
    'data-entities-url': '/admin/entities/suggest',
    'data-upload-url': mayUpload ? `/admin/media?csrf=${encodeURIComponent(props.viewer.csrf)}` : undefined,
    'data-upload-max-bytes': String(MEDIA_LIMITS.maxBytes),
    'data-draft-key': props.post ? String(props.post.id) : 'new',
    'data-style-nonce': props.styleNonce,
  };
}

export function PostEditorView(props: EditorViewProps) {
  const { post, values: v, errors, choices, site } = props;
  const state: WorkflowState | 'new' = post ? post.state : 'new';
  const action = post ? `/admin/posts/${post.id}` : '/admin/posts';
  const errorKeys = Object.keys(errors);
  const title = post ? `Edit “${post.values.title || 'Untitled'}”` : 'New post';
  const authorSlots = Math.max(MAX_AUTHORS, v.authors.length);
  return (
    <>
      <h1 class="page-title">{title}</h1>
      <Notice text={props.notice} />
      {errorKeys.length > 0 ? (
        <div class="admin-alert" role="alert">
          <p>Some fields need a correction; nothing was saved.</p>
          <ul>
            {errorKeys.map((k) => (
              <li key={k}>
                <a href={`#${id(k)}`}>{errors[k]}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {props.conflict ? (
        <section class="editor-conflict" aria-labelledby="conflict-heading">
          <div class="admin-alert" role="alert">
            <h2 id="conflict-heading">Someone else saved this post while you were writing</h2>
            <p>
              Nothing of yours was lost, and nothing was saved yet: your text is still in the form below. Here is what
              saving your version would change in theirs. Merge what you want to keep, then save again.
            </p>
          </div>
          <DiffList changes={props.conflict} headingLevel={3} />
        </section>
      ) : null}
      {props.autosave && post ? (
        <div class="admin-notice autosave-offer">
          {props.autosave.restored ? (
            <p>
              The form shows the changes kept automatically at{' '}
              <time dateTime={props.autosave.savedAt}>{formatDateTime(props.autosave.savedAt, site)}</time>. They are
              not saved until you save.{' '}
              <a href={`/admin/posts/${post.id}?autosave=saved`}>Show the saved version instead</a>.
            </p>
          ) : (
            <>
              <p>
                You have changes kept automatically at{' '}
                <time dateTime={props.autosave.savedAt}>{formatDateTime(props.autosave.savedAt, site)}</time>, newer
                than the saved post.
              </p>
              <p>
                <a href={`/admin/posts/${post.id}?autosave=restore`}>Bring them back</a>
              </p>
              <form method="post" action={`/admin/posts/${post.id}/autosave/discard`}>
                <CsrfField csrf={props.viewer.csrf} />
                <button type="submit" class="secondary">
                  Discard them
                </button>
              </form>
            </>
          )}
        </div>
      ) : null}
      {post ? (
        <p class="editor-links">
          {stateLabel(post.state)}
          {post.publishedAt && post.state !== 'draft' && post.state !== 'review' ? (
            <>
              {post.state === 'scheduled' ? ', to be published ' : ', '}
              <time dateTime={post.publishedAt}>{formatDateTime(post.publishedAt, site)}</time>
            </>
          ) : null}
          {' · '}
          <a href={`/admin/posts/${post.id}/revisions`}>Revisions</a>
          {post.state === 'published' ? (
            <>
              {' · '}
              <a href={postUrl(post.slug)}>View the post</a>
            </>
          ) : null}
        </p>
      ) : null}
      <form
        class="editor"
        method="post"
        action={action}
        data-preview-url="/admin/posts/preview"
        data-autosave-url={post ? `/admin/posts/${post.id}/autosave` : undefined}
        data-autosave-new-url={post ? undefined : '/admin/posts/autosave'}
        {...deskData(props)}
      >
        <CsrfField csrf={props.viewer.csrf} />
        <input type="hidden" name="formId" value={props.formId} />
        {props.version !== undefined ? <input type="hidden" name="version" value={String(props.version)} /> : null}
        <EditorBar
          state={state}
          canPublish={props.canPublish}
          publishAt={v.publishAt}
          status={savedStatusOf(props)}
          site={site}
        />
        {props.preflight ? <PreflightPanel {...props.preflight} /> : null}
        <div class="editor__main">
          <PostField name="title" label="Title" errors={errors}>
            {(a) => (
              <input {...a} name="title" type="text" required maxLength={POST_FIELD_LIMITS.title} value={v.title} />
            )}
          </PostField>
          <PostField name="standfirst" label="Standfirst" hint="One or two sentences under the title." errors={errors}>
            {(a) => <textarea {...a} name="standfirst" rows={2} value={v.standfirst} />}
          </PostField>
          <div class="editor__write">
            <PostField
              name="body"
              label="Body (Markdown)"
              hint="Footnotes: [^1] and [^1]: note. Figures: ::figure[Caption]{src=/media/… alt=“…” credit=“…”}. Citations: :cite[key]{page=12}. Tables as in GitHub."
              errors={errors}
            >
              {(a) => <textarea {...a} name="body" rows={24} class="editor__body" value={v.body} />}
            </PostField>
            <section class="editor__preview" aria-labelledby="preview-heading">
              <h2 id="preview-heading">Preview</h2>
              <p class="hint editor__preview-status" role="status" />
              {/* Rendered on our server by the public page's sanitising pipeline. */}
              <div class="prose editor__preview-body" dangerouslySetInnerHTML={{ __html: props.previewHtml }} />
            </section>
          </div>
        </div>
        <section class="editor__side" id="post-settings" aria-label="Post settings">
          <fieldset>
            <legend>Publishing</legend>
            <PostField
              name="publishAt"
              label={`Publication time (${choices.timeZone})`}
              hint="Needed to schedule. Empty when publishing: now."
              errors={errors}
            >
              {(a) => <input {...a} name="publishAt" type="datetime-local" value={v.publishAt} />}
            </PostField>
          </fieldset>
          <fieldset>
            <legend>Address</legend>
            <PostField
              name="slug"
              label="Slug"
              hint="The post's address: lower-case letters, digits and hyphens. Empty: made from the title. When you change it, the old address keeps working."
              errors={errors}
            >
              {(a) => <input {...a} name="slug" type="text" spellcheck={false} autoComplete="off" value={v.slug} />}
            </PostField>
          </fieldset>
          {post &&
          props.correction &&
          (post.state === 'published' || post.state === 'unpublished' || props.correction.suggestion) ? (
            <CorrectionNoteFieldset state={props.correction} errors={errors} />
          ) : null}
          <fieldset aria-describedby={errors.type ? `${id('type')}-error` : undefined}>
            <legend>Type</legend>
            <FieldsetError name="type" errors={errors} />
            {(['post', 'page'] as const).map((t) => (
              <Choice
                type="radio"
                key={t}
                id={id(t === 'post' ? 'type' : 'type-page')}
                name="type"
                value={t}
                checked={v.type === t}
              >
                {t === 'post' ? 'Post (dated, in categories and feeds)' : 'Page (such as About)'}
              </Choice>
            ))}
          </fieldset>
          <fieldset>
            <legend>Home page</legend>
            <p class="field__hint" id={`${id('sticky')}-hint`}>
              Posts only: listed first on the home page, marked “Pinned”, newest first among them. Archives and feeds
              stay in date order.
            </p>
            <div class="choice">
              <input
                type="checkbox"
                id={id('sticky')}
                name="sticky"
                value="1"
                checked={v.sticky}
                aria-describedby={`${id('sticky')}-hint`}
              />
              <label for={id('sticky')}>Keep at the top of the home page</label>
            </div>
          </fieldset>
          <fieldset>
            <legend>Page tree</legend>
            <p class="field__hint">Pages only. A page keeps its address; its parent shows in its breadcrumb.</p>
            <PostField
              name="parent"
              label="Parent page"
              hint="The page this one is listed under (“In this section”). Not the page itself, nor one of its sub-pages."
              errors={errors}
            >
              {(a) => (
                <select {...a} name="parent">
                  <option value="">None (at the top)</option>
                  {choices.pages.map((p) => (
                    <option key={p.id} value={String(p.id)} selected={v.parent === String(p.id)}>
                      {`${'— '.repeat(Math.min(p.depth, 8))}${p.title}`}
                    </option>
                  ))}
                </select>
              )}
            </PostField>
            <PostField
              name="menuOrder"
              label="Order"
              hint="Among the parent’s sub-pages, smaller numbers first (then by title)."
              errors={errors}
            >
              {(a) => <input {...a} name="menuOrder" type="number" step={1} inputMode="numeric" value={v.menuOrder} />}
            </PostField>
          </fieldset>
          <fieldset>
            <legend>Categories and tags</legend>
            <PostField name="category" label="Primary category" errors={errors}>
              {(a) => (
                <select {...a} name="category">
                  <option value="">None</option>
                  {choices.categories.map((c) => (
                    <option key={c.path} value={c.path} selected={v.category === c.path}>
                      {`${'— '.repeat(c.depth)}${c.name}`}
                    </option>
                  ))}
                </select>
              )}
            </PostField>
            <fieldset
              class="editor__others"
              aria-describedby={errors.otherCategories ? `${id('otherCategories')}-error` : undefined}
            >
              <legend>Also filed under</legend>
              <FieldsetError name="otherCategories" errors={errors} />
              {choices.categories.map((c, i) => (
                <div class={`choice choice--depth-${Math.min(c.depth, 3)}`} key={c.path}>
                  <input
                    type="checkbox"
                    id={i === 0 ? id('otherCategories') : id(`other-${i}`)}
                    name="otherCategories"
                    value={c.path}
                    checked={v.otherCategories.includes(c.path)}
                  />
                  <label for={i === 0 ? id('otherCategories') : id(`other-${i}`)}>{c.name}</label>
                </div>
              ))}
            </fieldset>
            <PostField name="tags" label="Tags" hint="Separated by commas; new tags are created." errors={errors}>
              {(a) => <input {...a} name="tags" type="text" value={v.tags} />}
            </PostField>
          </fieldset>
          <fieldset aria-describedby={errors.authors ? `${id('authors')}-error` : undefined}>
            <legend>Authors, in byline order</legend>
            <FieldsetError name="authors" errors={errors} />
            {Array.from({ length: authorSlots }, (_, i) => {
              const fid = i === 0 ? id('authors') : id(`authors-${i + 1}`);
              return (
                <div class="field" key={i}>
                  <label for={fid}>{i === 0 ? 'First author' : `Author ${i + 1}`}</label>
                  <select id={fid} name="authors">
                    <option value="">None</option>
                    {choices.authors.map((a) => (
                      <option key={a.slug} value={a.slug} selected={v.authors[i] === a.slug}>
                        {a.name}
                      </option>
                    ))}
                  </select>
                </div>
              );
            })}
          </fieldset>
          <fieldset>
            <legend>Cover image</legend>
            <PostField
              name="coverSrc"
              label="Image address"
              hint="From the media library, such as /media/12-960w.webp."
              errors={errors}
            >
              {(a) => <input {...a} name="coverSrc" type="text" spellcheck={false} value={v.coverSrc} />}
            </PostField>
            <PostField
              name="coverAlt"
              label="Alternative text"
              hint="What the image shows, for people who cannot see it."
              errors={errors}
            >
              {(a) => <input {...a} name="coverAlt" type="text" value={v.coverAlt} />}
            </PostField>
            <PostField name="coverCaption" label="Caption" errors={errors}>
              {(a) => <input {...a} name="coverCaption" type="text" value={v.coverCaption} />}
            </PostField>
            <PostField name="coverCredit" label="Credit" errors={errors}>
              {(a) => <input {...a} name="coverCredit" type="text" value={v.coverCredit} />}
            </PostField>
          </fieldset>
          <fieldset>
            <legend>Summary and search engines</legend>
            <PostField
              name="excerpt"
              label="Excerpt"
              hint="Shown in lists and feeds; empty: the standfirst."
              errors={errors}
            >
              {(a) => <textarea {...a} name="excerpt" rows={3} value={v.excerpt} />}
            </PostField>
            <PostField name="seoTitle" label="Title for search engines" hint="Empty: the title." errors={errors}>
              {(a) => <input {...a} name="seoTitle" type="text" value={v.seoTitle} />}
            </PostField>
            <PostField
              name="seoDescription"
              label="Description for search engines"
              hint="Empty: the standfirst."
              errors={errors}
            >
              {(a) => <textarea {...a} name="seoDescription" rows={2} value={v.seoDescription} />}
            </PostField>
          </fieldset>
          <fieldset>
            <legend>Discussion</legend>
            {can(props.viewer.user, 'manage_discussion') ? (
              <Choice type="checkbox" id={id('commentsOpen')} name="commentsOpen" value="1" checked={v.commentsOpen}>
                Readers may comment
              </Choice>
            ) : (
              <p class="field__hint">
                {v.commentsOpen ? 'Readers may comment.' : 'Comments are closed.'} Editors open and close discussions.
              </p>
            )}
          </fieldset>
        </section>
      </form>
      <script type="module" src={EDITOR_SCRIPT_URL} />
    </>
  );
}
