import type { ImportUpload } from '../../../modules/import/import-upload.service.ts';
import { sizeText } from '../../../modules/import/upload-bytes.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import type { AppError } from '../../../modules/shared/errors.ts';
import { IMPORT_SCRIPT_URL } from '../../kit/assets.ts';
import { Choice, CsrfField } from '../../ui/form.tsx';
import { formatBytes } from '../backups/status.views.tsx';
import { type AdminViewer, formatDateTime, Notice, noticeLookup } from '../layout.tsx';
import { ImportReportView } from './report.views.tsx';

// /admin/import (owners and admins): the upload form, the upload in flight (its progress, or its dry run's
// report with "Import" and "Discard"), and the finished imports whose reports are kept.

const NOTICES: Record<string, string> = {
  uploaded:
    'The file is in and is being checked: a dry run reads all of it and changes nothing. Its report appears here when it is done.',
  'import-queued':
    'The import has started. You may close this page: it goes on without it, and a restart of the server does not lose it.',
  'not-ready':
    'That upload is not awaiting "Import" (it is being checked, or was imported or discarded): nothing was started.',
  discarded: 'The upload and its report are gone.',
  running: 'It is being checked or imported right now and cannot be stopped half way: wait for it to finish.',
  gone: 'There is no such upload: it was discarded already.',
};
export const importNoticeText = noticeLookup(NOTICES);

const PLATFORMS = [
  {
    value: 'wordpress',
    label: 'WordPress (WXR, .xml)',
    name: 'WordPress export',
    hint: 'From Tools → Export → All content. Brings posts and pages, the category tree, tags, bylines and threaded comments, and every old address redirects to its new one.',
  },
  {
    value: 'ghost',
    label: 'Ghost (.json)',
    name: 'Ghost export',
    hint: "From Settings → Import/Export → Export content, Ghost 4, 5 or 6. Brings posts and pages, tags (each post's first becomes its category), authors, featured images and SEO fields.",
  },
  {
    value: 'disqus',
    label: 'Disqus comments (.xml)',
    name: 'Disqus export',
    hint: 'The export Disqus mails you, unpacked or as the .gz it comes in. Brings comments and their replies onto the articles already here: import the articles first.',
  },
] as const;

const platformName = (p: string) => PLATFORMS.find((x) => x.value === p)?.name ?? p;

function UploadForm(props: { csrf: string; maxBytes: number; error?: AppError }) {
  const fields = props.error?.fields ?? {};
  return (
    <form
      class="admin-form import-upload-form"
      method="post"
      action={`/admin/import?csrf=${encodeURIComponent(props.csrf)}`}
      encType="multipart/form-data"
    >
      {/* The platform comes before the file in the form, so it arrives first: the file is stored as it comes. */}
      <fieldset aria-describedby={fields.platform ? 'import-platform-error' : undefined}>
        <legend>What is the file?</legend>
        {fields.platform ? (
          <p class="field__error" id="import-platform-error">
            {fields.platform}
          </p>
        ) : null}
        {PLATFORMS.map((p, i) => (
          <div key={p.value}>
            <Choice
              type="radio"
              id={`import-platform-${p.value}`}
              name="platform"
              value={p.value}
              checked={i === 0}
              hint={p.hint}
            >
              {p.label}
            </Choice>
          </div>
        ))}
      </fieldset>
      <div class={fields.file ? 'field field--error' : 'field'}>
        <label for="import-file">Export file</label>
        <p class="field__hint" id="import-file-hint">
          Up to {sizeText(props.maxBytes)}, as sent and once unpacked; a .gz of any of them is unpacked here. For a
          larger file, use <code>annalist import</code> on the server (see docs/moving-in.md).
        </p>
        {fields.file ? (
          <p class="field__error" id="import-file-error">
            {fields.file}
          </p>
        ) : null}
        <input
          type="file"
          id="import-file"
          name="file"
          accept=".xml,.json,.gz,application/xml,text/xml,application/json,application/gzip"
          aria-describedby={fields.file ? 'import-file-hint import-file-error' : 'import-file-hint'}
          aria-invalid={fields.file ? 'true' : undefined}
        />
      </div>
      <p>
        <button type="submit">Upload and check</button>
      </p>
    </form>
  );
}

