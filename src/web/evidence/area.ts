import { webArea } from '../kit/area.ts';
import { registerCorrectionRoutes } from './corrections.routes.tsx';
import { registerSourceRoutes } from './sources.routes.tsx';
import { registerSuggestionRoutes } from './suggestions.routes.tsx';

/** The evidence: the corrections log, an article's published versions, readers' suggestions, sources and citing. */
export const evidenceArea = webArea(registerCorrectionRoutes, registerSuggestionRoutes, registerSourceRoutes);
