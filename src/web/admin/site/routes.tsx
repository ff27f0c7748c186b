import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../../modules/accounts/policies.ts';
import { loadBackupStatus } from '../../../modules/backups/backup-status.service.ts';
import { type DashboardDeps, loadDashboard } from '../../../modules/dashboard/dashboard.service.ts';
import { dismissFirstRunChecklist, loadFirstRunChecklist } from '../../../modules/dashboard/first-run.service.ts';
import { getModerationSettings } from '../../../modules/moderation/moderation-settings.ts';
import { preflightPost } from '../../../modules/preflight/preflight.service.ts';
import { getSiteSettings, listTimeZones, type SiteSettingsForm } from '../../../modules/settings/settings.service.ts';
import { isAppError } from '../../../modules/shared/errors.ts';
import { listMenuTargets, menuItemFromBuilder } from '../../../modules/site/menu-targets.service.ts';
import { addMenuItem, loadMenus, moveMenuItem, removeMenuItem } from '../../../modules/site/menus.service.ts';
import {
  addWidget,
  listWidgetSetups,
  loadWidgetAreas,
  moveWidget,
  removeWidget,
  updateWidget,
  type WidgetForm,
} from '../../../modules/site/widgets.service.ts';
import { updateSettingsAndCitations } from '../../../modules/sources/citation-style.workflow.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { loadChrome } from '../../kit/render.tsx';
import { CsrfField, Form, OneOf, Text, typed as typedRoutes } from '../../kit/schemas.ts';
import type { FormErrors } from '../../ui/form.tsx';
import {
  type AdminKit,
  FORM_TEXT_MAX,
  IdParams,
  idParam,
  NoticeQuery,
  noticeOf,
  requireForScope,
  seeOther,
} from '../kit.tsx';
import { noticeText } from '../layout.tsx';
import { formOf } from '../session.ts';
import { FirstRunChecklist } from './checklist.views.tsx';
import { DashboardView, MenusView, SettingsView, siteNoticeText, WidgetsView } from './views.tsx';

/** A field of a form whose schema has set its ceiling (never cut here: longer is refused or the module says so). */
const text = (form: URLSearchParams, key: string) => form.get(key) ?? '';

