import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../modules/accounts/policies.ts';
import { loadBackupStatus } from '../../modules/backups/backup-status.service.ts';
import { getModerationSettings } from '../../modules/moderation/moderation-settings.ts';
import { preflightPost } from '../../modules/preflight/preflight.service.ts';
import { isAppError } from '../../modules/shared/errors.ts';
import { type DashboardDeps, loadDashboard } from '../../modules/site/dashboard.service.ts';
import { addMenuItem, loadMenus, moveMenuItem, removeMenuItem } from '../../modules/site/menus.service.ts';
import {
  getSiteSettings,
  listTimeZones,
  type SiteSettingsForm,
  updateSiteSettings,
} from '../../modules/site/settings.service.ts';
import {
  addWidget,
  listWidgetSetups,
  loadWidgetAreas,
  moveWidget,
  removeWidget,
  updateWidget,
  type WidgetForm,
} from '../../modules/site/widgets.service.ts';
import { type AdminKit, idParam, one, type Query, requireForScope, seeOther } from '../admin-kit.tsx';
import { formOf } from '../admin-session.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { loadChrome } from '../render.tsx';
import { noticeText } from '../views/admin-layout.tsx';
import {
  DashboardView,
  type FormErrors,
  MenusView,
  SettingsView,
  siteNoticeText,
  WidgetsView,
} from '../views/admin-site.tsx';

const text = (form: URLSearchParams, key: string, max = 10_000) => (form.get(key) ?? '').slice(0, max);

/** A refused form: its field messages, or the error itself when it is not a form error. */
function formErrors(err: unknown, form: string): { errors: FormErrors; status: number } {
  if (!isAppError(err) || !err.fields || (err.code !== 'SETTINGS_INVALID' && err.code !== 'BAD_REQUEST')) throw err;
  return { errors: { form, fields: err.fields }, status: HTTP_ERRORS[err.code].status };
}

function direction(form: URLSearchParams): 'up' | 'down' {
  const d = form.get('direction');
  return d === 'up' ? 'up' : 'down';
}

/**
 * The dashboard (everyone signed in), and the site settings, widget areas and navigation menus (manage_site).
 * Registered inside the staff scope of routes/admin.tsx: the session, origin and CSRF token are checked.
 */
