import type { FastifyInstance } from 'fastify';
import { findSession } from '../../modules/accounts/accounts.service.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { PublicQuery, typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { registerAccountRoutes } from './account/routes.tsx';
import { registerBackupAdminRoutes } from './backups/routes.tsx';
import { registerCorrectionAdminRoutes } from './corrections/routes.tsx';
import { registerDiscussionAdminRoutes } from './discussion/routes.tsx';
import { registerEntityAdminRoutes } from './entities/routes.tsx';
import { registerEntitySuggestRoutes } from './entities/suggest.routes.ts';
import { registerExportAdminRoutes } from './export/routes.tsx';
import { registerImportAdminRoutes } from './import/routes.tsx';
import { type AdminKit, makeAdminKit, seeOther } from './kit.tsx';
import { registerMediaAdminRoutes } from './media/routes.tsx';
import { registerModerationAdminRoutes } from './moderation/routes.tsx';
import { registerPostAdminRoutes } from './posts/routes.tsx';
import { checkCsrfToken, checkOrigin, csrfFieldOf, csrfTokenFor, readSessionCookie } from './session.ts';
import { ADMIN_HOME, registerSignInRoutes } from './sign-in/routes.tsx';
import { registerSiteAdminRoutes } from './site/routes.tsx';
import { registerWordListRoutes } from './site/words.routes.tsx';
import { registerSourceAdminRoutes } from './sources/routes.tsx';
import { registerTaxonomyAdminRoutes } from './taxonomy/routes.tsx';
import { registerUserAdminRoutes } from './users/routes.tsx';

/** Every area of the administration, registered inside the signed-in scope: one folder each. */
const ADMIN_ROUTE_FILES: readonly ((staff: FastifyInstance, kit: AdminKit) => void)[] = [
  registerModerationAdminRoutes,
  (staff, kit) => registerDiscussionAdminRoutes(staff, kit.ctx),
  registerPostAdminRoutes,
  registerSiteAdminRoutes,
  registerTaxonomyAdminRoutes,
  registerMediaAdminRoutes,
  registerUserAdminRoutes,
  registerAccountRoutes,
  registerWordListRoutes,
  registerCorrectionAdminRoutes,
  registerSourceAdminRoutes,
  registerEntityAdminRoutes,
  registerEntitySuggestRoutes,
  registerBackupAdminRoutes,
  registerExportAdminRoutes,
  registerImportAdminRoutes,
];

/**
 * The administration under /admin/: the ways in (sign-in/), then every staff area behind a session. Nothing here
 * is ever cached; every page but the ways in needs a session, and every POST passes an origin and CSRF check.
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: WebContext): void {
  const kit = makeAdminKit(ctx);
  app.register(async (scope) => {
    const admin = typed(scope);
    admin.addHook('onRequest', async (_req, reply) => {
      // Never (having no cache option) into the page cache, never into a browser's or proxy's cache, never into a
      // search engine.
      reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');
    });

    // The way in people type or bookmark: whatever its address carries, it leads to the dashboard.
    const entry = { schema: { querystring: PublicQuery({}) } };
    admin.get('/admin', entry, async (_req, reply) => seeOther(reply, ADMIN_HOME));
    admin.get('/admin/', entry, async (_req, reply) => seeOther(reply, ADMIN_HOME));

    registerSignInRoutes(scope, kit);
    scope.register(async (staff) => {
      requireSession(staff, kit);
      for (const register of ADMIN_ROUTE_FILES) register(staff, kit);
    });
  });
}

/**
 * Everything in `staff` needs a session of an account not disabled. Session, origin and CSRF run before the
 * schema check (preValidation), as capability checks do: a person signed out or not allowed learns nothing of
 * what a form may carry, and gets the redirect or the 403.
 */
function requireSession(staff: FastifyInstance, kit: AdminKit): void {
  const { ctx, accounts } = kit;
  staff.addHook('preValidation', async (req, reply) => {
    const token = readSessionCookie(req);
    const signedIn = token ? await findSession(accounts, token) : undefined;
    if (!signedIn) {
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
      return seeOther(reply, `/admin/sign-in${next}`);
    }
    if (req.method === 'POST') {
      checkOrigin(req, ctx.deps.baseUrl);
      checkCsrfToken(await ctx.secret(), signedIn.session.tokenHash, csrfFieldOf(req));
    }
    if (signedIn.user.disabledAt !== null)
      throw new AppError('FORBIDDEN', 'This account is disabled.', { detail: `user ${signedIn.user.id}` });
    req.adminViewer = {
      user: signedIn.user,
      csrf: csrfTokenFor(await ctx.secret(), signedIn.session.tokenHash),
      signedIn,
    };
    return undefined;
  });
}
