import { webArea } from '../kit/area.ts';
import { registerAssetRoutes } from './assets.routes.ts';
import { registerMediaRoutes } from './media.routes.ts';

/** Files: the hashed stylesheet and icon, uploaded media and the demo's drawings. */
export const filesArea = webArea((app, ctx) => registerAssetRoutes(app, ctx.deps), registerMediaRoutes);