export function registerSiteAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const { ctx } = kit;
  const deps = ctx.deps.content;

  staff.get('/admin/dashboard', async (req, reply) => {
    const viewer = kit.viewerOf(req);
    const dashboardDeps: DashboardDeps = {
      db: deps.db,
      clock: deps.clock,
      checkPost: (post) =>
        preflightPost({ db: deps.db, clock: deps.clock, baseUrl: ctx.deps.baseUrl, mediaDir: ctx.deps.mediaDir }, post),
    };
    const backups = ctx.deps.backups;
    if (backups) dashboardDeps.backupStatus = () => loadBackupStatus(backups);
    const [dashboard, { site }] = await Promise.all([loadDashboard(dashboardDeps, viewer.user), loadChrome(ctx)]);
    return kit.page(reply, {
      title: 'Dashboard',
      viewer,
      current: 'dashboard',
      body: (
        <DashboardView
          dashboard={dashboard}
          site={site}
          notice={noticeText(one(req.query as Query, 'notice'), 1)}
          ownsBackups={can(viewer.user, 'manage_backups')}
        />
      ),
    });
  });

  staff.register(async (scope) => {
    requireForScope(scope, kit, 'manage_site');
    const notice = (req: FastifyRequest) => siteNoticeText(one(req.query as Query, 'notice'));

    // ---- Settings ----

    async function showSettings(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { values?: SiteSettingsForm; errors?: FormErrors; status?: number },
    ) {
      const viewer = kit.viewerOf(req);
      const [site, moderation] = await Promise.all([getSiteSettings(deps), getModerationSettings(deps)]);
      const values = form.values ?? {
        title: site.title,
        tagline: site.tagline,
        description: site.description,
        locale: site.locale,
        timeZone: site.timeZone,
        postsPerPage: String(site.postsPerPage),
        revisionsKept: String(site.revisionsKept),
        citationStyle: site.citationStyle,
      };
      return kit.page(reply, {
        title: 'Site settings',
        viewer,
        current: 'site',
        status: form.status,
        body: (
          <SettingsView
            values={values}
            errors={form.errors}
            timeZones={listTimeZones()}
            comments={{
              closeAfterDays: moderation.closeAfterDays,
              holdFirstComment: moderation.holdFirstComment,
              canManage: can(viewer.user, 'manage_discussion'),
            }}
            viewer={viewer}
            notice={form.errors ? undefined : notice(req)}
          />
        ),
      });
    }

    scope.get('/admin/settings', (req, reply) => showSettings(req, reply, {}));

    scope.post('/admin/settings', async (req, reply) => {
      const form = formOf(req);
      const values: SiteSettingsForm = {
        title: text(form, 'title', 500),
        tagline: text(form, 'tagline', 1000),
        description: text(form, 'description', 2000),
        locale: text(form, 'locale', 100),
        timeZone: text(form, 'timeZone', 100),
        postsPerPage: text(form, 'postsPerPage', 20),
        revisionsKept: text(form, 'revisionsKept', 20),
        // A form from before the setting existed keeps the site's style.
        citationStyle: form.has('citationStyle')
          ? text(form, 'citationStyle', 20)
          : (await getSiteSettings(deps)).citationStyle,
      };
      try {
        await updateSiteSettings(deps, values);
      } catch (err) {
        req.log.info({ err }, 'site settings refused');
        return showSettings(req, reply, { values, ...formErrors(err, 'settings') });
      }
      return seeOther(reply, '/admin/settings?notice=saved');
    });

    // ---- Widgets ----

    async function showWidgets(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { typed?: WidgetForm; errors?: FormErrors; status?: number },
    ) {
      const viewer = kit.viewerOf(req);
      const [setups, preview, site] = await Promise.all([
        listWidgetSetups(deps),
        loadWidgetAreas(deps),
        getSiteSettings(deps),
      ]);
      return kit.page(reply, {
        title: 'Widgets',
        viewer,
        current: 'site',
        status: form.status,
        body: (
          <WidgetsView
            setups={setups}
            preview={preview}
            site={site}
            errors={form.errors}
            typed={form.typed}
            viewer={viewer}
            notice={form.errors ? undefined : notice(req)}
          />
        ),
      });
    }

    const widgetForm = (form: URLSearchParams): WidgetForm => ({
      area: text(form, 'area', 20),
      type: text(form, 'type', 40),
      title: text(form, 'title', 500),
      count: text(form, 'count', 20),
      markdown: text(form, 'markdown', 20_000),
    });

    scope.get('/admin/widgets', (req, reply) => showWidgets(req, reply, {}));

    scope.post('/admin/widgets', async (req, reply) => {
      const typed = widgetForm(formOf(req));
      let id: number;
      try {
        id = await addWidget(deps, typed);
      } catch (err) {
        const area = ['header', 'sidebar', 'footer'].includes(typed.area) ? typed.area : 'sidebar';
        return showWidgets(req, reply, { typed, ...formErrors(err, `add-${area}`) });
      }
      return seeOther(reply, `/admin/widgets?notice=widget-added#setup-widget-${id}`);
    });

    scope.post('/admin/widgets/:id', async (req, reply) => {
      const id = idParam(req);
      const typed = widgetForm(formOf(req));
      try {
        await updateWidget(deps, { id, title: typed.title, count: typed.count, markdown: typed.markdown });
      } catch (err) {
        return showWidgets(req, reply, { typed, ...formErrors(err, `widget-${id}`) });
      }
      return seeOther(reply, `/admin/widgets?notice=widget-saved#setup-widget-${id}`);
    });

    scope.post('/admin/widgets/:id/move', async (req, reply) => {
      const id = idParam(req);
      await moveWidget(deps, { id, direction: direction(formOf(req)) });
      return seeOther(reply, `/admin/widgets?notice=widget-moved#setup-widget-${id}`);
    });

    scope.post('/admin/widgets/:id/remove', async (req, reply) => {
      await removeWidget(deps, idParam(req));
      return seeOther(reply, '/admin/widgets?notice=widget-removed');
    });

    // ---- Menus ----

    async function showMenus(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { typed?: { menu: string; label: string; url: string }; errors?: FormErrors; status?: number },
    ) {
      const viewer = kit.viewerOf(req);
      return kit.page(reply, {
        title: 'Menus',
        viewer,
        current: 'site',
        status: form.status,
        body: (
          <MenusView
            menus={await loadMenus(deps)}
            errors={form.errors}
            typed={form.typed}
            viewer={viewer}
            notice={form.errors ? undefined : notice(req)}
          />
        ),
      });
    }

    scope.get('/admin/menus', (req, reply) => showMenus(req, reply, {}));

    scope.post('/admin/menus', async (req, reply) => {
      const form = formOf(req);
      const typed = { menu: text(form, 'menu', 20), label: text(form, 'label', 500), url: text(form, 'url', 2000) };
      try {
        await addMenuItem(deps, typed);
      } catch (err) {
        const menu = typed.menu === 'footer' ? 'footer' : 'primary';
        return showMenus(req, reply, { typed, ...formErrors(err, `menu-${menu}`) });
      }
      return seeOther(reply, '/admin/menus?notice=menu-added');
    });

    scope.post('/admin/menus/:id/move', async (req, reply) => {
      const id = idParam(req);
      await moveMenuItem(deps, { id, direction: direction(formOf(req)) });
      return seeOther(reply, `/admin/menus?notice=menu-moved#menu-item-${id}`);
    });

    scope.post('/admin/menus/:id/remove', async (req, reply) => {
      await removeMenuItem(deps, idParam(req));
      return seeOther(reply, '/admin/menus?notice=menu-removed');
    });
  });
}
