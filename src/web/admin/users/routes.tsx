import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  addUser,
  changeRole,
  removeUser,
  resetSecondFactor,
  setUserDisabled,
} from '../../../modules/accounts/user-admin.service.ts';
import { getUser, linkByline, listBylines, listUsers } from '../../../modules/content/bylines.service.ts';
import { type AppError, isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { loadChrome } from '../../kit/render.tsx';
import { CsrfField, Form, Text, typed } from '../../kit/schemas.ts';
import type { FieldErrors } from '../../ui/form.tsx';
import { type AdminKit, IdParams, idParam, NoticeQuery, noticeOf, requireForScope, seeOther } from '../kit.tsx';
import { type AddUserValues, UsersView, UserView, userNoticeText } from './views.tsx';

/** Refusals the users pages show on the page itself, with their status; anything else is the error page. */
const SHOWN_ON_PAGE = [
  'BAD_REQUEST',
  'USER_EMAIL_TAKEN',
  'ROLE_TOO_HIGH',
  'USER_OUTRANKS_YOU',
  'LAST_OWNER',
  'SELF_LOCKOUT',
] as const;

const shownOnPage = (err: unknown): err is AppError =>
  isAppError(err) && (SHOWN_ON_PAGE as readonly string[]).includes(err.code);

/** A name or an email typed into the form: the accounts module checks the real limits and shows the form again. */
const Typed = Text(1000);
const AddUserForm = Form({ ...CsrfField, name: Typed, email: Typed, role: Text(20) });
const RoleForm = Form({ ...CsrfField, role: Text(20) });
const CsrfOnly = Form({ ...CsrfField });
const BylineForm = Form({ ...CsrfField, author: Text(20) });
const RemoveForm = Form({ ...CsrfField, confirm: Type.Optional(Text(10)) });

/**
 * The users admin under /admin/users, for people who may manage users. The escalation rules live in the
 * accounts module (policies.ts checkUserChange); these routes read the form, call one use case and show the
 * outcome, with the rule's message and status when it refuses.
 */
export function registerUserAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const { ctx, page, viewerOf } = kit;
  const deps = () => ({ ...kit.accounts, baseUrl: ctx.deps.baseUrl });

  staff.register(async (users) => {
    requireForScope(users, kit, 'manage_users');
    const scope = typed(users);

    async function showList(
      req: FastifyRequest,
      reply: FastifyReply,
      o: {
        values?: AddUserValues;
        errors?: FieldErrors;
        status?: number;
        added?: Parameters<typeof UsersView>[0]['added'];
      },
    ) {
      const viewer = viewerOf(req);
      const [users, { site }] = await Promise.all([listUsers(deps()), loadChrome(ctx)]);
      return page(reply, {
        title: 'Users',
        viewer,
        current: 'users',
        status: o.status,
        body: (
          <UsersView
            users={users}
            viewer={viewer}
            site={site}
            values={o.values ?? { name: '', email: '', role: '' }}
            errors={o.errors ?? {}}
            added={o.added}
            notice={userNoticeText(noticeOf(req))}
          />
        ),
      });
    }

    async function showUser(
      req: FastifyRequest,
      reply: FastifyReply,
      o: { error?: string; errors?: FieldErrors; status?: number } = {},
    ) {
      const viewer = viewerOf(req);
      const [target, bylines, { site }] = await Promise.all([
        getUser(deps(), idParam(req)),
        listBylines(deps()),
        loadChrome(ctx),
      ]);
      return page(reply, {
        title: target.name,
        viewer,
        current: 'users',
        status: o.status,
        body: (
          <UserView
            target={target}
            bylines={bylines}
            viewer={viewer}
            site={site}
            error={o.error}
            errors={o.errors ?? {}}
            notice={userNoticeText(noticeOf(req))}
          />
        ),
      });
    }

    /** Runs one change to the user of the route; a refused change is shown on that user's page. */
    async function change(req: FastifyRequest, reply: FastifyReply, notice: string, run: () => Promise<unknown>) {
      try {
        await run();
      } catch (err) {
        if (!shownOnPage(err)) throw err;
        req.log.info({ code: err.code, detail: err.detail }, 'user change refused');
        return showUser(req, reply, {
          status: HTTP_ERRORS[err.code].status,
          error: err.publicMessage,
          errors: err.fields ?? {},
        });
      }
      return seeOther(reply, `/admin/users/${idParam(req)}?notice=${notice}`);
    }

    scope.get('/admin/users', { schema: { querystring: NoticeQuery } }, async (req, reply) => showList(req, reply, {}));

    scope.post('/admin/users', { schema: { body: AddUserForm } }, async (req, reply) => {
      const { name, email, role } = req.body;
      const values = { name, email, role };
      try {
        const { user, link } = await addUser(deps(), { actor: viewerOf(req).user, ...values });
        return showList(req, reply, { added: { user, url: link.url, expiresAt: link.expiresAt } });
      } catch (err) {
        if (!shownOnPage(err)) throw err;
        const errors = err.fields ?? { role: err.publicMessage };
        return showList(req, reply, { values, errors, status: HTTP_ERRORS[err.code].status });
      }
    });

    scope.get('/admin/users/:id', { schema: { params: IdParams, querystring: NoticeQuery } }, async (req, reply) =>
      showUser(req, reply),
    );

    scope.post('/admin/users/:id/role', { schema: { params: IdParams, body: RoleForm } }, async (req, reply) =>
      change(req, reply, 'role', () =>
        changeRole(deps(), { actor: viewerOf(req).user, userId: idParam(req), role: req.body.role }),
      ),
    );

    for (const [action, disabled] of [
      ['disable', true],
      ['enable', false],
    ] as const) {
      scope.post(`/admin/users/:id/${action}`, { schema: { params: IdParams, body: CsrfOnly } }, async (req, reply) =>
        change(req, reply, disabled ? 'disabled' : 'enabled', () =>
          setUserDisabled(deps(), { actor: viewerOf(req).user, userId: idParam(req), disabled }),
        ),
      );
    }

    scope.post(
      '/admin/users/:id/second-factor/reset',
      { schema: { params: IdParams, body: CsrfOnly } },
      async (req, reply) =>
        change(req, reply, 'second-factor', () =>
          resetSecondFactor(deps(), { actor: viewerOf(req).user, userId: idParam(req) }),
        ),
    );

    scope.post('/admin/users/:id/byline', { schema: { params: IdParams, body: BylineForm } }, async (req, reply) => {
      const raw = req.body.author;
      const authorId = raw === '' ? null : raw === 'new' ? 'new' : /^[0-9]{1,9}$/.test(raw) ? Number(raw) : -1;
      return change(req, reply, 'byline', () =>
        linkByline(deps(), { actor: viewerOf(req).user, userId: idParam(req), authorId }),
      );
    });

    scope.post('/admin/users/:id/remove', { schema: { params: IdParams, body: RemoveForm } }, async (req, reply) => {
      if (req.body.confirm !== '1') {
        const message = 'Tick the box to confirm the removal.';
        return showUser(req, reply, { status: 400, error: message, errors: { confirm: message } });
      }
      try {
        await removeUser(deps(), { actor: viewerOf(req).user, userId: idParam(req) });
      } catch (err) {
        if (!shownOnPage(err)) throw err;
        return showUser(req, reply, { status: HTTP_ERRORS[err.code].status, error: err.publicMessage });
      }
      return seeOther(reply, '/admin/users?notice=removed');
    });
  });
}
