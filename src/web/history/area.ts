import { webArea } from '../kit/area.ts';
import { registerEntityRoutes } from './entities.routes.tsx';

/** History's own pages: people, places, events and organisations, and the articles mentioning them. */
export const historyArea = webArea(registerEntityRoutes);
