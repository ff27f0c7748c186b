/**
 * What a route declares about itself (issue 15), read by app.ts's request pipeline instead of matching route
 * strings: `cache: 'public'` puts its GET answers in the page cache (opt-in: a route without it is never cached,
 * nor looked up), `formToken: true` gives a reader who has none the comment form's token with the page.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    cache?: 'public' | 'none';
    formToken?: boolean;
  }
}

type WithConfig = { config?: { cache?: 'public' | 'none'; formToken?: boolean } };

/** A route's options with its answers kept in the page cache for readers. */
export function cached<T extends object & WithConfig>(
  opts: T = {} as T,
  extra: { formToken?: boolean } = {},
): T & { config: { cache: 'public'; formToken?: boolean } } {
  return { ...opts, config: { ...opts.config, ...extra, cache: 'public' } };
}
