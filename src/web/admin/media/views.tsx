import type { Media } from '../../../modules/media/media.types.ts';
import { MEDIA_LIMITS } from '../../../modules/media/media.types.ts';
import { figureSnippet } from '../../../modules/media/media-snippet.ts';
import type { KeptUpload } from '../../../modules/media/pending-upload.ts';
import type { Paged } from '../../../modules/shared/paging.ts';
import { MEDIA_SCRIPT_URL } from '../../kit/assets.ts';
import { Choice, CsrfField, ErrorSummary, Field } from '../../ui/form.tsx';
import { Pager } from '../../ui/lists.tsx';
import { type AdminViewer, Alert, Notice, noticeLookup } from '../layout.tsx';

// The media library: the upload form, the grid of uploaded images with the Markdown to paste for each, and
// the page where an image's alt text, caption and credit are changed (or the image deleted).

/** The words of the upload or edit form as typed, so a refused form shows them again. */
export interface MediaFormValues {
  alt: string;
  decorative: boolean;
  caption: string;
  credit: string;
}

export const EMPTY_MEDIA_FORM: MediaFormValues = { alt: '', decorative: false, caption: '', credit: '' };

export const mediaFormValuesOf = (m: Media): MediaFormValues => ({
  alt: m.alt,
  decorative: m.alt === '',
  caption: m.caption,
  credit: m.credit,
});

/** Messages shown after a change, by key: never text taken from the address. */
const NOTICES: Record<string, string> = {
  uploaded: 'Image uploaded. Copy its Markdown below into a post.',
  duplicate: 'That image was already in the library, so nothing new was stored. Its Markdown is below.',
  saved: 'Image details saved.',
  deleted: 'Image deleted.',
};
export const mediaNoticeText = noticeLookup(NOTICES);

const MB = MEDIA_LIMITS.maxBytes / 1024 / 1024;
const MEGAPIXELS = MEDIA_LIMITS.maxPixels / 1_000_000;

/** The fields in the order the form shows them: the error summary links to them in this order. */
const FIELD_ORDER = ['file', 'alt', 'caption', 'credit'] as const;

/** The summary shows only for errors of these fields, in this order. */
const summaryErrors = (errors: Record<string, string>) => (FIELD_ORDER.some((k) => errors[k]) ? errors : undefined);

/** Alt text, the decorative box, caption and credit: the same in the upload form and the edit form. */
function TextFields(props: { prefix: string; values: MediaFormValues; errors: Record<string, string> }) {
  const { prefix, values, errors } = props;
  const id = (k: string) => `${prefix}-${k}`;
  return (
    <>
      <fieldset>
        <legend>Alternative text</legend>
        <Field
          id={id('alt')}
          label="What the image shows"
          hint="Read aloud to people who cannot see the image, and shown when it does not load. Say what matters in the article: who, where, what is happening."
          error={errors.alt}
        >
          {(a11y) => (
            <textarea
              id={id('alt')}
              name="alt"
              rows={3}
              maxLength={MEDIA_LIMITS.altLength}
              value={values.decorative ? '' : values.alt}
              {...a11y}
            />
          )}
        </Field>
        <Choice
          type="checkbox"
          id={id('decorative')}
          name="decorative"
          value="1"
          checked={values.decorative}
          hint="Only for an image that adds nothing to the text (an ornament). It gets no alternative text, so screen readers skip it; any text typed above is not kept."
        >
          The image is decorative
        </Choice>
      </fieldset>
      <Field
        id={id('caption')}
        label="Caption (optional)"
        hint="Shown under the image in the article."
        error={errors.caption}
      >
        {(a11y) => (
          <textarea
            id={id('caption')}
            name="caption"
            rows={2}
            maxLength={MEDIA_LIMITS.captionLength}
            value={values.caption}
            {...a11y}
          />
        )}
      </Field>
      <Field
        id={id('credit')}
        label="Credit (optional)"
        hint="Who made the image, or the archive it comes from, and its licence if it needs one."
        error={errors.credit}
      >
        {(a11y) => (
          <input
            type="text"
            id={id('credit')}
            name="credit"
            maxLength={MEDIA_LIMITS.creditLength}
            value={values.credit}
            {...a11y}
          />
        )}
      </Field>
    </>
  );
}

