import type { Article } from '../../modules/content/content.types.ts';
import type { SiteSettings } from '../../modules/site/settings.service.ts';
import { articleCitations, articleCslItem } from '../../modules/sources/article-citation.ts';
import { CslText } from './csl-text.tsx';

/** "Cite this article": the article itself in several styles, and as BibTeX / CSL-JSON downloads. */
export function CiteThisArticle(props: { article: Article; site: SiteSettings; baseUrl: string }) {
  const { article, site } = props;
  const refs = articleCitations(articleCslItem(article, site, props.baseUrl));
  const base = `/${article.slug}/`;
  return (
    <details class="cite-article">
      <summary>Cite this article</summary>
      <dl>
        <dt>Chicago</dt>
        <dd>
          <CslText html={refs.chicago} />
        </dd>
        <dt>APA</dt>
        <dd>
          <CslText html={refs.apa} />
        </dd>
      </dl>
      <p>
        Download: <a href={`${base}cite.bib`}>BibTeX</a> · <a href={`${base}cite.json`}>CSL-JSON</a>
      </p>
    </details>
  );
}
