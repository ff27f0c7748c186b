import { webArea } from '../kit/area.ts';
import { registerApiRoutes } from './api.routes.ts';
import { registerHealthRoutes } from './health.routes.ts';
import { registerHistoryApiRoutes } from './history-api.routes.ts';
import { registerTimelineApiRoutes } from './timeline-api.routes.ts';

/** The read-only JSON API (with its OpenAPI document) and the load balancer's health check. */
export const apiArea = webArea(
  registerApiRoutes,
  registerHistoryApiRoutes,
  registerTimelineApiRoutes,
  registerHealthRoutes,
);
