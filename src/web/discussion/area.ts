import { webArea } from '../kit/area.ts';
import { registerCommentRoutes } from './comments.routes.tsx';
import { registerFormTokenRoutes } from './form-token.routes.ts';
import { registerHeldCommentRoutes } from './held-comments.routes.ts';
import { registerNotificationRoutes } from './notifications.routes.tsx';
import { registerThreadRoutes } from './thread.routes.tsx';

/**
 * The discussion: comments (pages, reports, feeds, the JSON API), a thread's own page, a writer's held comments,
 * the readers' form token (POST /form-token) and the mail links (confirm, unsubscribe).
 */
export const discussionArea = webArea(
  registerCommentRoutes,
  registerThreadRoutes,
  registerHeldCommentRoutes,
  registerFormTokenRoutes,
  registerNotificationRoutes,
);