function Progress(props: { upload: ImportUpload; site: SiteSettings }) {
  const { upload } = props;
  const read = upload.progress?.bytes ?? 0;
  const items = upload.progress?.items ?? 0;
  const percent = upload.bytes > 0 ? Math.min(100, Math.floor((read / upload.bytes) * 100)) : 0;
  const what = upload.status === 'checking' ? 'check' : 'import';
  return (
    <div class="import-progress" data-import-status={upload.status} data-import-upload={upload.id}>
      <p id="import-progress-label">Read so far:</p>
      <progress aria-labelledby="import-progress-label" max={Math.max(1, upload.bytes)} value={read}>
        {percent}%
      </progress>
      <p class="import-progress__text">
        {items} {items === 1 ? 'item' : 'items'} read, {percent}% of the file.
      </p>
      <JobState upload={upload} site={props.site} />
      <p>
        <a href="/admin/import">Refresh</a> to see how far it has gone. You may close this page: the {what} goes on
        without it.
      </p>
      <script type="module" src={IMPORT_SCRIPT_URL} />
    </div>
  );
}

function JobState(props: { upload: ImportUpload; site: SiteSettings }) {
  const { job, status } = props.upload;
  if (job?.lastError)
    return (
      <p class="admin-alert">
        The last attempt failed ({job.lastError}); it is tried again
        {job.retryAt ? (
          <>
            {' '}
            at <time dateTime={job.retryAt}>{formatDateTime(job.retryAt, props.site)}</time>
          </>
        ) : null}
        . Nothing was imported by it.
      </p>
    );
  if (job?.running) return null;
  return (
    <p>
      {status === 'importing'
        ? 'Waiting to start. After a restart of the server the import starts again from the beginning within a minute or so; nothing of a stopped attempt stays.'
        : 'Waiting to start.'}
    </p>
  );
}

function FileLine(props: { upload: ImportUpload }) {
  const u = props.upload;
  return (
    <p>
      <strong>{u.fileName || '(no name)'}</strong>: {platformName(u.platform)}, {formatBytes(u.bytes)}
      {u.compression === 'gzip' ? ` (unpacked from a .gz of ${formatBytes(u.uploadedBytes)})` : ''}.
    </p>
  );
}

function DiscardForm(props: { csrf: string; id: number; label: string }) {
  return (
    <form method="post" action={`/admin/import/${props.id}/discard`} class="import-actions__form">
      <CsrfField csrf={props.csrf} />
      <button type="submit" class="secondary">
        {props.label}
      </button>
    </form>
  );
}

const CURRENT_HEADING = { checking: 'Being checked', ready: 'Checked: ready to import', importing: 'Importing' };

function Current(props: { upload: ImportUpload; csrf: string; site: SiteSettings }) {
  const { upload, csrf } = props;
  const status = upload.status as keyof typeof CURRENT_HEADING;
  return (
    <section class="import-current" aria-labelledby="import-current">
      <h2 id="import-current">{CURRENT_HEADING[status] ?? 'Upload'}</h2>
      <FileLine upload={upload} />
      {status === 'ready' && upload.report ? (
        <>
          <p>
            The dry run read the whole file and changed nothing. Read its report: this is what the import will do. The
            import is all or nothing, and another upload waits until this one is imported or discarded.
          </p>
          <ImportReportView
            report={upload.report}
            id={`import-report-${upload.id}`}
            headingId="import-current"
            level="h3"
          />
          <div class="import-actions">
            <form method="post" action={`/admin/import/${upload.id}/confirm`} class="import-actions__form">
              <CsrfField csrf={csrf} />
              <button type="submit">Import</button>
            </form>
            <DiscardForm csrf={csrf} id={upload.id} label="Discard" />
          </div>
        </>
      ) : (
        <>
          <p>
            {status === 'checking'
              ? 'A dry run is reading the whole file and changes nothing; its report appears here when it is done.'
              : 'The import runs in one transaction: the site changes all at once when it is done, or not at all.'}
          </p>
          <Progress upload={upload} site={props.site} />
          {status === 'checking' ? <DiscardForm csrf={csrf} id={upload.id} label="Discard" /> : null}
        </>
      )}
    </section>
  );
}

