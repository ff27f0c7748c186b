import type { VNode } from 'preact';
import type { Article } from '../../modules/content/content.types.ts';
import { modifiedAt, updateShownToReaders } from '../../modules/corrections/corrections-log.service.ts';
import type { CorrectionLogEntry } from '../../modules/corrections/corrections-log.types.ts';
import type { MentionCard } from '../../modules/history/mention-cards.ts';
import type { PlacesMap } from '../../modules/history/place-maps.ts';
import type { TimelineEvent } from '../../modules/history/timeline.ts';
import type { TocEntry } from '../../modules/markdown/render-markdown.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import { CorrectionsLog, correctionComments } from '../evidence/corrections-log.views.tsx';
import { SuggestCorrectionLink } from '../evidence/suggest-correction.views.tsx';
import { ArticleMapSection } from '../history/map-sections.tsx';
import { ArticleTimeline } from '../history/timeline.views.tsx';
import { categoryUrl, postUrl, safeHref, tagUrl } from '../ui/format.ts';
import type { Head } from '../ui/layout.tsx';
import { Byline } from '../ui/lists.tsx';
import { keptFor, keptView } from '../ui/rendered-html.ts';
import { CiteThisArticle } from './cite-article.views.tsx';
import { MentionCards } from './mention-cards.views.tsx';

export function Breadcrumb(props: { trail: { name: string; href: string }[]; current: string }) {
  return (
    <nav class="breadcrumb" aria-label="Breadcrumb">
      <ol>
        <li>
          <a href="/">Home</a>
        </li>
        {props.trail.map((c) => (
          <li key={c.href}>
            <a href={c.href}>{c.name}</a>
          </li>
        ))}
        <li>
          <span aria-current="page">{props.current}</span>
        </li>
      </ol>
    </nav>
  );
}

export function Toc(props: { toc: TocEntry[] }) {
  // Nest h3 entries under the h2 before them.
  const groups: { entry: TocEntry; children: TocEntry[] }[] = [];
  for (const e of props.toc) {
    const last = groups[groups.length - 1];
    if (e.depth === 3 && last) last.children.push(e);
    else groups.push({ entry: e, children: [] });
  }
  // Folded behind its summary on phones (a <details>: no script); on wide screens site.css shows the list and the
  // label instead of the summary. No heading: the nav's name says what it is, and a small "Contents" heading
  // would be a second size of h2 in the article.
  return (
    <nav class="toc" aria-label="Contents">
      <p class="toc__label">Contents</p>
      <details class="toc__fold">
        <summary class="toc__summary">
          Contents <span class="toc__count">({groups.length} sections)</span>
        </summary>
        <ol>
          {groups.map((g) => (
            <li key={g.entry.id}>
              <a href={`#${g.entry.id}`}>{g.entry.text}</a>
              {g.children.length > 0 ? (
                <ol>
                  {g.children.map((c) => (
                    <li key={c.id}>
                      <a href={`#${c.id}`}>{c.text}</a>
                    </li>
                  ))}
                </ol>
              ) : null}
            </li>
          ))}
        </ol>
      </details>
    </nav>
  );
}

export interface ArticleViewProps {
  article: Article;
  site: SiteSettings;
  baseUrl: string;
  /** The article's public corrections log, newest first. */
  corrections: CorrectionLogEntry[];
  /** The dated events it mentions, in order (its "Timeline" section; kept per generation: timeline.service.ts). */
  timeline?: readonly TimelineEvent[];
  /** The map of the places it mentions (its "Map" section; kept per generation: place-maps.ts). */
  map?: PlacesMap;
  /** The cards of the entities it mentions (kept per generation: mention-cards.ts). */
  mentionCards?: readonly MentionCard[];
}

/**
 * ArticleView, rendered once for the objects of this content generation (the article, the settings and the log
 * are each read once per generation: reading.service.ts, the chrome, corrections-log.service.ts) and reused.
 */
export function KeptArticleView(props: ArticleViewProps): VNode {
  return keptView(
    props.article,
    [props.site, props.corrections, props.baseUrl, props.timeline, props.map, props.mentionCards],
    () => <ArticleView {...props} />,
  );
}

