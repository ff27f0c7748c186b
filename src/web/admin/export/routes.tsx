import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../modules/accounts/policies.ts';
import type { SiteExportDeps } from '../../../modules/export/export.deps.ts';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  exportFileName,
  exportInProgress,
  exportSite,
} from '../../../modules/export/site-export.service.ts';
import { AppError } from '../../../modules/shared/errors.ts';
import { startDownload } from '../../kit/download-stream.ts';
import { PostRateLimit } from '../../kit/rate-limit.ts';
import { loadChrome } from '../../kit/render.tsx';
import { Checkbox, CsrfField, Form, StrictQuery, typed } from '../../kit/schemas.ts';
import { type AdminKit, requireForScope } from '../kit.tsx';
import { formOf } from '../session.ts';
import { ExportView } from './views.tsx';

const PAGE = '/admin/export';
/** Exports one account may start in a minute: each reads the whole site. */
const EXPORTS_PER_MINUTE = 5;

/** Both download forms: whether to include readers' addresses (owners) and, in the JSON file, the media. */
const ExportForm = Form({ ...CsrfField, personal: Checkbox, media: Checkbox });

const CONTENT_TYPES: Record<ExportFormat, string> = {
  wordpress: 'application/rss+xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** A base URL that readers elsewhere cannot reach: the default a server started without ANNALIST_BASE_URL gets. */
function isLocalAddress(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || /^(127\.|0\.0\.0\.0$|\[::1?\]$)/.test(host);
  } catch {
    return true;
  }
}

/**
 * /admin/export (owners and admins: export_site): the page, and a POST per format that streams the whole site
 * as a download. POST only, with the CSRF token and Origin the staff scope of routes/admin.tsx checks: a file
 * holding every draft and every commenter's address must not be started by a link on another site.
 */
export function registerExportAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const limit = new PostRateLimit(EXPORTS_PER_MINUTE, kit.ctx.limiter, 'export');
  const { baseUrl } = kit.ctx.deps;
  const exportsOf = (): SiteExportDeps => {
    const deps = kit.ctx.deps.exports;
    if (!deps) throw new AppError('NOT_FOUND', 'There is nothing at this address.', { detail: 'no export deps' });
    return deps;
  };

  async function download(req: FastifyRequest, reply: FastifyReply, format: ExportFormat) {
    const deps = exportsOf();
    const { user } = kit.viewerOf(req);
    const now = deps.clock.now();
    if (await limit.exceeded(`user:${user.id}`, now.getTime()))
      throw new AppError(
        'RATE_LIMITED',
        `You have asked for ${EXPORTS_PER_MINUTE} exports in the last minute. Wait a minute, then ask again.`,
      );
    const form = formOf(req);
    const input = {
      format,
      baseUrl,
      // Only an owner may take readers' addresses out of the site; an admin's file never names a reader.
      includePersonalData: form.get('personal') === 'yes' && can(user, 'export_personal_data'),
      includeMediaBytes: format === 'json' && form.get('media') === 'yes',
    };
    const { site } = await loadChrome(kit.ctx);
    const fileName = exportFileName({ format, baseUrl, now, timeZone: site.timeZone });
    const log = req.log.child({ export: format, by: user.id });
    const body = await startDownload(async (sink) => {
      const report = await exportSite(deps, input, sink);
      log.info({ report: report.format === 'json' ? report.counts : report.wxr }, 'export written to the download');
    }, log);
    return reply
      .type(CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .send(body);
  }

  staff.register(async (exports) => {
    requireForScope(exports, kit, 'export_site');
    const scope = typed(exports);

    scope.get(PAGE, { schema: { querystring: StrictQuery({}) } }, async (req, reply) => {
      const running = await exportInProgress(exportsOf());
      const viewer = kit.viewerOf(req);
      return kit.page(reply, {
        title: 'Export',
        viewer,
        current: 'export',
        body: (
          <ExportView
            viewer={viewer}
            baseUrl={baseUrl}
            localBaseUrl={isLocalAddress(baseUrl)}
            running={running}
            personal={can(viewer.user, 'export_personal_data')}
          />
        ),
      });
    });

    for (const format of EXPORT_FORMATS)
      scope.post(`${PAGE}/${format}`, { schema: { body: ExportForm } }, (req, reply) => download(req, reply, format));
  });
}
