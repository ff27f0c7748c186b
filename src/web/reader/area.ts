import { webArea } from '../kit/area.ts';
import { registerArticleRoutes } from './article.routes.tsx';
import { registerReadingRoutes } from './reading.routes.tsx';

/** What a reader reads: home, archives, categories, tags, authors, search, pages and the article. */
export const readerArea = webArea(registerReadingRoutes, registerArticleRoutes);
