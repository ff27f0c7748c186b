import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { listPublishedPages } from '../../modules/content/site-index.service.ts';
import { getSiteSettings, type SiteSettings } from '../../modules/settings/settings.service.ts';
import { loadMenus } from '../../modules/site/menus.service.ts';
import { loadWidgetAreas } from '../../modules/site/widgets.service.ts';
import { type Head, Layout, type PageChrome } from '../ui/layout.tsx';
import { CountMarkers } from '../ui/lists.tsx';
import { STYLESHEET_URL } from './assets.ts';
import { countMarker, fragmentMarker, WIDGET_KEYS } from './fragments.ts';
import type { WebContext } from './web-deps.ts';

/** Site settings, widget areas and navigation: what every reader page shows around its content. */
export function loadChrome(ctx: Pick<WebContext, 'deps' | 'generation'>): Promise<PageChrome> {
  const { deps, generation } = ctx;
  // Settings, static pages and menus: a change to any of them is a change to everything. The widget areas are
  // gathered again after a comment, but each widget's data is kept by its own keys (widgets.service.ts): only
  // "Latest comments" is read again.
  return generation.memo(
    'chrome',
    async () => {
      const frame = generation.memo('chrome-frame', async () => {
        const now = deps.content.clock.now().toISOString();
        const [site, pages, menus] = await Promise.all([
          getSiteSettings(deps.content),
          listPublishedPages(deps.content, now),
          loadMenus(deps.content),
        ]);
        return { site, menus, pages: pages.map((p) => ({ slug: p.slug, title: p.title })) };
      }, []);
      const [kept, widgets] = await Promise.all([frame, loadWidgetAreas(deps.content)]);
      return { ...kept, widgets, baseUrl: deps.baseUrl, stylesheet: STYLESHEET_URL };
    },
    WIDGET_KEYS,
  );
}

export function renderDocument(chrome: PageChrome, head: Head, body: VNode): string {
  return `<!DOCTYPE html>${renderToString(
    <Layout chrome={chrome} head={head}>
      {body}
    </Layout>,
  )}`;
}

export type PageRenderer = (site: SiteSettings) => { head: Head; body: VNode };

/** Sends a response and, for a cacheable request, keeps it for the next reader (kit/page-pipeline.ts). */
export async function sendBody(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  res: { status: number; contentType: string; body: string | Buffer; location?: string },
): Promise<FastifyReply> {
  const body = ctx.pages
    ? await ctx.pages.keep(req, reply, res)
    : typeof res.body === 'string'
      ? Buffer.from(res.body)
      : res.body;
  if (res.location) reply.header('location', res.location);
  return reply.code(res.status).type(res.contentType).send(body);
}

/** Renders a reader page in the site's layout and sends it. */
export async function sendPage(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  render: PageRenderer,
  status = 200,
): Promise<FastifyReply> {
  const chrome = await loadChrome(ctx);
  const { head, body } = render(chrome.site);
  // With the page cache, widget areas and lists' comment counts are left as markers, filled with their current
  // HTML when served.
  const framed = ctx.pages ? { ...chrome, fragmentMarker } : chrome;
  const content = ctx.pages ? <CountMarkers.Provider value={countMarker}>{body}</CountMarkers.Provider> : body;
  return sendBody(ctx, req, reply, {
    status,
    contentType: 'text/html; charset=utf-8',
    body: renderDocument(framed, head, content),
  });
}
