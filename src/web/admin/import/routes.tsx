import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AdminImportDeps, IMPORT_MAX_BYTES } from '../../../modules/import/admin-import.deps.ts';
import {
  confirmImport,
  discardUpload,
  loadImportPage,
  loadImportStatus,
  loadImportUpload,
} from '../../../modules/import/import-upload.service.ts';
import { receiveImportUpload } from '../../../modules/import/receive-upload.service.ts';
import { uploadTooLarge } from '../../../modules/import/upload-bytes.ts';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { PostRateLimit } from '../../kit/rate-limit.ts';
import { loadChrome } from '../../kit/render.tsx';
import { CsrfField, Form, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import {
  type AdminKit,
  IdParams,
  idParam,
  NoticeQuery,
  noticeOf,
  plainFormBody,
  requireForScope,
  seeOther,
  UploadQuery,
} from '../kit.tsx';
import { ImportView, importNoticeText } from './views.tsx';

const PAGE = '/admin/import';
/** Uploads one account may send in a minute: each is stored, then read twice. */
const UPLOADS_PER_MINUTE = 10;
/** What a form adds around its file (boundaries, headers, the platform): a body longer than the cap by more is refused unread. */
const FORM_ALLOWANCE = 64 * 1024;

/** The upload form sent as a plain form (no file): refused by the route with its own message. */
const PlainUploadForm = Form({ ...CsrfField, platform: Type.Optional(Text(40)) });
const CsrfOnly = Form({ ...CsrfField });

/** Reads a part's file to its end, keeping nothing (a second file, or one after a refusal). */
async function drain(file: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of file) {
    // dropped
  }
}

/**
 * Reads the upload form: the platform field, then the file, handed to the import as it streams in (busboy stops
 * it one byte past the cap and reads the rest of the body into nothing). A second file is read and dropped.
 * Resolves to the new upload's id, or the import's refusal; a body that cannot be read is a BAD_REQUEST.
 */
async function readUploadForm(
  req: FastifyRequest,
  deps: AdminImportDeps,
  opts: { userId: number; cap: number },
): Promise<{ uploadId?: number; refusal?: AppError; platform?: string }> {
  let uploadId: number | undefined;
  let refusal: AppError | undefined;
  let platform: string | undefined;
  try {
    for await (const part of req.parts({ limits: { fileSize: opts.cap + 1 } })) {
      if (part.type === 'field') {
        if (part.fieldname === 'platform' && typeof part.value === 'string') platform = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || uploadId !== undefined || refusal) {
        await drain(part.file);
        continue;
      }
      try {
        const fileName = part.filename ?? '';
        uploadId = await receiveImportUpload(deps, { platform, fileName, file: part.file, userId: opts.userId });
      } catch (err) {
        if (!isAppError(err)) throw err;
        refusal = err;
      }
    }
  } catch (err) {
    if (isAppError(err)) throw err;
    throw new AppError('BAD_REQUEST', 'The upload could not be read. Send the form again.', {
      cause: err,
      detail: (err as { code?: string }).code,
    });
  }
  return { uploadId, refusal, platform };
}

/**
 * /admin/import (owners and admins: import_site, decision 032): upload a WordPress, Ghost or Disqus export,
 * read its dry run's report, then "Import" or "Discard"; the check and the import run as jobs, so the page may
 * be closed and the server restarted. The upload form is multipart: its CSRF token travels in the form's address,
 * as the media library's does (media/routes.tsx); every other POST here is a plain form.
 */