/**
 * The upload form. It is multipart, which the staff scope's CSRF check cannot read: the token travels in the
 * form's address instead (see routes.tsx beside this).
 */
function UploadForm(props: {
  csrf: string;
  values: MediaFormValues;
  errors: Record<string, string>;
  kept?: KeptUpload;
}) {
  const { errors, kept } = props;
  return (
    <form
      class="admin-form media-upload"
      method="post"
      action={`/admin/media?csrf=${encodeURIComponent(props.csrf)}`}
      encType="multipart/form-data"
    >
      {kept ? (
        <p class="media-upload__kept" role="status">
          File kept: <strong>{kept.name}</strong>. Correct what is marked and upload again; there is no need to choose
          the file again (choosing another file replaces it).
          <input type="hidden" name="kept" value={kept.token} />
        </p>
      ) : null}
      <Field
        id="upload-file"
        label="Image file"
        hint={`JPEG, PNG, WebP, GIF, AVIF or SVG, up to ${MB} MB and ${MEGAPIXELS} megapixels. An SVG is turned into a picture (WebP and PNG); one that refers to other files or carries scripts is refused. The image is stored in sizes for every screen; camera details and location are removed.`}
        error={errors.file}
      >
        {(a11y) => (
          <input
            type="file"
            id="upload-file"
            name="file"
            accept="image/jpeg,image/png,image/webp,image/gif,image/avif,image/svg+xml,.svg"
            {...a11y}
          />
        )}
      </Field>
      <TextFields prefix="upload" values={props.values} errors={errors} />
      <p>
        <button type="submit">Upload the image</button>
      </p>
      <script type="module" src={MEDIA_SCRIPT_URL} />
    </form>
  );
}

/** The smallest WebP copy, for the library's thumbnails. */
const thumbnailOf = (m: Media) => m.files.find((f) => f.format === 'webp') ?? m.files[0];

function Thumbnail(props: { media: Media }) {
  const t = thumbnailOf(props.media);
  if (!t) return null;
  return (
    <img
      src={`/media/${t.name}`}
      alt={props.media.alt}
      width={t.width}
      height={t.height}
      loading="lazy"
      decoding="async"
    />
  );
}

/** The Markdown to paste into a post, in a read-only box a keyboard can reach and select. */
function Snippet(props: { media: Media; id: string }) {
  return (
    <div class="media-snippet">
      <label for={props.id}>Markdown for a post</label>
      <textarea
        id={props.id}
        readOnly
        rows={3}
        spellcheck={false}
        value={figureSnippet(props.media)}
        aria-describedby={`${props.id}-hint`}
      />
      <p class="field__hint" id={`${props.id}-hint`}>
        Select it and copy it into the article where the image belongs.
      </p>
    </div>
  );
}

function LibraryItem(props: { media: Media }) {
  const m = props.media;
  const label = `media-${m.id}-title`;
  return (
    <li class="media-item" id={`media-${m.id}`}>
      <Thumbnail media={m} />
      <h3 id={label} class="media-item__title">
        {m.originalName || `Image ${m.id}`}
      </h3>
      <dl class="media-item__meta">
        <div>
          <dt>Size</dt>
          <dd>
            {m.width} × {m.height} pixels
          </dd>
        </div>
        <div>
          <dt>Alternative text</dt>
          <dd>{m.alt === '' ? <em>None: decorative</em> : m.alt}</dd>
        </div>
        <div>
          <dt>Credit</dt>
          <dd>{m.credit === '' ? <em>None given</em> : m.credit}</dd>
        </div>
      </dl>
      <Snippet media={m} id={`media-${m.id}-markdown`} />
      <p>
        <a href={`/admin/media/${m.id}`}>
          Edit the details<span class="visually-hidden"> of {m.originalName || `image ${m.id}`}</span>
        </a>
      </p>
    </li>
  );
}

