import type { Article } from '../../modules/content/content.types.ts';
import { CITATION_STYLES } from '../../modules/settings/citation-styles.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import { articleCitations, articleCslItem } from '../../modules/sources/article-citation.ts';
import { CITATION_STYLE_LABELS } from '../../modules/sources/citation-format.ts';
import { CslText } from '../evidence/csl-text.tsx';

/** "Cite this article": the article itself in several styles, and as BibTeX / CSL-JSON downloads. */
export function CiteThisArticle(props: { article: Article; site: SiteSettings; baseUrl: string }) {
  const { article, site } = props;
  const refs = articleCitations(articleCslItem(article, site, props.baseUrl));
  const base = `/${article.slug}/`;
  return (
    <details class="cite-article">
      <summary>Cite this article</summary>
      <dl>
        {CITATION_STYLES.map((style) => (
          <>
            <dt>{CITATION_STYLE_LABELS[style]}</dt>
            <dd>
              <CslText html={refs[style]} />
            </dd>
          </>
        ))}
      </dl>
      <p>
        Download: <a href={`${base}cite.bib`}>BibTeX</a> · <a href={`${base}cite.json`}>CSL-JSON</a>
      </p>
    </details>
  );
}