export function registerImportAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const limit = new PostRateLimit(UPLOADS_PER_MINUTE, kit.ctx.limiter, 'import');
  const importsOf = (): AdminImportDeps => {
    const deps = kit.ctx.deps.imports;
    if (!deps) throw new AppError('NOT_FOUND', 'There is nothing at this address.', { detail: 'no import deps' });
    return deps;
  };

  staff.register(async (imports) => {
    const scope = typed(imports);
    // Multipart only in this scope, for the upload; the file size limit is set per request from the deps.
    await scope.register(multipart, {
      throwFileSizeLimit: false,
      limits: { files: 1, fields: 4, fieldSize: 1024, parts: 6 },
    });
    requireForScope(scope, kit, 'import_site');

    async function show(req: FastifyRequest, reply: FastifyReply, opts: { error?: AppError; notice?: string } = {}) {
      const deps = importsOf();
      const viewer = kit.viewerOf(req);
      const [{ current, earlier }, { site }] = await Promise.all([loadImportPage(deps), loadChrome(kit.ctx)]);
      return kit.page(reply, {
        title: 'Import',
        viewer,
        current: 'import',
        status: opts.error ? HTTP_ERRORS[opts.error.code].status : 200,
        body: (
          <ImportView
            viewer={viewer}
            site={site}
            current={current}
            earlier={earlier}
            maxBytes={deps.maxBytes ?? IMPORT_MAX_BYTES}
            error={opts.error}
            notice={opts.notice}
          />
        ),
      });
    }

    const refuse = (req: FastifyRequest, reply: FastifyReply, error: AppError) => {
      req.log.info(
        { code: error.code, detail: error.detail, user: kit.viewerOf(req).user.id },
        'import upload refused',
      );
      return show(req, reply, { error });
    };

    scope.get(PAGE, { schema: { querystring: NoticeQuery } }, (req, reply) =>
      show(req, reply, { notice: importNoticeText(noticeOf(req)) }),
    );

    // The page's island asks this every second or so while a check or an import runs.
    scope.get(`${PAGE}/status`, { schema: { querystring: StrictQuery({}) } }, async (_req, reply) => {
      const status = await loadImportStatus(importsOf());
      return reply.type('application/json; charset=utf-8').send({ upload: status ?? null });
    });

    scope.post(
      PAGE,
      { schema: { querystring: UploadQuery, body: plainFormBody(PlainUploadForm) } },
      async (req, reply) => {
        const deps = importsOf();
        const { user } = kit.viewerOf(req);
        if (await limit.exceeded(`user:${user.id}`, deps.clock.now().getTime()))
          return refuse(
            req,
            reply,
            new AppError(
              'RATE_LIMITED',
              `You have sent ${UPLOADS_PER_MINUTE} files in the last minute. Wait a minute, then send it again.`,
            ),
          );
        if (!req.isMultipart())
          throw new AppError('BAD_REQUEST', 'Send the file with the upload form on this page.', {
            detail: 'not multipart',
          });
        const cap = deps.maxBytes ?? IMPORT_MAX_BYTES;
        // A body announced far past the cap is refused before a byte of it is read (Node drops the rest).
        const length = Number(req.headers['content-length']);
        if (Number.isFinite(length) && length > cap + FORM_ALLOWANCE)
          return refuse(req, reply, uploadTooLarge(cap, false));

        const { uploadId, refusal, platform } = await readUploadForm(req, deps, { userId: user.id, cap });
        if (refusal) return refuse(req, reply, refusal);
        if (uploadId === undefined)
          return refuse(
            req,
            reply,
            new AppError('IMPORT_UPLOAD_EMPTY', 'Choose the export file to upload.', {
              fields: { file: 'Choose the export file to upload.' },
            }),
          );
        req.log.info({ uploadId, platform, by: user.id }, 'import uploaded; dry run queued');
        return seeOther(reply, `${PAGE}?notice=uploaded`);
      },
    );

    const withId = { schema: { params: IdParams, body: CsrfOnly } };
    scope.post(`${PAGE}/:id/confirm`, withId, async (req, reply) => {
      const outcome = await confirmImport(importsOf(), idParam(req));
      if (outcome === 'queued') req.log.info({ uploadId: idParam(req) }, 'import confirmed');
      return seeOther(reply, `${PAGE}?notice=${outcome === 'queued' ? 'import-queued' : 'not-ready'}`);
    });

    scope.post(`${PAGE}/:id/discard`, withId, async (req, reply) => {
      const outcome = await discardUpload(importsOf(), idParam(req));
      return seeOther(reply, `${PAGE}?notice=${outcome}`);
    });

    scope.get(
      `${PAGE}/:id/report.json`,
      { schema: { params: IdParams, querystring: StrictQuery({}) } },
      async (req, reply) => {
        const upload = await loadImportUpload(importsOf(), idParam(req));
        if (!upload?.report) throw new AppError('NOT_FOUND', 'There is no report of that import.');
        return reply
          .type('application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="import-report-${upload.id}.json"`)
          .send(`${JSON.stringify(upload.report, null, 2)}\n`);
      },
    );
  });
}
