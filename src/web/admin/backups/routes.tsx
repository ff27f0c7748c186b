import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BackupDeps } from '../../../modules/backups/backup.deps.ts';
import { getBackupSchedule, saveBackupSchedule } from '../../../modules/backups/backup-schedule.service.ts';
import { type BackupScheduleForm, scheduleForm } from '../../../modules/backups/backup-schedule.ts';
import {
  listBackupArchives,
  loadBackupStatus,
  openBackupArchive,
  requestBackupNow,
} from '../../../modules/backups/backup-status.service.ts';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { loadChrome } from '../../kit/render.tsx';
import { CsrfField, Form, Params, Text, typed } from '../../kit/schemas.ts';
import type { FormErrors } from '../../ui/form.tsx';
import { type AdminKit, NoticeQuery, noticeOf, requireForScope, seeOther } from '../kit.tsx';
import { BackupsView, backupNoticeText } from './views.tsx';

const PAGE = '/admin/backups';
/**
 * The schedule form: selects and a time, each a word or a number (longer than 20 characters is refused). A
 * `folder` is accepted and ignored: the folder is the operator's (ANNALIST_BACKUP_DIR), never a form's, and an
 * older page or a hand-made request that sends one still saves its schedule.
 */
const ScheduleForm = Form({
  ...CsrfField,
  frequency: Text(20),
  weekday: Text(20),
  time: Text(20),
  keep: Text(20),
  folder: Type.Optional(Text(4096)),
});
const CsrfOnly = Form({ ...CsrfField });
const FileParams = Params({ name: Text(200) });

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

  staff.register(async (backups) => {
    requireForScope(backups, kit, 'manage_backups');
    const scope = typed(backups);

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
            notice={form.errors ? undefined : backupNoticeText(noticeOf(req))}
          />
        ),
      });
    }

    scope.get(PAGE, { schema: { querystring: NoticeQuery } }, (req, reply) => show(req, reply));

    scope.post(`${PAGE}/schedule`, { schema: { body: ScheduleForm } }, async (req, reply) => {
      const { frequency, weekday, time, keep } = req.body;
      const values: BackupScheduleForm = { frequency, weekday, time, keep };
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

    scope.post(`${PAGE}/run`, { schema: { body: CsrfOnly } }, async (_req, reply) => {
      const outcome = await requestBackupNow(backupsOf());
      return seeOther(reply, `${PAGE}?notice=${outcome === 'queued' ? 'backup-queued' : 'backup-busy'}`);
    });

    // Only a name from the list: anything else (a path, a link, another file in the folder) is a 404 page.
    scope.get(`${PAGE}/files/:name`, { schema: { params: FileParams } }, async (req, reply) => {
      const { name } = req.params;
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