export function ArticleView(props: ArticleViewProps) {
  const { article: a, site } = props;
  const isPost = a.type === 'post';
  return (
    <>
      {isPost ? (
        <Breadcrumb trail={a.breadcrumb.map((c) => ({ name: c.name, href: categoryUrl(c.path) }))} current={a.title} />
      ) : a.parentPages.length > 0 ? (
        <Breadcrumb trail={a.parentPages.map((p) => ({ name: p.title, href: postUrl(p.slug) }))} current={a.title} />
      ) : null}
      <article class="article" aria-labelledby="article-title">
        <header class="article__header">
          <h1 id="article-title">{a.title}</h1>
          {a.standfirst ? <p class="standfirst">{a.standfirst}</p> : null}
          {isPost ? (
            <Byline post={a} site={site} updated={updateShownToReaders(a, props.corrections, site.timeZone)} />
          ) : null}
          {/* On paper only (site.css): where the printed article lives. */}
          <p class="article__address">
            Read online: <span class="article__url">{`${props.baseUrl}${postUrl(a.slug)}`}</span>
          </p>
        </header>
        {a.cover ? (
          <figure class="article__cover">
            <img src={safeHref(a.cover.src)} alt={a.cover.alt} />
            {a.cover.caption || a.cover.credit ? (
              <figcaption>
                {a.cover.caption}
                {a.cover.credit ? <span class="credit">{a.cover.credit}</span> : null}
              </figcaption>
            ) : null}
          </figure>
        ) : null}
        {a.toc.filter((t) => t.depth === 2).length >= 3 ? <Toc toc={a.toc} /> : null}
        <div class="prose" dangerouslySetInnerHTML={{ __html: a.bodyHtml }} />
        <MentionCards cards={props.mentionCards} />
        {props.timeline ? <ArticleTimeline events={props.timeline} /> : null}
        <ArticleMapSection map={props.map} />
        {!isPost && a.childPages.length > 0 ? (
          <nav class="child-pages" aria-labelledby="child-pages-heading">
            <h2 id="child-pages-heading">In this section</h2>
            <ul>
              {a.childPages.map((c) => (
                <li key={c.slug}>
                  <a href={postUrl(c.slug)}>{c.title}</a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        {isPost ? <CorrectionsLog entries={props.corrections} slug={a.slug} site={site} /> : null}
        {isPost && a.tags.length > 0 ? (
          <footer class="article__footer">
            <h2 class="visually-hidden">Tags</h2>
            <ul class="tags">
              {a.tags.map((t) => (
                <li key={t.id}>
                  <a href={tagUrl(t.slug)} rel="tag">
                    {t.name}
                  </a>
                </li>
              ))}
            </ul>
          </footer>
        ) : null}
        {isPost ? (
          <div class="article__tools">
            <SuggestCorrectionLink article={a} />
            <CiteThisArticle article={a} site={site} baseUrl={props.baseUrl} />
          </div>
        ) : null}
      </article>
      {isPost && (a.previous || a.next) && a.category ? (
        <nav class="adjacent" aria-label={`More in ${a.category.name}`}>
          {a.previous ? (
            <a class="adjacent__prev" href={postUrl(a.previous.slug)} rel="prev">
              <span class="adjacent__label">Previous in {a.category.name}</span>
              <span class="adjacent__title">{a.previous.title}</span>
            </a>
          ) : (
            <span />
          )}
          {a.next ? (
            <a class="adjacent__next" href={postUrl(a.next.slug)} rel="next">
              <span class="adjacent__label">Next in {a.category.name}</span>
              <span class="adjacent__title">{a.next.title}</span>
            </a>
          ) : (
            <span />
          )}
        </nav>
      ) : null}
    </>
  );
}

/** articleHead, built once for the objects of this content generation (as KeptArticleView); never change it. */
export function keptArticleHead(
  a: Article,
  site: SiteSettings,
  baseUrl: string,
  corrections: CorrectionLogEntry[],
): Head {
  return keptFor(a, ['head', site, baseUrl, corrections], () => articleHead(a, site, baseUrl, corrections));
}

/**
 * OpenGraph tags and JSON-LD (Article, BreadcrumbList) for an article page. `corrections` (its public log,
 * newest first) make the modified time the latest entry's when later, and become JSON-LD CorrectionComments.
 */
export function articleHead(
  a: Article,
  site: SiteSettings,
  baseUrl: string,
  corrections: CorrectionLogEntry[] = [],
): Head {
  const url = `${baseUrl}${postUrl(a.slug)}`;
  const modified = modifiedAt(a.updatedAt, corrections);
  const description = a.seoDescription ?? (a.excerpt || a.standfirst || site.description);
  const image = a.cover ? new URL(a.cover.src, `${baseUrl}/`).href : undefined;
  const og: Record<string, string> = {
    'og:type': a.type === 'post' ? 'article' : 'website',
    'og:title': a.seoTitle ?? a.title,
    'og:description': description,
    'og:url': url,
    'og:site_name': site.title,
    'og:locale': site.locale.replace('-', '_'),
  };
  if (image) {
    og['og:image'] = image;
    if (a.cover?.alt) og['og:image:alt'] = a.cover.alt;
  }
  if (a.type === 'post') {
    og['article:published_time'] = a.publishedAt;
    if (modified) og['article:modified_time'] = modified;
    if (a.category) og['article:section'] = a.category.name;
  }
  const crumbs = [
    { name: 'Home', item: `${baseUrl}/` },
    ...(a.type === 'post'
      ? a.breadcrumb.map((c) => ({ name: c.name, item: `${baseUrl}${categoryUrl(c.path)}` }))
      : a.parentPages.map((p) => ({ name: p.title, item: `${baseUrl}${postUrl(p.slug)}` }))),
    { name: a.title, item: url },
  ];
  const jsonLd: unknown[] = [
    {
      '@context': 'https://schema.org',
      '@type': a.type === 'post' ? 'Article' : 'WebPage',
      headline: a.title,
      description,
      url,
      mainEntityOfPage: url,
      datePublished: a.publishedAt,
      dateModified: modified ?? a.publishedAt,
      wordCount: a.wordCount,
      inLanguage: site.locale,
      ...(image ? { image } : {}),
      author: a.authors.map((au) => ({ '@type': 'Person', name: au.name, url: `${baseUrl}/author/${au.slug}/` })),
      publisher: { '@type': 'Organization', name: site.title, url: `${baseUrl}/` },
      ...(a.category ? { articleSection: a.category.name } : {}),
      ...(a.tags.length ? { keywords: a.tags.map((t) => t.name).join(', ') } : {}),
      ...(corrections.length ? { correction: correctionComments(corrections, url) } : {}),
    },
  ];
  if (a.type === 'post' || a.parentPages.length > 0) {
    jsonLd.push({
      '@context': 'https://schema.org',
      '@type': 'BreadcrumbList',
      itemListElement: crumbs.map((c, i) => ({ '@type': 'ListItem', position: i + 1, name: c.name, item: c.item })),
    });
  }
  return { title: a.seoTitle ?? a.title, description, path: postUrl(a.slug), openGraph: og, jsonLd };
}
