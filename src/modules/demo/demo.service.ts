import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceFile } from '../../source-files.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { recountPostComments } from '../comments/comment.repository.ts';
import { renderCommentMarkdown } from '../comments/comment-markdown.ts';
import { commentHtml } from '../comments/new-comment.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import { findPostBySlug } from '../content/post.repository.ts';
import { type PostInput, savePost } from '../content/post-writer.service.ts';
import { insertAuthor, insertCategory } from '../content/taxonomy.repository.ts';
import { insertSubmittedComment, startOwnThread } from '../moderation/submit-comment.repository.ts';
import { saveSiteSettings } from '../settings/settings.service.ts';
import { setWidgets } from '../site/widgets.service.ts';
import { countPosts } from './demo.repository.ts';
import { seedBylineAccounts } from './demo-accounts.ts';
import { seedEntities } from './demo-entities.ts';
import { EVIDENCE_SLUG, firstVersion, seedCorrections, seedSources } from './demo-evidence.ts';
import { parseFrontMatter } from './front-matter.ts';

const CONTENT_DIR = sourceFile('modules/demo/content/');

/** The demo's site title: a site still showing it has not been named by its owner (the dashboard's checklist). */
export const DEMO_SITE_TITLE = 'The Steppe and the Sea';

/** The demo's category tree: slug path and name, parents before children. */
const DEMO_CATEGORIES: { path: string; name: string; description: string }[] = [
  { path: 'russian-history', name: 'Russian History', description: 'From Muscovy to the fall of the Soviet Union.' },
  {
    path: 'russian-history/imperial-russia',
    name: 'Imperial Russia',
    description: 'The empire of the Romanovs, 1721–1917.',
  },
  {
    path: 'russian-history/soviet-union',
    name: 'Soviet Union',
    description: 'The USSR from revolution to dissolution, 1917–1991.',
  },
  {
    path: 'russian-history/soviet-union/great-patriotic-war',
    name: 'The Great Patriotic War',
    description: 'The Soviet war against Germany and its allies, 1941–1945, and the August 1945 campaign in Manchuria.',
  },
  { path: 'east-asia', name: 'East Asia', description: 'China, Japan, Korea and Mongolia.' },
  {
    path: 'east-asia/japan',
    name: 'Japan',
    description: 'Japan from the Meiji Restoration to the end of the Pacific War.',
  },
];

interface DemoComment {
  key: string;
  parent: string | null;
  author: string;
  email: string;
  url: string | null;
  hoursAfter: number;
  status: 'approved' | 'held';
  quote: { of: string; text: string } | null;
  body: string;
}

/** The demo discussion: comments written for Annalist, stored as readers' comments would be (threads, quotes, @names). */
async function seedDiscussion(
  deps: ContentDeps,
  slug: string,
  file: string,
): Promise<Map<string, { id: number; createdAt: string }>> {
  const byKey = new Map<string, { id: number; createdAt: string }>();
  const post = await findPostBySlug(deps.db, slug);
  if (!post?.published_at) return byKey;
  const comments = JSON.parse(readFileSync(new URL(file, CONTENT_DIR), 'utf8')) as DemoComment[];
  // A byline answering readers writes from her account, as on a real site: her comments carry the "Author" badge.
  const accounts = await seedBylineAccounts({ db: deps.db, now: deps.clock.now().toISOString() }, comments);
  const ids = new Map<string, { id: number; thread: number; depth: number; name: string }>();
  const start = new Date(post.published_at).getTime();
  for (const c of comments) {
    const parent = c.parent ? ids.get(c.parent) : undefined;
    const quoted = c.quote ? ids.get(c.quote.of) : undefined;
    const mentions = new Map(
      [...ids.values()].filter((i) => parent && i.thread === parent.thread).map((i) => [i.name, `#comment-${i.id}`]),
    );
    // The demo's own comments, rendered here in the thread: they are ours, not a reader's.
    const rendered = commentHtml(
      renderCommentMarkdown(c.body, mentions),
      quoted && c.quote ? { commentId: quoted.id, authorName: quoted.name, text: c.quote.text } : null,
    );
    const at = new Date(start + c.hoursAfter * 3_600_000).toISOString();
    const reasons =
      c.status === 'held'
        ? [
            {
              phase: 'demo',
              action: 'hold',
              code: rendered.links.length > 2 ? 'TOO_MANY_LINKS' : 'PROFANITY',
              message: 'Held in the demo.',
            },
          ]
        : [];
    const id = await insertSubmittedComment(deps.db, {
      post_id: post.id,
      parent_id: parent?.id ?? null,
      thread_id: parent?.thread ?? null,
      depth: parent ? parent.depth + 1 : 0,
      author_name: c.author,
      author_email: c.email.toLowerCase(),
      author_url: c.url,
      user_id: accounts.get(c.author) ?? null,
      body_md: c.body,
      body_html: rendered.html,
      quoted_comment_id: quoted?.id ?? null,
      quoted_text: c.quote?.text ?? null,
      status: c.status,
      reasons_json: JSON.stringify(reasons),
      created_at: at,
      approved_at: c.status === 'approved' ? at : null,
    });
    const thread = parent?.thread ?? id;
    if (!parent) await startOwnThread(deps.db, id);
    ids.set(c.key, { id, thread, depth: parent ? parent.depth + 1 : 0, name: c.author });
    byKey.set(c.key, { id, createdAt: at });
  }
  await recountPostComments(deps.db, post.id);
  return byKey;
}

