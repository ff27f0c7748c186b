import { webArea } from '../kit/area.ts';
import { registerCommentRoutes } from './comments.routes.tsx';
import { registerFormTokenRoutes } from './form-token.routes.ts';
import { registerNotificationRoutes } from './notifications.routes.tsx';

/**
 * The discussion: comments (pages, reports, feeds, the JSON API), the readers' form token (POST /form-token) and
 * the mail links (confirm, unsubscribe).
 */
export const discussionArea = webArea(registerCommentRoutes, registerFormTokenRoutes, registerNotificationRoutes);
