import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { WebContext } from './web-deps.ts';

/**
 * One area of the site (reader, discussion, evidence, feeds, api, files, admin) as a Fastify plugin: app.ts
 * registers each with the app's context, and whatever hooks or parsers an area adds stay inside it.
 */
export type WebArea = FastifyPluginAsync<{ ctx: WebContext }>;

/** An area made of route files, each registering its routes on the area's scope. */
export function webArea(...routeFiles: ((app: FastifyInstance, ctx: WebContext) => void)[]): WebArea {
  return async (app, { ctx }) => {
    for (const register of routeFiles) register(app, ctx);
  };
}
