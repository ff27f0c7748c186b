import type { ContentDeps } from '../../../modules/content/content.deps.ts';
import type { PostFormValues } from '../../../modules/content/editor-form.ts';
import { preflightPost } from '../../../modules/preflight/preflight.service.ts';
import type { PreflightIssue } from './views.tsx';

/** The preflight checks (src/modules/preflight) on what the writer typed. They warn; they never block. */
export async function runPreflight(
  deps: ContentDeps,
  values: PostFormValues,
  baseUrl: string,
): Promise<PreflightIssue[]> {
  const report = await preflightPost(
    { db: deps.db, clock: deps.clock, baseUrl },
    {
      title: values.title,
      standfirst: values.standfirst,
      bodyMarkdown: values.body,
      coverSrc: values.coverSrc.trim() || null,
      coverAlt: values.coverAlt.trim() || null,
    },
  );
  return report.issues;
}
