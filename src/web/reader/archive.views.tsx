import type { Author, Category, PostSummary, TagRef } from '../../modules/content/content.types.ts';
import type { SearchResults } from '../../modules/search/search.service.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import type { Paged } from '../../modules/shared/paging.ts';
import { SearchEntities } from '../history/search-entities.views.tsx';
import { categoryUrl, formatMonth, postUrl } from '../ui/format.ts';
import { Byline, keptListView, Pagination, PostList } from '../ui/lists.tsx';
import { CategoryList, SearchForm } from '../ui/widgets.tsx';
import { Breadcrumb } from './article.views.tsx';

// Each list is read once per content generation (reading.service.ts), as are the settings and the category tree:
// the views below are rendered once for those objects, then reused as HTML by the next readers of the list.

type HomeViewProps = { posts: Paged<PostSummary>; site: SiteSettings };
type CategoryViewProps = {
  category: Category;
  trail: { name: string; path: string }[];
  posts: Paged<PostSummary>;
  site: SiteSettings;
};
type SimpleArchiveViewProps = {
  kind: string;
  title: string;
  intro?: string;
  posts: Paged<PostSummary>;
  base: string;
  site: SiteSettings;
};

export const KeptHomeView = (props: HomeViewProps) =>
  keptListView(props.posts, ['home', props.site], () => <HomeView {...props} />);

export const KeptCategoryView = (props: CategoryViewProps) =>
  keptListView(props.posts, ['category', props.category, props.trail.map((c) => c.path).join(' '), props.site], () => (
    <CategoryView {...props} />
  ));

export const KeptArchiveView = (props: SimpleArchiveViewProps) =>
  keptListView(props.posts, ['archive', props.kind, props.title, props.intro, props.base, props.site], () => (
    <SimpleArchiveView {...props} />
  ));

export function HomeView(props: HomeViewProps) {
  return (
    <>
      <h1 class={props.posts.page === 1 ? 'visually-hidden' : 'page-title'}>
        {props.posts.page === 1 ? `Latest from ${props.site.title}` : `Latest, page ${props.posts.page}`}
      </h1>
      <PostList posts={props.posts.items} site={props.site} />
      <Pagination paged={props.posts} base="/" />
    </>
  );
}

export function CategoryView(props: CategoryViewProps) {
  const { category: c } = props;
  return (
    <>
      <Breadcrumb
        trail={props.trail.slice(0, -1).map((t) => ({ name: t.name, href: categoryUrl(t.path) }))}
        current={c.name}
      />
      <header class="archive-header">
        <p class="archive-header__kind">Category</p>
        <h1 class="page-title">{c.name}</h1>
        {c.description ? <p class="archive-header__description">{c.description}</p> : null}
        <p class="archive-header__count">
          {c.totalCount} {c.totalCount === 1 ? 'article' : 'articles'}
          {c.children.length > 0 ? ' here and in its sub-categories' : ''}
        </p>
      </header>
      {c.children.length > 0 ? (
        <nav class="subcategories" aria-labelledby="subcategories-heading">
          <h2 id="subcategories-heading">Sub-categories</h2>
          <ul>
            {c.children.map((child) => (
              <li key={child.id}>
                <a href={categoryUrl(child.path)}>{child.name}</a> <span class="count">({child.totalCount})</span>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <section aria-labelledby="posts-heading">
        <h2 id="posts-heading" class="visually-hidden">
          Articles
        </h2>
        <PostList posts={props.posts.items} site={props.site} headingLevel={3} />
      </section>
      <Pagination paged={props.posts} base={categoryUrl(c.path)} />
    </>
  );
}

export function CategoryIndexView(props: { categories: Category[] }) {
  return (
    <>
      <h1 class="page-title">Categories</h1>
      <nav class="category-index" aria-label="All categories">
        <CategoryList categories={props.categories} />
      </nav>
    </>
  );
}

export function SimpleArchiveView(props: SimpleArchiveViewProps) {
  return (
    <>
      <header class="archive-header">
        <p class="archive-header__kind">{props.kind}</p>
        <h1 class="page-title">{props.title}</h1>
        {props.intro ? <p class="archive-header__description">{props.intro}</p> : null}
        <p class="archive-header__count">
          {props.posts.total} {props.posts.total === 1 ? 'article' : 'articles'}
        </p>
      </header>
      <PostList posts={props.posts.items} site={props.site} />
      <Pagination paged={props.posts} base={props.base} />
    </>
  );
}

export const tagTitle = (tag: TagRef) => tag.name;
export const authorIntro = (a: Author) => a.bio;
export const monthTitle = (month: string, site: SiteSettings) => formatMonth(month, site.locale);

export function SearchView(props: { q: string; results: SearchResults | null; site: SiteSettings }) {
  const { q, results } = props;
  return (
    <>
      <h1 class="page-title">{q ? `Search: ${q}` : 'Search'}</h1>
      <SearchForm id="search-page-q" q={q} label="Search words" />
      {results ? <SearchEntities entities={results.entities} /> : null}
      {results === null ? null : results.total === 0 ? (
        <p class="empty" role="status">
          Nothing matched “{q}”. Try fewer or different words.
        </p>
      ) : (
        <>
          <p role="status" class="search-count">
            {results.total} {results.total === 1 ? 'result' : 'results'} for “{q}”
          </p>
          <ol class="post-list search-results">
            {results.items.map((r) => (
              <li key={r.post.id}>
                <article class="post-card">
                  <h2 class="post-card__title">
                    <a href={postUrl(r.post.slug)}>{r.post.title}</a>
                  </h2>
                  <p class="snippet">{r.snippet.map((part) => (part.match ? <mark>{part.text}</mark> : part.text))}</p>
                  <Byline post={r.post} site={props.site} />
                </article>
              </li>
            ))}
          </ol>
          <Pagination paged={results} base="/search" query={{ q }} />
        </>
      )}
    </>
  );
}

/** The page for any error a reader can meet: what happened, and a way on (search, home). */
export function ErrorView(props: {
  status: number;
  title: string;
  message: string;
  code: string;
  /** For a 404: articles the address may have meant, and the words that found them. */
  suggestions?: { words: string; posts: PostSummary[] };
  /** A refused form or address: what is wrong with each field. */
  fields?: Record<string, string>;
}) {
  const suggestions = props.suggestions;
  const fields = Object.entries(props.fields ?? {});
  return (
    <section class="error-page" aria-labelledby="error-title">
      <p class="error-page__status">Error {props.status}</p>
      <h1 id="error-title" class="page-title">
        {props.title}
      </h1>
      <p>{props.message}</p>
      {fields.length > 0 ? (
        <ul class="error-page__fields">
          {fields.map(([name, message]) => (
            <li key={name}>
              <code>{name}</code>: {message}
            </li>
          ))}
        </ul>
      ) : null}
      {suggestions && suggestions.posts.length > 0 ? (
        <nav class="suggestions" aria-labelledby="suggestions-heading">
          <h2 id="suggestions-heading">Perhaps you were looking for</h2>
          <ul>
            {suggestions.posts.map((p) => (
              <li key={p.id}>
                <a href={postUrl(p.slug)}>{p.title}</a>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      {props.status === 404 || props.status === 400 ? (
        <>
          <SearchForm id="error-search-q" label="Search for what you were looking for" q={suggestions?.words} />
          <p>
            Or go to the <a href="/">latest articles</a>.
          </p>
        </>
      ) : (
        <p>
          Please try again in a moment, or go to the <a href="/">latest articles</a>.
        </p>
      )}
      <p class="error-page__code">
        Code: <code>{props.code}</code>
      </p>
    </section>
  );
}
