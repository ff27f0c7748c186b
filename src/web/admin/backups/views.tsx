import type { BackupScheduleForm } from '../../../modules/backups/backup-schedule.ts';
import { BACKUP_KEEP_LIMITS } from '../../../modules/backups/backup-schedule.ts';
import type { ArchiveOrigin, BackupArchive, BackupStatus } from '../../../modules/backups/backup-status.service.ts';
import { WEEKDAYS } from '../../../modules/backups/next-backup-time.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { CsrfField, ErrorSummary, Field, type FormErrors, TextField } from '../../ui/form.tsx';
import { DataTable } from '../../ui/lists.tsx';
import { type AdminViewer, Notice, noticeLookup } from '../layout.tsx';
import { BackupFailure, BackupSummary, formatBytes, When } from './status.views.tsx';

// /admin/backups (owners) and the backup part of the dashboard.

const NOTICES: Record<string, string> = {
  'schedule-saved': 'Backup schedule saved.',
  'backup-queued': 'A backup is being written. Reload this page to see it in the list.',
  'backup-busy': 'A backup is already being written; no second one was started.',
};
export const backupNoticeText = noticeLookup(NOTICES);

const ORIGIN_LABEL: Record<ArchiveOrigin, string> = {
  schedule: 'Schedule',
  manual: 'Back up now',
  hand: 'By hand',
};

const FREQUENCY_LABEL = { off: 'Off', daily: 'Every day', weekly: 'Every week' } as const;
const capitalised = (s: string) => `${s[0]?.toUpperCase() ?? ''}${s.slice(1)}`;

const fieldId = (name: string) => `backup-${name}`;

function ScheduleForm(props: { values: BackupScheduleForm; errors?: FormErrors; viewer: AdminViewer; folder: string }) {
  const { values } = props;
  const e = props.errors?.fields ?? {};
  const { min, max } = BACKUP_KEEP_LIMITS;
  return (
    <form class="admin-form" method="post" action="/admin/backups/schedule">
      <CsrfField csrf={props.viewer.csrf} />
      <fieldset>
        <legend>Schedule</legend>
        <Field id={fieldId('frequency')} label="Back up" error={e.frequency}>
          {(a11y) => (
            <select id={fieldId('frequency')} name="frequency" {...a11y}>
              {Object.entries(FREQUENCY_LABEL).map(([value, label]) => (
                <option key={value} value={value} selected={values.frequency === value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={fieldId('weekday')} label="Day (weekly backups)" error={e.weekday}>
          {(a11y) => (
            <select id={fieldId('weekday')} name="weekday" {...a11y}>
              {WEEKDAYS.map((d) => (
                <option key={d} value={d} selected={values.weekday === d}>
                  {capitalised(d)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <TextField
          id={fieldId('time')}
          name="time"
          label="Time of day"
          hint="HH:MM, 24-hour, in the site's time zone (Site settings). A time the clocks skip runs when they jump."
          value={values.time}
          error={e.time}
          required
          maxLength={5}
        />
        <TextField
          id={fieldId('keep')}
          name="keep"
          label="Scheduled backups to keep"
          hint={`From ${min} to ${max}. Older ones the schedule wrote are removed; backups made by hand are kept.`}
          value={values.keep}
          error={e.keep}
          inputMode="numeric"
          required
        />
      </fieldset>
      <p class="hint">
        Archives go to <code>{props.folder}</code> on the server. The server's operator chooses that folder
        (ANNALIST_BACKUP_DIR); it cannot be changed here.
      </p>
      <button type="submit">Save the schedule</button>
    </form>
  );
}

function ArchiveList(props: { archives: BackupArchive[]; folder: string; site: SiteSettings }) {
  if (props.archives.length === 0) return <p class="empty">No backups in {props.folder} yet.</p>;
  return (
    <DataTable caption={`Archives in ${props.folder}`} columns={['File', 'Written', 'Size', 'Made by']}>
      {props.archives.map((a) => (
        <tr key={a.name}>
          <td>
            <a href={`/admin/backups/files/${encodeURIComponent(a.name)}`} download>
              {a.name}
            </a>
          </td>
          <td>
            <When at={a.modifiedAt} site={props.site} />
          </td>
          <td>{formatBytes(a.bytes)}</td>
          <td>{ORIGIN_LABEL[a.origin]}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function BackupsView(props: {
  status: BackupStatus;
  archives: BackupArchive[];
  values: BackupScheduleForm;
  errors?: FormErrors;
  site: SiteSettings;
  viewer: AdminViewer;
  notice?: string;
}) {
  const { status, site } = props;
  return (
    <>
      <h1 class="page-title">Backups</h1>
      <Notice text={props.notice} />
      <BackupFailure status={status} site={site} />
      <ErrorSummary
        errors={props.errors?.fields}
        idOf={fieldId}
        message="Some backup settings need a correction; nothing was saved."
      />
      <section aria-labelledby="backups-now">
        <h2 id="backups-now">Now</h2>
        <BackupSummary status={status} site={site} />
        {status.busy ? (
          <p>
            <strong>A backup is being written now.</strong> It appears in the list below when it is done.
          </p>
        ) : (
          <form method="post" action="/admin/backups/run">
            <CsrfField csrf={props.viewer.csrf} />
            <button type="submit">Back up now</button>
          </form>
        )}
        <p class="hint">
          Archives hold the whole site (articles, comments, media) but no passwords or second factors, like{' '}
          <code>annalist backup</code>; a restore gives each owner a link to choose a password.
        </p>
      </section>
      <section aria-labelledby="backups-list">
        <h2 id="backups-list">Archives</h2>
        <ArchiveList archives={props.archives} folder={status.folder} site={site} />
      </section>
      <section aria-labelledby="backups-schedule">
        <h2 id="backups-schedule">Schedule</h2>
        <ScheduleForm values={props.values} errors={props.errors} viewer={props.viewer} folder={status.folder} />
      </section>
    </>
  );
}
