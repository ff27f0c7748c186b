import type { KeptText } from '../../../modules/content/saved-state.ts';
import type { EditorViewProps } from './views.tsx';

// The editor bar's saved state as the page is sent (issue 16). It says what is true of the text in the form:
// "Saved" with the time when the server keeps exactly that text, "Not saved: …" with the reason when it does
// not. The island takes over from there ("Saving…", "Saved", "Not saved: offline — kept in this browser").

export interface SavedStatus {
  /** "Saved", "Not saved: …", or '' (a new, empty form). */
  text: string;
  /** When the text was kept (ISO), shown after "Saved". */
  at?: string;
  /** After the time: what saving means for a live post. */
  note?: string;
  /** Text the server does not have, which autosave may keep (the island starts with it as typed). */
  unsaved?: boolean;
}

function kept(where: KeptText, live: boolean): SavedStatus {
  const note = where.in === 'autosave' && live ? ' — readers see it when you press Update' : undefined;
  return { text: 'Saved', at: where.at ?? undefined, note };
}

/** The status for the editor page about to be sent. */
export function savedStatusOf(props: EditorViewProps): SavedStatus {
  const { post } = props;
  if (!post) return props.preflight ? { text: 'Not saved: a new post, never saved', unsaved: true } : { text: '' };
  const live = post.state === 'published' || post.state === 'scheduled';
  if (Object.keys(props.errors).length > 0) return { text: 'Not saved: some fields need a correction' };
  if (props.conflict) return { text: 'Not saved: someone saved a newer version, shown below' };
  if (props.typedKept !== undefined)
    return props.typedKept
      ? kept(props.typedKept, live)
      : { text: 'Not saved: changed since the last save', unsaved: true };
  if (props.correction?.suggestion) return { text: 'Not saved: the suggested change is in the form until you save' };
  if (props.autosave?.restored) return kept({ in: 'autosave', at: props.autosave.savedAt }, live);
  return kept({ in: 'post', at: post.updatedAt }, live);
}