/** True when the site has no posts at all: a fresh data folder. */
export async function isDemoNeeded(deps: Pick<ContentDeps, 'db'>): Promise<boolean> {
  return (await countPosts(deps.db)) === 0;
}

function readArticles(): PostInput[] {
  const files = readdirSync(CONTENT_DIR)
    .filter((f) => f.endsWith('.md'))
    .sort();
  return files.map((file) => {
    const { data, body } = parseFrontMatter(readFileSync(new URL(file, CONTENT_DIR), 'utf8'), file);
    const list = (v: string | undefined) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
    return {
      type: data.type === 'page' ? 'page' : 'post',
      slug: data.slug ?? file.replace(/\.md$/, ''),
      title: data.title ?? file,
      standfirst: data.standfirst ?? '',
      excerpt: data.excerpt ?? '',
      bodyMarkdown: body,
      status: 'published',
      publishedAt: data.published ? new Date(data.published).toISOString() : null,
      updatedAt: data.updated ? new Date(data.updated).toISOString() : null,
      categoryPath: data.category ?? null,
      tags: list(data.tags),
      authorSlugs: list(data.authors),
      cover: data.cover
        ? {
            src: data.cover,
            alt: data.cover_alt ?? '',
            caption: data.cover_caption ?? '',
            credit: data.cover_credit ?? '',
          }
        : null,
    } satisfies PostInput;
  });
}

/**
 * Fills an empty site with the demo: a Russian-history blog with a category tree, two authors, articles
 * (one long piece on Khalkhin-Gol), static pages, widgets, and the media they show.
 */
export async function seedDemoSite(deps: ContentDeps, opts: { mediaDir: string }): Promise<{ posts: number }> {
  // All or nothing: a demo that fails half-way leaves the database as it was.
  return inTransaction(deps.db, (trx) => seedInto({ ...deps, db: trx }, opts));
}

async function seedInto(deps: ContentDeps, opts: { mediaDir: string }): Promise<{ posts: number }> {
  mkdirSync(opts.mediaDir, { recursive: true });
  const mediaSource = new URL('./media/', CONTENT_DIR);
  for (const f of readdirSync(mediaSource)) copyFileSync(new URL(f, mediaSource), join(opts.mediaDir, f));

  await saveSiteSettings(deps, {
    title: DEMO_SITE_TITLE,
    tagline: 'Russian and East Asian history, argued with sources',
    description:
      'Long-form history of Russia, the Soviet Union and their eastern frontier, with notes and sources. An Annalist demo site.',
    locale: 'en-GB',
    timeZone: 'Europe/London',
    postsPerPage: 5,
  });

  const now = deps.clock.now().toISOString();
  const ids = new Map<string, number>();
  for (const c of DEMO_CATEGORIES) {
    const parentPath = c.path.includes('/') ? c.path.slice(0, c.path.lastIndexOf('/')) : null;
    const id = await insertCategory(deps.db, {
      parent_id: parentPath ? (ids.get(parentPath) ?? null) : null,
      slug: c.path.split('/').pop()!,
      path: c.path,
      name: c.name,
      description: c.description,
      position: ids.size,
    });
    ids.set(c.path, id);
  }

  for (const line of readFileSync(new URL('authors.txt', CONTENT_DIR), 'utf8').split('\n')) {
    const [slug, name, bio] = line.split('|').map((s) => s.trim());
    if (slug && name) await insertAuthor(deps.db, { slug, name, bio: bio ?? '', created_at: now });
  }

  await seedSources(deps, new URL('sources.json', CONTENT_DIR));
  await seedEntities(deps);
  const articles = readArticles();
  for (const a of articles) await savePost(deps, firstVersion(a));

  await setWidgets(deps, [
    { area: 'sidebar', type: 'search', title: 'Search' },
    { area: 'sidebar', type: 'category-tree', title: 'Categories' },
    { area: 'sidebar', type: 'recent-posts', title: 'Recent articles', config: { count: 5 } },
    { area: 'sidebar', type: 'recent-comments', title: 'Recent comments', config: { count: 5 } },
    { area: 'sidebar', type: 'tag-cloud', title: 'Tags', config: { count: 20 } },
    { area: 'footer', type: 'archives', title: 'Archives' },
    {
      area: 'footer',
      type: 'text',
      title: 'About this site',
      config: {
        markdown:
          'A demonstration of [Annalist](/about/): long-form history with notes, sources and a category tree. Every article here was written for the demo.',
      },
    },
  ]);
  // The header area is left empty on purpose: readers must see nothing there, not an admin hint.
  const comments = await seedDiscussion(deps, EVIDENCE_SLUG, 'discussion-khalkhin-gol.json');
  const evidence = articles.find((a) => a.slug === EVIDENCE_SLUG);
  if (evidence) await seedCorrections(deps, evidence, comments);
  return { posts: articles.length };
}
