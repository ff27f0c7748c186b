import multipart from '@fastify/multipart';
import { type TOptional, type TString, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import { parsePageNumber } from '../../../modules/shared/paging.ts';
import { IMPORT_LIMITS, importBibliography } from '../../../modules/sources/bibliography-import.ts';
import { bibliographyTooLarge } from '../../../modules/sources/bibliography-scan.ts';
import {
  emptySourceForm,
  SOURCE_FORM_FIELDS,
  type SourceForm,
  sourceFormOf,
} from '../../../modules/sources/source-form.ts';
import {
  createSource,
  deleteSource,
  getSource,
  listSources,
  type SourcesDeps,
  updateSource,
} from '../../../modules/sources/sources.service.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { Checkbox, CsrfField, Form, Params, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import {
  type AdminKit,
  FORM_TEXT_MAX,
  NoticeQuery,
  noticeOf,
  plainFormBody,
  requireForScope,
  seeOther,
  UploadQuery,
} from '../kit.tsx';
import { formOf } from '../session.ts';
import { ImportView, SourceFormView, SourcesListView, sourceEditPath, sourceNoticeText } from './views.tsx';

const LIST = '/admin/sources';
const IMPORT = '/admin/sources/import';

type SourceField = (typeof SOURCE_FORM_FIELDS)[number];
/** Every field of the source form is typed text: the sources module checks each one and shows the form again. */
const sourceFields = Object.fromEntries(
  SOURCE_FORM_FIELDS.map((f) => [f, Type.Optional(Text(FORM_TEXT_MAX))]),
) as Record<SourceField, TOptional<TString>>;
const SourceFormSchema = Form({ ...CsrfField, ...sourceFields });
const ListQuery = StrictQuery({
  q: Type.Optional(Text(100)),
  page: Type.Optional(Text(12)),
  notice: Type.Optional(Text(60)),
});
const KeyParams = Params({ key: Text(200) });
const CsrfOnly = Form({ ...CsrfField });
/** The import form sent without a file (a browser without multipart, a test): the pasted text and the box. */
const PlainImportForm = Form({ ...CsrfField, text: Type.Optional(Text(FORM_TEXT_MAX)), replace: Checkbox });

function formValues(form: Partial<Record<SourceField, string>>): SourceForm {
  const values = emptySourceForm();
  for (const f of SOURCE_FORM_FIELDS) values[f] = form[f] ?? '';
  return values;
}

/**
 * Reads the multipart import form: the pasted text, the "replace" box and at most one file. Text or file past the
 * byte limit is cut short by the parser as it streams in (never buffered whole); `tooLarge` says so.
 */
async function readImport(req: FastifyRequest): Promise<{ text: string; replace: boolean; tooLarge: boolean }> {
  let text = '';
  let fileText = '';
  let replace = false;
  let tooLarge = false;
  for await (const part of req.parts()) {
    if (part.type !== 'file') {
      if (part.fieldname === 'text') text = String(part.value ?? '');
      if (part.fieldname === 'text' && part.valueTruncated) tooLarge = true;
      if (part.fieldname === 'replace') replace = part.value === '1';
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of part.file as AsyncIterable<Buffer>) chunks.push(chunk);
    if (part.file.truncated) tooLarge = true;
    else fileText = Buffer.concat(chunks).toString('utf8');
  }
  return { text: fileText.trim() ? fileText : text, replace, tooLarge };
}

/**
 * The sources library under /admin/sources (manage_sources: authors and up): list and search, add, edit,
 * delete (refused while articles cite the source), and import of BibTeX, RIS or CSL-JSON. The import form is
 * multipart (a file may come with it), so like the media upload it carries the CSRF token in its address.
 */
