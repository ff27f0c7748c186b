import type { EditorAction } from '../../../modules/content/editor.service.ts';
import type { WorkflowState } from '../../../modules/content/post-policies.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { formatDateTime } from '../layout.tsx';
import type { SavedStatus } from './saved-status.ts';
import type { PreflightIssue } from './views.tsx';

// The editor's bar (issue 16): one primary action for the role and the post's state, the lesser actions beside
// it or under "More", the saved state, and the island's toggles. The checks panel and the pre-publish panel
// are here too: without JavaScript, "Publish" with findings shows the pre-publish panel at the top of the form,
// with "Publish anyway" inside it; with JavaScript the island opens the same panel as a dialog.

export type EditorState = WorkflowState | 'new';

export interface PrimaryAction {
  label: 'Publish' | 'Update' | 'Schedule' | 'Send for review';
  action: EditorAction;
}

/**
 * The one button a writer is most likely to want: contributors send for review; people who may publish
 * publish (or schedule, once a publication time is filled in); a live post is updated.
 */
export function primaryAction(state: EditorState, canPublish: boolean, publishAt: string): PrimaryAction {
  if (state === 'published' || state === 'scheduled' || (!canPublish && state === 'review'))
    return { label: 'Update', action: 'save' };
  if (!canPublish) return { label: 'Send for review', action: 'submit' };
  return publishAt.trim() ? { label: 'Schedule', action: 'schedule' } : { label: 'Publish', action: 'publish' };
}

function MoreActions(props: { state: EditorState; canPublish: boolean; primary: PrimaryAction }) {
  const { state, canPublish, primary } = props;
  const live = state === 'published' || state === 'scheduled';
  const buttons: { label: string; action: EditorAction; danger?: boolean }[] = [];
  if (canPublish && !live && state !== 'review') buttons.push({ label: 'Send for review', action: 'submit' });
  if (canPublish && (state === 'scheduled' || primary.action === 'schedule'))
    buttons.push({ label: 'Publish now', action: 'publish' });
  if (canPublish && !live && primary.action === 'publish')
    buttons.push({ label: 'Schedule for the time set', action: 'schedule' });
  if (canPublish && live)
    buttons.push({ label: state === 'published' ? 'Unpublish' : 'Unschedule', action: 'unpublish', danger: true });
  if (buttons.length === 0) return null;
  return (
    <details class="editor-more">
      <summary>More actions</summary>
      <div class="editor-more__list">
        {buttons.map((b) => (
          <button key={b.action} type="submit" name="action" value={b.action} class={b.danger ? 'danger' : 'secondary'}>
            {b.label}
          </button>
        ))}
      </div>
    </details>
  );
}

/** The bar above the writing: saved state, the island's toggles (shown when it runs), and the actions. */
export function EditorBar(props: {
  state: EditorState;
  canPublish: boolean;
  publishAt: string;
  status: SavedStatus;
  site: SiteSettings;
}) {
  const { state, canPublish, status } = props;
  const primary = primaryAction(state, canPublish, props.publishAt);
  const live = state === 'published' || state === 'scheduled';
  return (
    <div class="editor-bar">
      <p
        class="editor-bar__status editor__autosave-status"
        role="status"
        data-unsaved={status.unsaved ? 'true' : undefined}
      >
        {status.text}
        {status.at ? (
          <>
            {' at '}
            <time dateTime={status.at}>{formatDateTime(status.at, props.site)}</time>
          </>
        ) : null}
        {status.note}
      </p>
      <div class="editor-bar__toggles" hidden>
        <button type="button" class="secondary editor-preview-toggle" aria-pressed="true">
          Preview
        </button>
        <button
          type="button"
          class="secondary editor-settings-toggle"
          aria-expanded="true"
          aria-controls="post-settings"
        >
          Post settings
        </button>
        <button type="button" class="secondary editor-focus-toggle" aria-pressed="false">
          Distraction-free mode
        </button>
      </div>
      <div class="editor-buttons">
        <button type="submit" name="action" value="check" class="secondary">
          Check
        </button>
        {!live && primary.action !== 'save' ? (
          <button type="submit" name="action" value="save" class="secondary">
            {state === 'review' ? 'Save' : 'Save draft'}
          </button>
        ) : null}
        <MoreActions state={state} canPublish={canPublish} primary={primary} />
        <button type="submit" name="action" value={primary.action} class="editor-primary">
          {primary.label}
        </button>
      </div>
    </div>
  );
}

function IssueList(props: { issues: PreflightIssue[] }) {
  return (
    <ol class="preflight__issues">
      {props.issues.map((i, n) => (
        <li key={n}>
          <strong>{i.message}</strong>
          {i.line !== undefined ? (
            <a class="preflight__line" href="#post-body" data-line={String(i.line)}>
              Line {i.line}
            </a>
          ) : null}
          {i.excerpt ? <q class="preflight__excerpt">{i.excerpt}</q> : null}
          {i.suggestions?.length ? <span class="hint">Perhaps: {i.suggestions.join(', ')}</span> : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * The checks' findings (after "Check"), or the pre-publish panel (after "Publish" or "Schedule" with findings):
 * at the top of the form, so "Publish anyway" is in view with the list it answers.
 */
export function PreflightPanel(props: { issues: PreflightIssue[]; beforePublishing: 'publish' | 'schedule' | null }) {
  const { issues, beforePublishing } = props;
  const verb = beforePublishing === 'schedule' ? 'scheduling' : 'publishing';
  return (
    <section
      id="preflight"
      class={beforePublishing ? 'preflight preflight--before' : 'preflight'}
      aria-labelledby="preflight-heading"
      tabIndex={-1}
    >
      <h2 id="preflight-heading">{beforePublishing ? `Before ${verb}` : 'Checks'}</h2>
      {issues.length === 0 ? (
        <p>The checks found nothing to look at.</p>
      ) : (
        <>
          <p>
            {issues.length === 1 ? 'One thing' : `${issues.length} things`} worth a look. Checks warn; they never stop
            you.
          </p>
          <IssueList issues={issues} />
        </>
      )}
      {beforePublishing ? (
        <p class="preflight__actions">
          <input type="hidden" name="preflightSeen" value="1" />
          <button type="submit" name="action" value={beforePublishing}>
            {beforePublishing === 'publish' ? 'Publish anyway' : 'Schedule anyway'}
          </button>
          <a href="#post-body">Keep editing</a>
        </p>
      ) : null}
    </section>
  );
}
