import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../modules/accounts/policies.ts';
import { ingestImage, uploadTooLargeMessage } from '../../../modules/media/ingest-image.service.ts';
import {
  deleteMedia,
  getMedia,
  listMedia,
  type MediaActor,
  updateMedia,
} from '../../../modules/media/media.service.ts';
import { MEDIA_LIMITS, type Media, type MediaDeps } from '../../../modules/media/media.types.ts';
import { figureSnippet } from '../../../modules/media/media-snippet.ts';
import {
  dropPendingUpload,
  findPendingUpload,
  type KeptUpload,
  keepPendingUpload,
} from '../../../modules/media/pending-upload.ts';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import { parsePageNumber } from '../../../modules/shared/paging.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { Checkbox, CsrfField, Form, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import {
  type AdminKit,
  FORM_TEXT_MAX,
  IdParams,
  idParam,
  NoticeQuery,
  noticeOf,
  plainFormBody,
  requireForScope,
  seeOther,
  UploadQuery,
} from '../kit.tsx';
import { formOf } from '../session.ts';
import {
  EMPTY_MEDIA_FORM,
  MediaEditView,
  type MediaFormValues,
  MediaLibraryView,
  mediaFormValuesOf,
  mediaNoticeText,
} from './views.tsx';

const LIBRARY = '/admin/media';
const PER_PAGE = 24;

/** A multipart text field's ceiling (the parser's `fieldSize`): past it the upload is refused, never cut. */
const UPLOAD_FIELD_MAX = 16 * 1024;
const Typed = Type.Optional(Text(FORM_TEXT_MAX));
/** The words of an image (edit form, and the upload form when it comes without a file as a plain form). */
const MediaForm = Form({
  ...CsrfField,
  alt: Typed,
  decorative: Checkbox,
  caption: Typed,
  credit: Typed,
  kept: Type.Optional(Text(100)),
});
const LibraryQuery = StrictQuery({ page: Type.Optional(Text(12)), notice: Type.Optional(Text(60)) });
const CsrfOnly = Form({ ...CsrfField });

/** The text fields of the upload and edit forms, as typed (whole: the domain says what is too long). */
function formValues(form: URLSearchParams): MediaFormValues {
  return {
    alt: form.get('alt') ?? '',
    decorative: form.get('decorative') === '1',
    caption: form.get('caption') ?? '',
    credit: form.get('credit') ?? '',
  };
}

/** The figure line for what the writer typed (an image uploaded before keeps its file, gets these words). */
const figureOf = (media: Media, typed: MediaFormValues) =>
  figureSnippet({
    src: media.src,
    alt: typed.alt.trim() || media.alt,
    caption: typed.caption.trim() || media.caption,
    credit: typed.credit.trim() || media.credit,
  });

interface Upload {
  fields: URLSearchParams;
  file: { bytes: Buffer; name: string } | undefined;
  /** The file went over the byte limit: the rest of it was read and thrown away, nothing kept. */
  tooLarge: boolean;
}

/**
 * Reads the multipart form to the end, keeping at most one file of at most the byte limit in memory. Reading
 * the whole body, even past the limit (busboy discards the excess), lets the browser receive the answer
 * instead of a reset connection.
 */
async function readUpload(req: FastifyRequest): Promise<Upload> {
  const fields = new URLSearchParams();
  let file: Upload['file'];
  let tooLarge = false;
  try {
    for await (const part of req.parts()) {
      if (part.type !== 'file') {
        if (part.valueTruncated) {
          const message = `This is longer than ${UPLOAD_FIELD_MAX.toLocaleString('en-GB')} characters.`;
          throw new AppError('INVALID_FORM', message, { fields: { [part.fieldname.slice(0, 100)]: message } });
        }
        if (typeof part.value === 'string') fields.append(part.fieldname, part.value);
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size <= MEDIA_LIMITS.maxBytes) chunks.push(chunk);
      }
      if (part.file.truncated || size > MEDIA_LIMITS.maxBytes) tooLarge = true;
      else if (part.fieldname === 'file' && size > 0) file = { bytes: Buffer.concat(chunks), name: part.filename };
    }
  } catch (err) {
    if (isAppError(err)) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
      throw new AppError('BAD_REQUEST', 'Upload one image at a time, with only the fields of the form.', {
        cause: err,
        detail: code,
      });
    throw new AppError('BAD_REQUEST', 'The upload could not be read. Send the form again.', { cause: err });
  }
  return { fields, file, tooLarge };
}

