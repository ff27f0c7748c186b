import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { AccountsDeps, SignedIn } from '../../modules/accounts/accounts.types.ts';
import { type Capability, can } from '../../modules/accounts/policies.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { loadChrome } from '../kit/render.tsx';
import { Params, StrictQuery, Text } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { type AdminSection, type AdminViewer, renderAdminPage } from './layout.tsx';

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
  /** The signed-in person (set by the staff scope's preValidation hook). */
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
    /** Set by the staff scope's preValidation hook: who is signed in, and the CSRF token their forms carry. */
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
    accounts: { db: deps.content.db, clock: deps.content.clock, noteWrite: deps.content.noteWrite },
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

/** A hook for a whole scope of routes that need one capability (before the schema check: 403, not 400). */
export function requireForScope(scope: FastifyInstance, kit: AdminKit, capability: Capability): void {
  scope.addHook('preValidation', async (req) => {
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

/**
 * A text value of params or query, for helpers that take any request: the route's schema has already checked
 * it; this only reads it (an absent or non-text value is undefined).
 */
function textOf(source: unknown, name: string): string | undefined {
  const value: unknown = typeof source === 'object' && source !== null ? Reflect.get(source, name) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The numeric `:id` of the route, or a 404 for anything else (an address that names nothing). */
export function idParam(req: { params: unknown }, name = 'id'): number {
  const id = textOf(req.params, name) ?? '';
  if (!/^[0-9]{1,9}$/.test(id)) throw new AppError('NOT_FOUND', 'There is nothing at this address.');
  return Number(id);
}

/** A text value of the query (already checked by the route's schema), or undefined. */
export const queryText = (req: { query: unknown }, name: string): string | undefined => textOf(req.query, name);

/** The `?notice=` of the request (see `Notice`), or undefined. */
export const noticeOf = (req: { query: unknown }): string | undefined => queryText(req, 'notice') || undefined;

/** A route scope whose handlers read params, query and body typed from their TypeBox schemas. */
/**
 * Params of an address with a numeric `:id`. Only its length is a schema matter: `idParam` reads the digits and
 * answers 404 for anything else, as an address that names nothing (not a 400).
 */
export const IdParams = Params({ id: Text(30) });

/**
 * The ceiling of a free-text form field a person types (a comment, a note): the form parser's body limit. The
 * domain's own, lower limit answers with the form shown again and the text kept whole.
 */
export const FORM_TEXT_MAX = 64 * 1024;

/** The `?notice=` a page shows after a redirect (a word of ours; an unknown one shows nothing). */
export const Notice = Type.Optional(Text(60));

/**
 * The body schema of a route that takes a multipart upload or a plain form: only the plain form is checked by
 * the schema; the multipart parts are read and checked by the route as they stream in.
 */
export const plainFormBody = (schema: TSchema) => ({ content: { 'application/x-www-form-urlencoded': { schema } } });

/** The query of an upload form's address: the CSRF token travels there (a multipart body is read later). */
export const UploadQuery = StrictQuery({ csrf: Type.Optional(Text(200)) });

/** The query of a staff page reached only with a notice after a redirect. */
export const NoticeQuery = StrictQuery({ notice: Notice });

export const seeOther = (reply: FastifyReply, location: string) => reply.code(303).header('location', location).send();
