import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BackupDeps } from '../../modules/backups/backup.deps.ts';
import { getBackupSchedule, saveBackupSchedule } from '../../modules/backups/backup-schedule.service.ts';
import { type BackupScheduleForm, scheduleForm } from '../../modules/backups/backup-schedule.ts';
import {
  listBackupArchives,
  loadBackupStatus,
  openBackupArchive,
  requestBackupNow,
} from '../../modules/backups/backup-status.service.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { type AdminKit, one, type Query, requireForScope, seeOther } from '../admin-kit.tsx';
import { formOf } from '../admin-session.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { loadChrome } from '../render.tsx';
import { BackupsView, backupNoticeText } from '../views/admin-backups.tsx';
import type { FormErrors } from '../views/admin-site.tsx';

const PAGE = '/admin/backups';
const text = (form: URLSearchParams, key: string, max: number) => (form.get(key) ?? '').slice(0, max);

/**
 * /admin/backups (owners: manage_backups): the schedule, "Back up now", and the archives in the folder with a
 * download each. Registered inside the staff scope of routes/admin.tsx: session, origin and CSRF are checked.
 */
export function registerBackupAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const backupsOf = (): BackupDeps => {
    const deps = kit.ctx.deps.backups;
    if (!deps) throw new AppError('NOT_FOUND', 'There is nothing at this address.', { detail: 'no backup deps' });
    return deps;
  };

  staff.register(async (scope) => {
    requireForScope(scope, kit, 'manage_backups');

    async function show(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { values?: BackupScheduleForm; errors?: FormErrors; status?: number } = {},
    ) {
      const deps = backupsOf();
      const viewer = kit.viewerOf(req);
      const [status, { archives }, { site }] = await Promise.all([
        loadBackupStatus(deps),
        listBackupArchives(deps),
        loadChrome(kit.ctx),
      ]);
      return kit.page(reply, {
        title: 'Backups',
        viewer,
        current: 'backups',
        status: form.status,
        body: (
          <BackupsView
            status={status}
            archives={archives}
            values={form.values ?? scheduleForm(await getBackupSchedule(deps))}
            errors={form.errors}
            site={site}
            viewer={viewer}
            notice={form.errors ? undefined : backupNoticeText(one(req.query as Query, 'notice'))}
          />
        ),
      });
    }

    scope.get(PAGE, (req, reply) => show(req, reply));

    scope.post(`${PAGE}/schedule`, async (req, reply) => {
      const form = formOf(req);
      const values: BackupScheduleForm = {
        frequency: text(form, 'frequency', 20),
        weekday: text(form, 'weekday', 20),
        time: text(form, 'time', 20),
        keep: text(form, 'keep', 20),
      };
      // No folder field: the folder is the operator's (ANNALIST_BACKUP_DIR), and a `folder` sent anyway is ignored.
      try {
        await saveBackupSchedule(backupsOf(), values);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'SETTINGS_INVALID' || !err.fields) throw err;
        const errors = { form: 'schedule', fields: err.fields };
        return show(req, reply, { values, errors, status: HTTP_ERRORS[err.code].status });
      }
      return seeOther(reply, `${PAGE}?notice=schedule-saved`);
    });

    scope.post(`${PAGE}/run`, async (_req, reply) => {
      const outcome = await requestBackupNow(backupsOf());
      return seeOther(reply, `${PAGE}?notice=${outcome === 'queued' ? 'backup-queued' : 'backup-busy'}`);
    });

    // Only a name from the list: anything else (a path, a link, another file in the folder) is a 404 page.
    scope.get(`${PAGE}/files/:name`, async (req, reply) => {
      const { name } = req.params as { name: string };
      const archive = await openBackupArchive(backupsOf(), name);
      if (!archive) throw new AppError('BACKUP_NOT_FOUND', 'There is no backup of that name in the backup folder.');
      return reply
        .type('application/gzip')
        .header('content-length', String(archive.bytes))
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(archive.stream);
    });
  });
}
