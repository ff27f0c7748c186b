/**
 * What a route declares about itself (issue 15), read by app.ts's request pipeline instead of matching route
 * strings: `cache: 'public'` puts its GET answers in the page cache (opt-in: a route without it is never cached,
 * nor looked up). A cached page never sets a cookie: the readers' form token comes another way (decision 035).
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    cache?: 'public' | 'none';
  }
}

type WithConfig = { config?: { cache?: 'public' | 'none' } };

/** A route's options with its answers kept in the page cache for readers. */
export function cached<T extends object & WithConfig>(opts: T = {} as T): T & { config: { cache: 'public' } } {
  return { ...opts, config: { ...opts.config, cache: 'public' } };
}
