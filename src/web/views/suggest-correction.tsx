import type { Article } from '../../modules/content/content.types.ts';

/** The way into "Suggest a correction" below an article (works without JavaScript). */
export function SuggestCorrectionLink(_props: { article: Article }) {
  return null;
}