const Optional = Type.Optional;
/** Text a person types: the settings and site modules check the real limits and the form is shown again. */
const Typed = Optional(Text(FORM_TEXT_MAX));
/** A word of a select, a number field or a hidden field. */
const Word = Optional(Text(100));
const SettingsForm = Form({
  ...CsrfField,
  title: Typed,
  tagline: Typed,
  description: Typed,
  locale: Word,
  timeZone: Word,
  postsPerPage: Word,
  revisionsKept: Word,
  citationStyle: Word,
});
const WidgetFormSchema = Form({ ...CsrfField, area: Word, type: Word, title: Typed, count: Word, markdown: Typed });
const MenuForm = Form({ ...CsrfField, menu: Word, target: Typed, label: Typed, url: Typed });
const MoveForm = Form({ ...CsrfField, direction: Optional(OneOf(['up', 'down'])) });
const CsrfOnly = Form({ ...CsrfField });
const withId = { params: IdParams };

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

  staff.get('/admin/dashboard', { schema: { querystring: NoticeQuery } }, async (req, reply) => {
    const viewer = kit.viewerOf(req);
    const dashboardDeps: DashboardDeps = {
      db: deps.db,
      clock: deps.clock,
      checkPost: (post) =>
        preflightPost({ db: deps.db, clock: deps.clock, baseUrl: ctx.deps.baseUrl, mediaDir: ctx.deps.mediaDir }, post),
    };
    const backups = ctx.deps.backups;
    if (backups) dashboardDeps.backupStatus = () => loadBackupStatus(backups);
    const [dashboard, { site }, checklist] = await Promise.all([
      loadDashboard(dashboardDeps, viewer.user),
      loadChrome(ctx),
      loadFirstRunChecklist(deps, viewer.user),
    ]);
    return kit.page(reply, {
      title: 'Dashboard',
      viewer,
      current: 'dashboard',
      body: (
        <DashboardView
          dashboard={dashboard}
          site={site}
          notice={noticeText(noticeOf(req), 1)}
          ownsBackups={can(viewer.user, 'manage_backups')}
          checklist={checklist ? <FirstRunChecklist items={checklist} csrf={viewer.csrf} /> : null}
        />
      ),
    });
  });

  staff.post('/admin/dashboard/checklist/hide', { schema: { body: CsrfOnly } }, async (req, reply) => {
    kit.requireCapability(req, 'manage_site');
    await dismissFirstRunChecklist(deps);
    return seeOther(reply, '/admin/dashboard?notice=checklist-hidden');
  });

  staff.register(async (site) => {
    requireForScope(site, kit, 'manage_site');
    const scope = typedRoutes(site);
    const notice = (req: FastifyRequest) => siteNoticeText(noticeOf(req));
    const page = { schema: { querystring: NoticeQuery } };

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

    scope.get('/admin/settings', page, (req, reply) => showSettings(req, reply, {}));

    scope.post('/admin/settings', { schema: { body: SettingsForm } }, async (req, reply) => {
      const form = formOf(req);
      const values: SiteSettingsForm = {
        title: text(form, 'title'),
        tagline: text(form, 'tagline'),
        description: text(form, 'description'),
        locale: text(form, 'locale'),
        timeZone: text(form, 'timeZone'),
        postsPerPage: text(form, 'postsPerPage'),
        revisionsKept: text(form, 'revisionsKept'),
        // A form from before the setting existed keeps the site's style.
        citationStyle: form.has('citationStyle')
          ? text(form, 'citationStyle')
          : (await getSiteSettings(deps)).citationStyle,
      };
      try {
        await updateSettingsAndCitations(deps, values);
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
        current: 'widgets',
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
      area: text(form, 'area'),
      type: text(form, 'type'),
      title: text(form, 'title'),
      count: text(form, 'count'),
      markdown: text(form, 'markdown'),
    });

    scope.get('/admin/widgets', page, (req, reply) => showWidgets(req, reply, {}));

    scope.post('/admin/widgets', { schema: { body: WidgetFormSchema } }, async (req, reply) => {
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

    scope.post('/admin/widgets/:id', { schema: { ...withId, body: WidgetFormSchema } }, async (req, reply) => {
      const id = idParam(req);
      const typed = widgetForm(formOf(req));
      try {
        await updateWidget(deps, { id, title: typed.title, count: typed.count, markdown: typed.markdown });
      } catch (err) {
        return showWidgets(req, reply, { typed, ...formErrors(err, `widget-${id}`) });
      }
      return seeOther(reply, `/admin/widgets?notice=widget-saved#setup-widget-${id}`);
    });

    scope.post('/admin/widgets/:id/move', { schema: { ...withId, body: MoveForm } }, async (req, reply) => {
      const id = idParam(req);
      await moveWidget(deps, { id, direction: direction(formOf(req)) });
      return seeOther(reply, `/admin/widgets?notice=widget-moved#setup-widget-${id}`);
    });

    scope.post('/admin/widgets/:id/remove', { schema: { ...withId, body: CsrfOnly } }, async (req, reply) => {
      await removeWidget(deps, idParam(req));
      return seeOther(reply, '/admin/widgets?notice=widget-removed');
    });

    // ---- Menus ----

    async function showMenus(
      req: FastifyRequest,
      reply: FastifyReply,
      form: {
        typed?: { menu: string; label: string; url: string; target: string };
        errors?: FormErrors;
        status?: number;
      },
    ) {
      const viewer = kit.viewerOf(req);
      return kit.page(reply, {
        title: 'Menus',
        viewer,
        current: 'menus',
        status: form.status,
        body: (
          <MenusView
            menus={await loadMenus(deps)}
            targets={await listMenuTargets(deps)}
            errors={form.errors}
            typed={form.typed}
            viewer={viewer}
            notice={form.errors ? undefined : notice(req)}
          />
        ),
      });
    }

    scope.get('/admin/menus', page, (req, reply) => showMenus(req, reply, {}));

    scope.post('/admin/menus', { schema: { body: MenuForm } }, async (req, reply) => {
      const form = formOf(req);
      const typed = {
        menu: text(form, 'menu'),
        target: text(form, 'target'),
        label: text(form, 'label'),
        url: text(form, 'url'),
      };
      try {
        await addMenuItem(deps, menuItemFromBuilder(await listMenuTargets(deps), typed));
      } catch (err) {
        const menu = typed.menu === 'footer' ? 'footer' : 'primary';
        return showMenus(req, reply, { typed, ...formErrors(err, `menu-${menu}`) });
      }
      return seeOther(reply, '/admin/menus?notice=menu-added');
    });

    scope.post('/admin/menus/:id/move', { schema: { ...withId, body: MoveForm } }, async (req, reply) => {
      const id = idParam(req);
      await moveMenuItem(deps, { id, direction: direction(formOf(req)) });
      return seeOther(reply, `/admin/menus?notice=menu-moved#menu-item-${id}`);
    });

    scope.post('/admin/menus/:id/remove', { schema: { ...withId, body: CsrfOnly } }, async (req, reply) => {
      await removeMenuItem(deps, idParam(req));
      return seeOther(reply, '/admin/menus?notice=menu-removed');
    });
  });
}
