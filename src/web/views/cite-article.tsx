import type { Article } from '../../modules/content/content.types.ts';
import type { SiteSettings } from '../../modules/site/settings.service.ts';

/** "Cite this article": the article itself in several styles, and as BibTeX / CSL-JSON downloads. */
export function CiteThisArticle(_props: { article: Article; site: SiteSettings; baseUrl: string }) {
  return null;
}
