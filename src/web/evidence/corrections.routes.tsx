import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  buildCorrectionsFeed,
  CORRECTIONS_FEED_PATH,
  CORRECTIONS_PATH,
} from '../../modules/corrections/corrections-feed.ts';
import { listSiteCorrectionsPage } from '../../modules/corrections/corrections-log.service.ts';
import {
  compareRevisionsForReaders,
  listRevisionsForReaders,
  revisionForReaders,
} from '../../modules/corrections/reader-revisions.service.ts';
import { getSiteSettings } from '../../modules/settings/settings.service.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { sendBody, sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { PagedQuery, SlugParams } from '../reader/reader.schemas.ts';
import { revisionsUrl, revisionUrl } from './corrections-log.views.tsx';
import { RevisionListQuery, RevisionParams } from './evidence.schemas.ts';
import {
  KeptCorrectionsPageView,
  RevisionAsItWasView,
  RevisionDiffView,
  RevisionListView,
  revisionDiffUrl,
} from './reader-revisions.views.tsx';

const CORRECTIONS_PER_PAGE = 20;
const FEED_SIZE = 30;
const FEED_ALTERNATE = {
  type: 'application/atom+xml',
  title: 'Corrections and updates (Atom)',
  href: CORRECTIONS_FEED_PATH,
};

const notFound = (url: string) =>
  new AppError('NOT_FOUND', 'There is nothing at this address. It may have moved, or the link may be mistyped.', {
    detail: url.slice(0, 200),
  });

/** A revision number from the address: 1 up; anything else is a readable 400, never a stack trace. */
function revisionNumber(raw: unknown): number {
  if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw))
    throw new AppError('INVALID_QUERY', 'A version is given by its number, such as 3.', {
      detail: String(raw).slice(0, 40),
    });
  const n = Number(raw);
  if (n < 1) throw new AppError('REVISION_NOT_FOUND', 'This article has no published version with that number.');
  return n;
}

function slugOf(req: Pick<FastifyRequest, 'url'> & { params: { slug: string } }): string {
  const { slug } = req.params;
  if (!isSlug(slug)) throw notFound(req.url);
  return slug;
}

function moved(ctx: WebContext, req: FastifyRequest, reply: FastifyReply, location: string) {
  return sendBody(ctx, req, reply, {
    status: 301,
    contentType: 'text/plain; charset=utf-8',
    body: `Moved to ${location}`,
    location,
  });
}

/**
 * The site-wide corrections log (/corrections/ and its Atom feed) and readers' views of an article's published
 * versions: /<slug>/revisions/ (the list), /<slug>/revisions/<n>/ (as it was), /<slug>/revisions/<a>...<b>/
 * (the differences; ?from=&to= on the list redirects there). Never drafts or autosaves: those are 404s.
 */
export function registerCorrectionRoutes(app: FastifyInstance, ctx: WebContext): void {
  const deps = ctx.deps.content;
  const r = typed(app);

  app.get('/corrections', cached(), (req, reply) => moved(ctx, req, reply, CORRECTIONS_PATH));
  r.get(CORRECTIONS_PATH, cached({ schema: { querystring: PagedQuery } }), async (req, reply) => {
    const page = parsePageNumber(req.query.page);
    const entries = await listSiteCorrectionsPage(deps, { page, perPage: CORRECTIONS_PER_PAGE });
    if (page > entries.pageCount) throw notFound(req.url);
    dependsOn(req, changeKeys.corrections);
    return sendPage(ctx, req, reply, (site) => ({
      head: {
        title: 'Corrections and updates',
        description: `Every correction and update to articles on ${site.title}, newest first.`,
        path: page > 1 ? `${CORRECTIONS_PATH}?page=${page}` : CORRECTIONS_PATH,
        alternates: [FEED_ALTERNATE],
      },
      body: <KeptCorrectionsPageView entries={entries} site={site} />,
    }));
  });

  app.get(CORRECTIONS_FEED_PATH, cached(), async (req, reply) => {
    const [site, entries] = await Promise.all([
      getSiteSettings(deps),
      listSiteCorrectionsPage(deps, { page: 1, perPage: FEED_SIZE }),
    ]);
    dependsOn(req, changeKeys.corrections);
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/atom+xml; charset=utf-8',
      body: buildCorrectionsFeed({ site, baseUrl: ctx.deps.baseUrl, entries: entries.items }),
    });
  });

  r.get('/:slug/revisions', cached({ schema: { params: SlugParams } }), (req, reply) =>
    moved(ctx, req, reply, revisionsUrl(slugOf(req))),
  );
  r.get(
    '/:slug/revisions/',
    cached({ schema: { params: SlugParams, querystring: RevisionListQuery } }),
    async (req, reply) => {
      const slug = slugOf(req);
      const q = req.query;
      if (q.from !== undefined || q.to !== undefined)
        return moved(ctx, req, reply, revisionDiffUrl(slug, revisionNumber(q.from), revisionNumber(q.to)));
      const found = await listRevisionsForReaders(deps, { slug });
      if (found.kind === 'redirect') return moved(ctx, req, reply, revisionsUrl(found.slug));
      return sendPage(ctx, req, reply, (site) => ({
        head: {
          title: `Versions of “${found.post.title}”`,
          description: `The published versions of “${found.post.title}”, and what each one changed.`,
          path: revisionsUrl(slug),
        },
        body: <RevisionListView post={found.post} revisions={found.revisions} site={site} />,
      }));
    },
  );

  const revision = { schema: { params: RevisionParams } };
  r.get('/:slug/revisions/:which', cached(revision), (req, reply) => {
    const { which } = req.params;
    return moved(ctx, req, reply, `${revisionsUrl(slugOf(req))}${encodeURIComponent(which)}/`);
  });
  r.get('/:slug/revisions/:which/', cached(revision), async (req, reply) => {
    const slug = slugOf(req);
    const { which } = req.params;
    const range = /^([^.]*)\.\.\.([^.]*)$/.exec(which);
    if (range) {
      const from = revisionNumber(range[1]);
      const to = revisionNumber(range[2]);
      const found = await compareRevisionsForReaders(deps, { slug, from, to });
      if (found.kind === 'redirect') return moved(ctx, req, reply, revisionDiffUrl(found.slug, from, to));
      return sendPage(ctx, req, reply, (site) => ({
        head: {
          title: `Changes to “${found.post.title}” (versions ${from} and ${to})`,
          path: revisionDiffUrl(slug, from, to),
          noindex: true,
        },
        body: (
          <RevisionDiffView post={found.post} from={found.from} to={found.to} changes={found.changes} site={site} />
        ),
      }));
    }
    const n = revisionNumber(which);
    const found = await revisionForReaders(deps, { slug, number: n });
    if (found.kind === 'redirect') return moved(ctx, req, reply, revisionUrl(found.slug, n));
    return sendPage(ctx, req, reply, (site) => ({
      // An earlier version is not for search engines: its canonical address is the current article.
      head: { title: `${found.revision.title} (version ${n})`, path: `/${found.post.slug}/`, noindex: true },
      body: <RevisionAsItWasView data={found} site={site} />,
    }));
  });
}
