import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

/**
 * The building blocks of every route's schema (issue 15, decision 034). Fastify validates params, query and body
 * against them before a handler runs; a failure becomes a 400 with a message per field (kit/validation.ts).
 *
 * Forms arrive as `{ name: value }`, a repeated name as an array of values (the app's form parser). A field's
 * `maxLength` here is a hard ceiling for what the form can carry; a limit a writer or reader can reach by typing
 * (a comment's length, a title's) is checked by the domain, which shows the form again with the text kept whole.
 */

/** A text field of a form or query, at most `max` characters (never cut: longer is refused). */
export const Text = (max: number, opts: { minLength?: number; description?: string } = {}) =>
  Type.String({ maxLength: max, ...opts });

/** A page number in a query: 1 to 999999. */
export const PageNumber = Type.String({ pattern: '^[0-9]{1,6}$', description: 'a page number' });

/** A URL slug as Annalist makes them. */
export const Slug = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 200, description: 'a slug' });

/**
 * One of a fixed set of words (a select, a radio group, a submit button's value), typed as their union, so a
 * handler reads `'approve' | 'spam' …` rather than a string.
 */
export const OneOf = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { description: `one of ${values.join(', ')}` },
    ),
  );

/** A checkbox: present with its value when ticked, absent otherwise. */
export const Checkbox = Type.Optional(Type.String({ maxLength: 10 }));

/** A field a form may repeat (checkbox groups, multi-selects): one value or several. */
export const Many = <T extends TSchema>(item: T, maxItems = 1000) => Type.Union([item, Type.Array(item, { maxItems })]);

/** The form token and CSRF fields every state-changing form carries. */
export const CsrfField = { csrf: Type.Optional(Text(200)) };

/**
 * A form body: the fields listed and nothing else (an unknown field is refused: it means a form and its route
 * disagree, or a forged request).
 */
export const Form = <P extends TProperties>(properties: P): TObject<P> =>
  Type.Object(properties, { additionalProperties: false });

/**
 * A public page's query: the parameters listed, validated; anything else (utm_source, fbclid and the like, which
 * readers arrive with from other sites) passes unread.
 */
export const PublicQuery = <P extends TProperties>(properties: P): TObject<P> =>
  Type.Object(properties, { additionalProperties: true });

/** A staff page's or the API's query: the parameters listed and nothing else. */
export const StrictQuery = <P extends TProperties>(properties: P): TObject<P> =>
  Type.Object(properties, { additionalProperties: false });

/** Route params (`/:slug/`, `/admin/posts/:id`): always strict. */
export const Params = <P extends TProperties>(properties: P): TObject<P> =>
  Type.Object(properties, { additionalProperties: false });

/** A scope whose routes read their params, query and body typed by their schemas. */
export const typed = (scope: FastifyInstance) => scope.withTypeProvider<TypeBoxTypeProvider>();
