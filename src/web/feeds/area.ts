import { webArea } from '../kit/area.ts';
import { registerFeedRoutes } from './feeds.routes.ts';

/** The site's feeds, sitemap, robots.txt and OpenSearch description. */
export const feedsArea = webArea(registerFeedRoutes);
