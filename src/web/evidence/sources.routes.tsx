import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getArticleBySlug } from '../../modules/content/reading.service.ts';
import { listEntitiesCitingSource } from '../../modules/history/entity-sources.ts';
import { getSiteSettings } from '../../modules/settings/settings.service.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { isoNow } from '../../modules/shared/clock.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import { articleBibtex, articleCslItem } from '../../modules/sources/article-citation.ts';
import { formatBibliography } from '../../modules/sources/citation-format.ts';
import { isValidKey, plainTitle } from '../../modules/sources/source-form.ts';
import { getSourcePage, listAllSources } from '../../modules/sources/sources.service.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { sendBody, sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { SlugParams } from '../reader/reader.schemas.ts';
import { postUrl } from '../ui/format.ts';
import { SourceKeyParams } from './evidence.schemas.ts';
import { SourcePageView, SourcesIndexView, sourceUrl } from './sources.views.tsx';

const notFound = (url: string) =>
  new AppError('SOURCE_NOT_FOUND', 'There is no source at this address.', { detail: url.slice(0, 200) });

function keyParam(req: Pick<FastifyRequest, 'url'> & { params: { key: string } }): string {
  const { key } = req.params;
  if (!isValidKey(key)) throw notFound(req.url);
  return key;
}

/**
 * Readers' pages of the sources library: /sources/ (every source, as a bibliography in the site's style) and
 * /sources/<key>/ (one source, the published articles citing it and the entities listing it); and each article's own reference as
 * /<slug>/cite.bib and /<slug>/cite.json ("Cite this article"). All cached until a change names what they show.
 */
export function registerSourceRoutes(app: FastifyInstance, ctx: WebContext): void {
  const deps = ctx.deps.content;
  const r = typed(app);

  app.get('/sources', cached(), async (req, reply) =>
    sendBody(ctx, req, reply, {
      status: 301,
      contentType: 'text/plain; charset=utf-8',
      body: 'Moved to /sources/',
      location: '/sources/',
    }),
  );

  app.get('/sources/', cached(), async (req, reply) => {
    const [sources, site] = await Promise.all([listAllSources(deps), getSiteSettings(deps)]);
    // Every source of the library (and the citation style, a setting: a change to everything).
    dependsOn(req, changeKeys.sources);
    const entries = formatBibliography(
      site.citationStyle,
      sources.map((s) => s.item),
    );
    return sendPage(ctx, req, reply, () => ({
      head: { title: 'Sources', path: '/sources/', description: 'The sources this site’s articles cite.' },
      body: (
        <SourcesIndexView
          entries={entries}
          heading={site.citationStyle === 'chicago' ? 'Bibliography' : 'References'}
        />
      ),
    }));
  });

  r.get('/sources/:key/', cached({ schema: { params: SourceKeyParams } }), async (req, reply) => {
    const site = await getSiteSettings(deps);
    const page = await getSourcePage(deps, { key: keyParam(req), style: site.citationStyle });
    const entities = await listEntitiesCitingSource(deps.db, { sourceId: page.source.id, now: isoNow(deps.clock) });
    // The source's text; the articles citing it, and the entities those articles mention that list it.
    dependsOn(req, changeKeys.posts, changeKeys.source(page.source.key));
    return sendPage(ctx, req, reply, (s) => ({
      head: { title: plainTitle(page.source.title), path: sourceUrl(page.source.key) },
      body: <SourcePageView {...page} site={s} entities={entities} />,
    }));
  });

  const citedArticle = async (req: { params: { slug: string } }) => {
    const { slug } = req.params;
    if (!isSlug(slug)) throw new AppError('POST_NOT_FOUND', 'There is no article at this address.');
    const found = await getArticleBySlug(deps, { slug });
    const site = await getSiteSettings(deps);
    if (found.kind === 'redirect') return { redirect: postUrl(found.slug) };
    return { item: articleCslItem(found.article, site, ctx.deps.baseUrl), id: found.article.id };
  };

  const cited = { schema: { params: SlugParams } };
  r.get('/:slug/cite.bib', cached(cited), async (req, reply) => {
    const r = await citedArticle(req);
    if (r.redirect) return reply.code(301).header('location', `${r.redirect}cite.bib`).send();
    dependsOn(req, changeKeys.post(r.id!));
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/x-bibtex; charset=utf-8',
      body: articleBibtex(r.item!),
    });
  });

  r.get('/:slug/cite.json', cached(cited), async (req, reply) => {
    const r = await citedArticle(req);
    if (r.redirect) return reply.code(301).header('location', `${r.redirect}cite.json`).send();
    dependsOn(req, changeKeys.post(r.id!));
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/vnd.citationstyles.csl+json; charset=utf-8',
      body: `${JSON.stringify([r.item], null, 2)}\n`,
    });
  });
}
