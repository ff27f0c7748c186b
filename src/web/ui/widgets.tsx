import { renderToString } from 'preact-render-to-string';
import type { Category } from '../../modules/content/content.types.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import type { ResolvedWidget } from '../../modules/site/widgets.service.ts';
import { categoryUrl, formatMonth, monthUrl, postUrl, tagUrl } from './format.ts';
import { keptFor } from './rendered-html.ts';

export function SearchForm(props: { q?: string; id: string; label?: string }) {
  return (
    <search>
      <form class="search-form" action="/search" method="get">
        <label for={props.id}>{props.label ?? 'Search the site'}</label>
        <div class="search-form__row">
          <input id={props.id} type="search" name="q" value={props.q ?? ''} maxLength={200} />
          <button type="submit">Search</button>
        </div>
      </form>
    </search>
  );
}

export function CategoryList(props: { categories: Category[] }) {
  return (
    <ul>
      {props.categories.map((c) => (
        <li key={c.id}>
          <a href={categoryUrl(c.path)}>{c.name}</a> <span class="count">({c.totalCount})</span>
          {c.children.length > 0 ? <CategoryList categories={c.children} /> : null}
        </li>
      ))}
    </ul>
  );
}

function WidgetBody(props: { w: ResolvedWidget; site: SiteSettings }) {
  const { w, site } = props;
  switch (w.type) {
    case 'search':
      return <SearchForm id={`widget-${w.id}-q`} />;
    case 'category-tree':
      return <CategoryList categories={w.categories} />;
    case 'recent-posts':
      return (
        <ul>
          {w.posts.map((p) => (
            <li key={p.id}>
              <a href={postUrl(p.slug)}>{p.title}</a>
            </li>
          ))}
        </ul>
      );
    case 'recent-comments':
      return (
        <ul class="recent-comments">
          {w.comments.map((c) => (
            <li key={c.id}>
              {c.authorName} on <a href={`${postUrl(c.postSlug)}#comment-${c.id}`}>{c.postTitle}</a>
            </li>
          ))}
        </ul>
      );
    case 'tag-cloud':
      return (
        <ul class="tag-cloud">
          {w.tags.map((t) => (
            <li key={t.slug} class={`weight-${t.weight}`}>
              <a href={tagUrl(t.slug)}>
                {t.name}{' '}
                <span class="visually-hidden">
                  ({t.count} {t.count === 1 ? 'post' : 'posts'})
                </span>
              </a>
            </li>
          ))}
        </ul>
      );
    case 'archives':
      return (
        <ul>
          {w.months.map((m) => (
            <li key={m.month}>
              <a href={monthUrl(m.month)}>{formatMonth(m.month, site.locale)}</a> <span class="count">({m.count})</span>
            </li>
          ))}
        </ul>
      );
    case 'text':
      return <div class="prose prose--small" dangerouslySetInnerHTML={{ __html: w.html }} />;
  }
}

/** A widget area; with no widgets it renders nothing at all. */
export function WidgetArea(props: {
  area: 'header' | 'sidebar' | 'footer';
  widgets: ResolvedWidget[];
  site: SiteSettings;
  /** In a page kept in the cache, the area's contents are a fragment stitched in when served (kit/fragments.ts). */
  marker?: string;
}) {
  if (props.widgets.length === 0) return null;
  const html = props.marker ?? widgetAreaHtml(props.widgets, props.site);
  if (props.area === 'sidebar')
    return (
      <aside class="widget-area widget-area--sidebar" aria-label="Sidebar" dangerouslySetInnerHTML={{ __html: html }} />
    );
  return <div class={`widget-area widget-area--${props.area}`} dangerouslySetInnerHTML={{ __html: html }} />;
}

/**
 * The inside of a widget area. Each widget's data is kept until a change to what it shows (widgets.service.ts):
 * its section is rendered once for that data and the site's settings, so a new comment renders "Latest comments"
 * again and nothing else.
 */
export function widgetAreaHtml(widgets: ResolvedWidget[], site: SiteSettings): string {
  let html = '';
  for (const w of widgets) html += keptFor(w, [site], () => renderToString(<WidgetSection w={w} site={site} />));
  return html;
}

function WidgetSection(props: { w: ResolvedWidget; site: SiteSettings }) {
  const { w } = props;
  return (
    <section
      class={`widget widget--${w.type}`}
      aria-labelledby={w.title ? `widget-${w.id}` : undefined}
      aria-label={w.title ? undefined : w.type}
    >
      {w.title ? <h2 id={`widget-${w.id}`}>{w.title}</h2> : null}
      <WidgetBody w={w} site={props.site} />
    </section>
  );
}