/** The file to upload: the one chosen, or else the one kept from a refused form (its token in field `kept`). */
async function fileToUpload(
  deps: MediaDeps,
  upload: Upload,
  userId: number,
): Promise<{ file: Upload['file']; kept?: KeptUpload }> {
  const token = upload.fields.get('kept') ?? '';
  if (upload.file || token === '') return { file: upload.file };
  const found = await findPendingUpload(deps, { userId, token });
  if (!found) {
    const message = 'The file chosen before is no longer kept (it is kept for a day). Choose it again.';
    throw new AppError('MEDIA_INVALID', message, { fields: { file: message } });
  }
  return { file: found, kept: { token, name: found.name } };
}

/**
 * Keeps a file whose form was refused for its other fields alone (MEDIA_INVALID without a file error), so the form
 * shown again needs no new choice of it; undefined when the file itself was refused (it is let go).
 */
async function keepIfFine(
  deps: MediaDeps,
  err: AppError,
  opts: { userId: number; file: Upload['file']; kept?: KeptUpload },
): Promise<KeptUpload | undefined> {
  const fileFine = err.code === 'MEDIA_INVALID' && !err.fields?.file;
  if (!fileFine || !opts.file) {
    if (opts.kept) await dropPendingUpload(deps, opts.userId);
    return undefined;
  }
  return opts.kept ?? keepPendingUpload(deps, { userId: opts.userId, bytes: opts.file.bytes, name: opts.file.name });
}

/**
 * The media library under /admin/media, for people who may upload images: upload (multipart), the grid with
 * each image's Markdown, and each image's page to change its words or delete it.
 *
 * CSRF: the staff scope checks the token of every POST (session.ts `csrfFieldOf`): from the form, or, for a
 * multipart upload whose body is read only later, from its address (`/admin/media?csrf=…`), with the same
 * `checkCsrfToken` as every other form. The body is read only after the session, origin, token and capability
 * have passed.
 */