const FINISHED_LABEL: Record<string, string> = {
  imported: 'Imported',
  refused: 'Refused',
  failed: 'Failed',
  expired: 'Not imported: the file was removed',
};

function Finished(props: { upload: ImportUpload; csrf: string; site: SiteSettings }) {
  const { upload, csrf } = props;
  const headingId = `import-upload-${upload.id}`;
  return (
    <article class="import-finished" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {FINISHED_LABEL[upload.status] ?? upload.status}: {upload.fileName || platformName(upload.platform)}
      </h3>
      <p>
        {platformName(upload.platform)}, uploaded{' '}
        <time dateTime={upload.createdAt}>{formatDateTime(upload.createdAt, props.site)}</time>
        {upload.finishedAt ? (
          <>
            , finished <time dateTime={upload.finishedAt}>{formatDateTime(upload.finishedAt, props.site)}</time>
          </>
        ) : null}
        .
      </p>
      {upload.error ? (
        <div class="admin-alert">
          <p>
            {upload.error.message} <span class="import-finished__code">(Code: {upload.error.code})</span> Nothing was
            imported.
          </p>
        </div>
      ) : null}
      {upload.status === 'expired' ? (
        <p>
          It was checked but not imported within a day, so its file was removed. Upload it again to import it; the
          report of its dry run is below.
        </p>
      ) : null}
      {upload.report ? (
        <ImportReportView report={upload.report} id={`import-report-${upload.id}`} headingId={headingId} level="h4" />
      ) : null}
      <div class="import-actions">
        {upload.report ? (
          <p>
            <a href={`/admin/import/${upload.id}/report.json`} download>
              Download the report as JSON
            </a>
          </p>
        ) : null}
        <DiscardForm csrf={csrf} id={upload.id} label="Remove this report" />
      </div>
    </article>
  );
}

export function ImportView(props: {
  viewer: AdminViewer;
  site: SiteSettings;
  current: ImportUpload | undefined;
  earlier: ImportUpload[];
  maxBytes: number;
  error?: AppError;
  notice?: string;
}) {
  const { csrf } = props.viewer;
  const { error } = props;
  return (
    <>
      <h1 class="page-title">Import</h1>
      <p>
        Bring a site in from WordPress or Ghost, or its comments from Disqus. The file is checked first by a dry run,
        which reads all of it and changes nothing; its report says what the import would do, and nothing is imported
        until you press Import. The import is all or nothing, and importing the same site again (the same file or a
        later export) updates what changed and duplicates nothing.
      </p>
      <Notice text={props.notice} />
      {error ? (
        <div class="admin-alert" role="alert">
          <p>
            {error.publicMessage} <span class="import-finished__code">(Code: {error.code})</span>
          </p>
        </div>
      ) : null}
      {props.current ? (
        <Current upload={props.current} csrf={csrf} site={props.site} />
      ) : (
        <section aria-labelledby="import-upload">
          <h2 id="import-upload">Upload an export</h2>
          <UploadForm csrf={csrf} maxBytes={props.maxBytes} error={error} />
        </section>
      )}
      {props.earlier.length > 0 ? (
        <section aria-labelledby="import-earlier">
          <h2 id="import-earlier">Earlier imports</h2>
          {props.earlier.map((u) => (
            <Finished key={u.id} upload={u} csrf={csrf} site={props.site} />
          ))}
        </section>
      ) : null}
    </>
  );
}
