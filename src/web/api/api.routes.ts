import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadCategoryTree } from '../../modules/content/category.service.ts';
import type { Category, PostSummary } from '../../modules/content/content.types.ts';
import {
  getArticleBySlug,
  getAuthorArchive,
  getCategoryArchive,
  getTagArchive,
  listLatestPosts,
} from '../../modules/content/reading.service.ts';
import { listBylines, listTagsByUse } from '../../modules/content/site-index.service.ts';
import { searchPosts } from '../../modules/search/search.service.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { sendBody } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { NoQuery, PostsQuery, SearchQuery, SlugParams } from './api.schemas.ts';
import { openApiDocument } from './openapi.ts';

const postJson = (p: Omit<PostSummary, 'commentCount'>) => ({
  id: p.id,
  type: p.type,
  slug: p.slug,
  url: `/${p.slug}/`,
  title: p.title,
  standfirst: p.standfirst,
  excerpt: p.excerpt,
  published_at: p.publishedAt,
  updated_at: p.updatedAt,
  category: p.category ? { slug: p.category.slug, path: p.category.path, name: p.category.name } : null,
  tags: p.tags.map((t) => ({ slug: t.slug, name: t.name })),
  authors: p.authors.map((a) => ({ slug: a.slug, name: a.name })),
  cover: p.cover,
  word_count: p.wordCount,
  reading_minutes: p.readingMinutes,
});

const categoryJson = (c: Category): unknown => ({
  slug: c.slug,
  path: c.path,
  name: c.name,
  description: c.description,
  post_count: c.postCount,
  total_count: c.totalCount,
  url: `/category/${c.path}/`,
  children: c.children.map(categoryJson),
});

/** The read-only JSON API under /api/v1/, described by /api/v1/openapi.json. */
export function registerApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const r = typed(app);
  const noQuery = { schema: { querystring: NoQuery } };
  const json = (req: FastifyRequest, reply: FastifyReply, data: unknown) =>
    sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(data),
    });

  r.get('/api/v1/openapi.json', cached(noQuery), async (req, reply) => json(req, reply, openApiDocument(deps.baseUrl)));

  r.get('/api/v1/posts', cached({ schema: { querystring: PostsQuery } }), async (req, reply) => {
    const q = req.query;
    const page = { page: parsePageNumber(q.page), perPage: q.per_page ? Number(q.per_page) : 10 };
    const filters = [q.category, q.tag, q.author].filter((f) => f !== undefined).length;
    if (filters > 1) throw new AppError('INVALID_QUERY', 'Filter by one of category, tag or author at a time.');
    const posts = q.category
      ? (await getCategoryArchive(deps.content, { path: q.category, page })).posts
      : q.tag
        ? (await getTagArchive(deps.content, { slug: q.tag, page })).posts
        : q.author
          ? (await getAuthorArchive(deps.content, { slug: q.author, page })).posts
          : await listLatestPosts(deps.content, page);
    return json(req, reply, {
      posts: posts.items.map(postJson),
      page: posts.page,
      per_page: posts.perPage,
      total: posts.total,
      total_pages: posts.pageCount,
    });
  });

  r.get('/api/v1/posts/:slug', cached({ schema: { params: SlugParams, querystring: NoQuery } }), async (req, reply) => {
    const found = await getArticleBySlug(deps.content, { slug: req.params.slug });
    if (found.kind === 'redirect') {
      return sendBody(ctx, req, reply, {
        status: 301,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ moved_to: found.slug }),
        location: `/api/v1/posts/${found.slug}`,
      });
    }
    const a = found.article;
    return json(req, reply, {
      post: {
        ...postJson(a),
        html: a.bodyHtml,
        toc: a.toc,
        breadcrumb: a.breadcrumb.map((c) => ({ slug: c.slug, path: c.path, name: c.name })),
        previous: a.previous,
        next: a.next,
      },
    });
  });

  r.get('/api/v1/categories', cached(noQuery), async (req, reply) =>
    json(req, reply, { categories: (await loadCategoryTree(deps.content)).roots.map(categoryJson) }),
  );

  r.get('/api/v1/tags', cached(noQuery), async (req, reply) => {
    const tags = await listTagsByUse(deps.content, 1000);
    return json(req, reply, {
      tags: tags.map((t) => ({ slug: t.slug, name: t.name, post_count: t.n, url: `/tag/${t.slug}/` })),
    });
  });

  r.get('/api/v1/authors', cached(noQuery), async (req, reply) => {
    const authors = await listBylines(deps.content);
    return json(req, reply, {
      authors: authors.map((a) => ({ slug: a.slug, name: a.name, bio: a.bio, url: `/author/${a.slug}/` })),
    });
  });

  r.get('/api/v1/search', cached({ schema: { querystring: SearchQuery } }), async (req, reply) => {
    const q = req.query;
    const results = await searchPosts(deps.content, { q: q.q, page: { page: parsePageNumber(q.page), perPage: 10 } });
    return json(req, reply, {
      query: q.q,
      // People, places, events and organisations one of whose names the query is (decision 045).
      entities: results.entities.map((e) => ({ kind: e.kind, slug: e.slug, name: e.name, matched: e.matched })),
      results: results.items.map((r) => ({ post: postJson(r.post), snippet: r.snippet })),
      page: results.page,
      total: results.total,
      total_pages: results.pageCount,
    });
  });
}