export function registerMediaAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps: MediaDeps = kit.ctx.deps.content;

  staff.register(async (media) => {
    const scope = typed(media);
    // Multipart only in this scope: every other admin route keeps refusing it.
    await scope.register(multipart, {
      throwFileSizeLimit: false,
      limits: { files: 1, fileSize: MEDIA_LIMITS.maxBytes, fields: 10, fieldSize: UPLOAD_FIELD_MAX, parts: 12 },
    });
    requireForScope(scope, kit, 'upload_media');

    async function showLibrary(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: {
        page: number;
        values: MediaFormValues;
        errors: Record<string, string>;
        status: number;
        notice?: string;
        kept?: KeptUpload;
      },
    ) {
      const library = await listMedia(deps, { page: opts.page, perPage: PER_PAGE });
      if (opts.page > library.pageCount) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
      const viewer = kit.viewerOf(req);
      return kit.page(reply, {
        title: 'Media library',
        viewer,
        current: 'media',
        status: opts.status,
        body: (
          <MediaLibraryView
            library={library}
            viewer={viewer}
            values={opts.values}
            errors={opts.errors}
            notice={opts.notice}
            kept={opts.kept}
          />
        ),
      });
    }

    function showEdit(
      req: FastifyRequest,
      reply: FastifyReply,
      media: Media,
      opts: { values: MediaFormValues; errors: Record<string, string>; status: number; deleteError?: string },
    ) {
      const viewer = kit.viewerOf(req);
      return kit.page(reply, {
        title: media.originalName || `Image ${media.id}`,
        viewer,
        current: 'media',
        status: opts.status,
        body: (
          <MediaEditView
            media={media}
            viewer={viewer}
            values={opts.values}
            errors={opts.errors}
            deleteError={opts.deleteError}
          />
        ),
      });
    }

    scope.get(LIBRARY, { schema: { querystring: LibraryQuery } }, async (req, reply) =>
      showLibrary(req, reply, {
        page: parsePageNumber(req.query.page),
        values: EMPTY_MEDIA_FORM,
        errors: {},
        status: 200,
        notice: mediaNoticeText(noticeOf(req)),
      }),
    );

    scope.post(
      LIBRARY,
      { schema: { querystring: UploadQuery, body: plainFormBody(MediaForm) } },
      async (req, reply) => {
        const viewer = kit.viewerOf(req);
        const upload: Upload = req.isMultipart()
          ? await readUpload(req)
          : { fields: formOf(req), file: undefined, tooLarge: false };
        const values = formValues(upload.fields);
        // The editor island drops an image into a post and asks for JSON: the figure's Markdown, or the error.
        const json = /^application\/json\b/.test(req.headers.accept ?? '');
        const userId = viewer.user.id;
        const refuse = (err: AppError, kept?: KeptUpload) => {
          req.log.info({ code: err.code, detail: err.detail, user: userId }, 'upload refused');
          if (json) throw err;
          return showLibrary(req, reply, {
            page: 1,
            values,
            errors: err.fields ?? { file: err.publicMessage },
            status: HTTP_ERRORS[err.code].status,
            kept,
          });
        };
        if (upload.tooLarge)
          return refuse(
            new AppError('MEDIA_TOO_LARGE', uploadTooLargeMessage(), { fields: { file: uploadTooLargeMessage() } }),
          );
        let source: Awaited<ReturnType<typeof fileToUpload>> = { file: undefined };
        try {
          source = await fileToUpload(deps, upload, userId);
          const { media, duplicate } = await ingestImage(deps, {
            ...values,
            bytes: source.file?.bytes ?? new Uint8Array(),
            originalName: source.file?.name ?? '',
            userId,
          });
          // Stored: any file kept from an earlier refused form is let go (one kept per person).
          await dropPendingUpload(deps, userId);
          if (json)
            return reply
              .status(duplicate ? 200 : 201)
              .type('application/json; charset=utf-8')
              .send({ id: media.id, src: media.src, duplicate, figure: figureOf(media, values) });
          return seeOther(reply, `${LIBRARY}?notice=${duplicate ? 'duplicate' : 'uploaded'}#media-${media.id}`);
        } catch (err) {
          if (isAppError(err) && err.fields)
            return refuse(err, json ? undefined : await keepIfFine(deps, err, { userId, ...source }));
          throw err;
        }
      },
    );

    const actorOf = (req: FastifyRequest): MediaActor => {
      const { user } = kit.viewerOf(req);
      return { userId: user.id, mayEditOthers: can(user, 'edit_others_posts') };
    };

    scope.get('/admin/media/:id', { schema: { params: IdParams, querystring: NoticeQuery } }, async (req, reply) => {
      const media = await getMedia(deps, idParam(req));
      return showEdit(req, reply, media, { values: mediaFormValuesOf(media), errors: {}, status: 200 });
    });

    scope.post('/admin/media/:id', { schema: { params: IdParams, body: MediaForm } }, async (req, reply) => {
      const mediaId = idParam(req);
      const values = formValues(formOf(req));
      try {
        await updateMedia(deps, { mediaId, actor: actorOf(req), ...values });
      } catch (err) {
        if (!isAppError(err) || err.code !== 'MEDIA_INVALID' || !err.fields) throw err;
        return showEdit(req, reply, await getMedia(deps, mediaId), {
          values,
          errors: err.fields,
          status: HTTP_ERRORS[err.code].status,
        });
      }
      return seeOther(reply, `${LIBRARY}?notice=saved#media-${mediaId}`);
    });

    scope.post('/admin/media/:id/delete', { schema: { params: IdParams, body: CsrfOnly } }, async (req, reply) => {
      const mediaId = idParam(req);
      try {
        await deleteMedia(deps, { mediaId, actor: actorOf(req) });
      } catch (err) {
        if (!isAppError(err) || err.code !== 'MEDIA_IN_USE') throw err;
        const media = await getMedia(deps, mediaId);
        return showEdit(req, reply, media, {
          values: mediaFormValuesOf(media),
          errors: {},
          status: HTTP_ERRORS[err.code].status,
          deleteError: err.publicMessage,
        });
      }
      return seeOther(reply, `${LIBRARY}?notice=deleted`);
    });
  });
}