function Pages(props: { page: number; pageCount: number }) {
  if (props.pageCount <= 1) return null;
  const { page, pageCount } = props;
  return (
    <Pager
      label="Pages of the library"
      status={`Page ${page} of ${pageCount}`}
      prev={page > 1 ? { href: `/admin/media?page=${page - 1}`, text: 'Newer images' } : undefined}
      next={page < pageCount ? { href: `/admin/media?page=${page + 1}`, text: 'Older images' } : undefined}
    />
  );
}

export function MediaLibraryView(props: {
  library: Paged<Media>;
  viewer: AdminViewer;
  values: MediaFormValues;
  errors: Record<string, string>;
  notice?: string;
  /** An upload kept after this form was refused for another field (pending-upload.ts). */
  kept?: KeptUpload;
}) {
  const { library } = props;
  return (
    <>
      <h1 class="page-title">Media library</h1>
      <Notice text={props.notice} />
      <ErrorSummary
        errors={summaryErrors(props.errors)}
        idOf={(k) => `upload-${k}`}
        message="The image was not uploaded:"
        order={FIELD_ORDER}
      />
      <h2 id="upload">Upload an image</h2>
      <UploadForm csrf={props.viewer.csrf} values={props.values} errors={props.errors} kept={props.kept} />
      <h2 id="library">Images</h2>
      {library.items.length === 0 ? (
        <p class="empty">No images yet. Upload one above.</p>
      ) : (
        <ul class="media-grid">
          {library.items.map((m) => (
            <LibraryItem key={m.id} media={m} />
          ))}
        </ul>
      )}
      <Pages page={library.page} pageCount={library.pageCount} />
    </>
  );
}

export function MediaEditView(props: {
  media: Media;
  viewer: AdminViewer;
  values: MediaFormValues;
  errors: Record<string, string>;
  /** Why a delete was refused. */
  deleteError?: string;
}) {
  const m = props.media;
  const name = m.originalName || `Image ${m.id}`;
  return (
    <>
      <p class="admin-back">
        <a href="/admin/media">Back to the media library</a>
      </p>
      <h1 class="page-title">{name}</h1>
      <ErrorSummary
        errors={summaryErrors(props.errors)}
        idOf={(k) => `edit-${k}`}
        message="The details were not saved:"
        order={FIELD_ORDER}
      />
      <Alert text={props.deleteError} />
      <div class="media-edit">
        <div class="media-edit__preview">
          <Thumbnail media={m} />
          <p class="hint">
            {m.width} × {m.height} pixels, uploaded as {m.mime}. Stored as{' '}
            {m.files.map((f) => `${f.width} px ${f.format === 'jpeg' ? 'JPEG' : f.format.toUpperCase()}`).join(', ')}.
          </p>
          <Snippet media={m} id="edit-markdown" />
        </div>
        <form class="admin-form" method="post" action={`/admin/media/${m.id}`}>
          <CsrfField csrf={props.viewer.csrf} />
          <TextFields prefix="edit" values={props.values} errors={props.errors} />
          <p class="hint">Articles that already show the image keep the words they were pasted with.</p>
          <p>
            <button type="submit">Save the details</button>
          </p>
        </form>
      </div>
      <h2>Delete the image</h2>
      <p>An image that a post or page still shows cannot be deleted: remove it from there first.</p>
      <form method="post" action={`/admin/media/${m.id}/delete`}>
        <CsrfField csrf={props.viewer.csrf} />
        <button type="submit" class="danger">
          Delete the image<span class="visually-hidden"> {name}</span>
        </button>
      </form>
    </>
  );
}
