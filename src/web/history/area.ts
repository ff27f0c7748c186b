import { webArea } from '../kit/area.ts';
import { registerEntityRoutes } from './entities.routes.tsx';
import { registerEntityFeedRoutes } from './entity-feeds.routes.ts';
import { registerTimelineRoutes } from './timeline.routes.tsx';

/** History's own pages: people, places, events and organisations, and the articles mentioning them. */
export const historyArea = webArea(registerEntityFeedRoutes, registerEntityRoutes, registerTimelineRoutes);
