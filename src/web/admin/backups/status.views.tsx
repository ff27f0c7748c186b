import type { BackupStatus } from '../../../modules/backups/backup-status.service.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { formatDateTime } from '../layout.tsx';

// Where backups stand, as the dashboard and /admin/backups both show it.

/** "1.4 MB", "820 KB", "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export function When(props: { at: string; site: SiteSettings }) {
  return <time dateTime={props.at}>{formatDateTime(props.at, props.site)}</time>;
}

/** The failure warning: the dashboard and /admin/backups both show it until a later run succeeds. */
export function BackupFailure(props: { status: BackupStatus; site: SiteSettings }) {
  const f = props.status.failure;
  if (!f) return null;
  return (
    <div class="admin-alert" role="alert">
      <p>
        <strong>The last backup failed</strong> (<When at={f.at} site={props.site} />
        ): {f.error}
      </p>
    </div>
  );
}

/** When the last backup ran, how it went, and when the next one will. */
export function BackupSummary(props: { status: BackupStatus; site: SiteSettings }) {
  const { status, site } = props;
  const last = status.lastRun;
  return (
    <ul class="dashboard-list">
      <li>
        Last backup:{' '}
        {last ? (
          <>
            <When at={last.startedAt} site={site} />
            {last.finishedAt === null
              ? status.busy
                ? ', being written now'
                : ', did not finish'
              : last.error === null
                ? `, succeeded (${formatBytes(last.bytes ?? 0)})`
                : ', failed'}
          </>
        ) : (
          'none yet'
        )}
      </li>
      {last?.error || (last && last.finishedAt === null && !status.busy) ? (
        <li>Last good backup: {status.lastGood ? <When at={status.lastGood.startedAt} site={site} /> : 'none yet'}</li>
      ) : null}
      <li>
        Next backup:{' '}
        {status.nextRunAt ? (
          <When at={status.nextRunAt} site={site} />
        ) : status.schedule.frequency === 'off' ? (
          'none scheduled (the schedule is off)'
        ) : (
          'none booked: the schedule is on, but its next run could not be booked (see the failure above)'
        )}
      </li>
    </ul>
  );
}
