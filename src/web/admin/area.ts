import { webArea } from '../kit/area.ts';
import { registerAdminRoutes } from './admin.routes.tsx';

/** Everything under /admin: sign-in, then each staff area (admin.routes.tsx lists them). */
export const adminArea = webArea(registerAdminRoutes);
