import { webArea } from '../kit/area.ts';
import { registerCommentRoutes } from './comments.routes.tsx';
import { registerNotificationRoutes } from './notifications.routes.tsx';

/** The discussion: comments (pages, reports, feeds, the JSON API) and the mail links (confirm, unsubscribe). */
export const discussionArea = webArea(registerCommentRoutes, registerNotificationRoutes);
