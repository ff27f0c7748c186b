import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { AccountsDeps, SignedIn } from '../modules/accounts/accounts.types.ts';
import { type Capability, can } from '../modules/accounts/policies.ts';
import { AppError } from '../modules/shared/errors.ts';
import { loadChrome } from './render.tsx';
import { type AdminSection, type AdminViewer, renderAdminPage } from './views/admin-layout.tsx';
import type { WebContext } from './web-deps.ts';

/**
 * What every administration route file gets: the page frame, who is signed in, capability checks and small
 * helpers for reading the address. Route files export `register…(staff, kit)`; `staff` is the scope in which
 * a session is required and every POST has already passed the origin and CSRF checks.
 */
export interface AdminKit {
  ctx: WebContext;
  accounts: AccountsDeps;
  /** True when the site is served over https (cookies get `Secure`). */
  secure: boolean;
  page(reply: FastifyReply, opts: AdminPageOptions): Promise<FastifyReply>;
  /** The signed-in person (set by the staff scope's preHandler). */
  viewerOf(req: FastifyRequest): SignedInViewer;
  /** The signed-in person, or a 403 when they lack `capability`. */
  requireCapability(req: FastifyRequest, capability: Capability): SignedInViewer;
}

export type SignedInViewer = AdminViewer & { signedIn: SignedIn };

export interface AdminPageOptions {
  title: string;
  viewer?: AdminViewer;
  current?: AdminSection;
  status?: number;
  body: VNode;
}

export type Query = Record<string, string | string[] | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the staff scope's preHandler: who is signed in, and the CSRF token their forms carry. */
    adminViewer?: SignedInViewer;
  }
}

export function makeAdminKit(ctx: WebContext): AdminKit {
  const { deps } = ctx;
  const viewerOf = (req: FastifyRequest) => {
    if (!req.adminViewer) throw new AppError('INTERNAL_ERROR', 'The page could not be shown.', { detail: 'no viewer' });
    return req.adminViewer;
  };
  return {
    ctx,
    accounts: { db: deps.content.db, clock: deps.content.clock },
    secure: deps.baseUrl.startsWith('https:'),
    async page(reply, opts) {
      const { site } = await loadChrome(ctx);
      const html = renderAdminPage({
        site,
        title: opts.title,
        viewer: opts.viewer,
        current: opts.current,
        children: opts.body,
      });
      return reply
        .code(opts.status ?? 200)
        .type('text/html; charset=utf-8')
        .send(html);
    },
    viewerOf,
    requireCapability(req, capability) {
      const viewer = viewerOf(req);
      if (!can(viewer.user, capability))
        throw new AppError('FORBIDDEN', 'Your account is not allowed to do this.', {
          detail: `user ${viewer.user.id} (${viewer.user.role}) lacks ${capability}`,
        });
      return viewer;
    },
  };
}

/** A preHandler for a whole scope of routes that need one capability. */
export function requireForScope(scope: FastifyInstance, kit: AdminKit, capability: Capability): void {
  scope.addHook('preHandler', async (req) => {
    kit.requireCapability(req, capability);
  });
}

const badQuery = (what: string) => new AppError('INVALID_QUERY', `The ${what} in the address is not valid.`);

/** One string from the query, or undefined when absent or empty; several values, or a too-long one, are a 400. */
export function one(q: Query, key: string, max = 200): string | undefined {
  const v = q[key];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max) throw badQuery(key);
  return v;
}

/** The numeric `:id` of the route, or a 404 for anything else. */
export function idParam(req: FastifyRequest, name = 'id'): number {
  const id = (req.params as Record<string, string>)[name] ?? '';
  if (!/^[0-9]{1,9}$/.test(id)) throw new AppError('NOT_FOUND', 'There is nothing at this address.');
  return Number(id);
}

export const seeOther = (reply: FastifyReply, location: string) => reply.code(303).header('location', location).send();