export function registerSourceAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps: SourcesDeps = kit.ctx.deps.content;

  staff.register(async (sources) => {
    const scope = typed(sources);
    await scope.register(multipart, {
      throwFileSizeLimit: false,
      limits: { files: 1, fileSize: IMPORT_LIMITS.bytes, fields: 5, fieldSize: IMPORT_LIMITS.bytes, parts: 6 },
    });
    requireForScope(scope, kit, 'manage_sources');

    scope.get(LIST, { schema: { querystring: ListQuery } }, async (req, reply) => {
      const q = req.query;
      const search = q.q ?? '';
      const page = parsePageNumber(q.page);
      const list = await listSources(deps, { q: search, page });
      if (page > list.pageCount) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
      return kit.page(reply, {
        title: 'Sources',
        viewer: kit.viewerOf(req),
        current: 'sources',
        body: <SourcesListView {...list} page={page} q={search} notice={sourceNoticeText(noticeOf(req))} />,
      });
    });

    const showForm = (
      req: FastifyRequest,
      reply: FastifyReply,
      opts: {
        storedKey?: string;
        values: SourceForm;
        errors?: Record<string, string>;
        status?: number;
        deleteError?: string;
        notice?: string;
      },
    ) =>
      kit.page(reply, {
        title: opts.storedKey ? `Source ${opts.storedKey}` : 'Add a source',
        viewer: kit.viewerOf(req),
        current: 'sources',
        status: opts.status,
        body: (
          <SourceFormView
            mode={opts.storedKey ? 'edit' : 'new'}
            storedKey={opts.storedKey}
            values={opts.values}
            errors={opts.errors}
            deleteError={opts.deleteError}
            notice={opts.notice}
            viewer={kit.viewerOf(req)}
          />
        ),
      });

    const refused = (err: unknown) => {
      if (!isAppError(err) || !err.fields) throw err;
      return { errors: err.fields, status: HTTP_ERRORS[err.code].status };
    };

    scope.get('/admin/sources/new', { schema: { querystring: StrictQuery({}) } }, (req, reply) =>
      showForm(req, reply, { values: emptySourceForm() }),
    );

    scope.post(LIST, { schema: { body: SourceFormSchema } }, async (req, reply) => {
      const values = formValues(req.body);
      try {
        const source = await createSource(deps, values);
        return seeOther(reply, `${sourceEditPath(source.key)}?notice=created`);
      } catch (err) {
        return showForm(req, reply, { values, ...refused(err) });
      }
    });

    scope.get(
      '/admin/sources/edit/:key',
      { schema: { params: KeyParams, querystring: NoticeQuery } },
      async (req, reply) => {
        const source = await getSource(deps, req.params.key);
        const notice = sourceNoticeText(noticeOf(req));
        return showForm(req, reply, { storedKey: source.key, values: sourceFormOf(source), notice });
      },
    );

    scope.post(
      '/admin/sources/edit/:key',
      { schema: { params: KeyParams, body: SourceFormSchema } },
      async (req, reply) => {
        const storedKey = req.params.key;
        const values = formValues(req.body);
        try {
          const source = await updateSource(deps, { key: storedKey, form: values });
          return seeOther(reply, `${sourceEditPath(source.key)}?notice=saved`);
        } catch (err) {
          return showForm(req, reply, { storedKey, values, ...refused(err) });
        }
      },
    );

    scope.post(
      '/admin/sources/edit/:key/delete',
      { schema: { params: KeyParams, body: CsrfOnly } },
      async (req, reply) => {
        const storedKey = req.params.key;
        try {
          await deleteSource(deps, { key: storedKey });
        } catch (err) {
          if (!isAppError(err) || err.code !== 'SOURCE_IN_USE') throw err;
          const source = await getSource(deps, storedKey);
          return showForm(req, reply, {
            storedKey,
            values: sourceFormOf(source),
            deleteError: err.publicMessage,
            status: HTTP_ERRORS[err.code].status,
          });
        }
        return seeOther(reply, `${LIST}?notice=deleted`);
      },
    );

    const showImport = (
      req: FastifyRequest,
      reply: FastifyReply,
      opts: Omit<Parameters<typeof ImportView>[0], 'viewer'> & { status?: number },
    ) =>
      kit.page(reply, {
        title: 'Import a bibliography',
        viewer: kit.viewerOf(req),
        current: 'sources',
        status: opts.status,
        body: <ImportView {...opts} viewer={kit.viewerOf(req)} />,
      });

    scope.get(IMPORT, { schema: { querystring: StrictQuery({}) } }, (req, reply) =>
      showImport(req, reply, { text: '', replace: false }),
    );

    scope.post(
      IMPORT,
      { schema: { querystring: UploadQuery, body: plainFormBody(PlainImportForm) } },
      async (req, reply) => {
        const input = req.isMultipart()
          ? await readImport(req)
          : { text: formOf(req).get('text') ?? '', replace: formOf(req).get('replace') === '1', tooLarge: false };
        const typed = input.text.length > 100_000 ? '' : input.text;
        const refuse = (err: AppError) =>
          showImport(req, reply, {
            text: err.code === 'BIBLIOGRAPHY_TOO_LARGE' ? '' : typed,
            replace: input.replace,
            error: err.publicMessage,
            status: HTTP_ERRORS[err.code].status,
          });
        if (input.tooLarge) return refuse(bibliographyTooLarge());
        if (input.text.trim() === '')
          return showImport(req, reply, {
            text: '',
            replace: input.replace,
            error: 'Paste a bibliography or choose a file.',
            status: 400,
          });
        try {
          const report = await importBibliography(deps, { text: input.text, replace: input.replace });
          return showImport(req, reply, {
            text: report.failed.length > 0 ? typed : '',
            replace: input.replace,
            report,
          });
        } catch (err) {
          if (!isAppError(err) || (err.code !== 'BIBLIOGRAPHY_UNREADABLE' && err.code !== 'BIBLIOGRAPHY_TOO_LARGE'))
            throw err;
          return refuse(err);
        }
      },
    );
  });
}
