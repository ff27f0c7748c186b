import type { User } from '../accounts/accounts.types.ts';
import type { ContentDeps } from './content.deps.ts';
import { openPostInEditor } from './editor.service.ts';
import type { PostFormValues } from './editor-form.ts';
import { diffAgainstTyped } from './revisions.service.ts';

/** Where the server keeps the text a writer has in the form: the post itself, or their newer autosave of it. */
export interface KeptText {
  in: 'post' | 'autosave';
  /** When it was kept (ISO), if known. */
  at: string | null;
}

/**
 * Whether what the writer has in the form is what the server keeps (issue 16: the editor's "Saved" must be true
 * after a page that stores nothing, such as "Check"). Compared field by field as the revisions' diff sees them,
 * so a tag list typed with other spaces, an empty author slot or an empty slug is not a change. Undefined: not kept.
 */
export async function whereTypedIsKept(
  deps: ContentDeps,
  input: { user: User; postId: number; typed: PostFormValues },
): Promise<KeptText | undefined> {
  const { post, autosave } = await openPostInEditor(deps, input);
  const same = async (stored: PostFormValues) => {
    // An empty slug asks for nothing new: the address the post has (a new post's first autosave made it).
    const typed = input.typed.slug.trim() === '' ? { ...input.typed, slug: stored.slug } : input.typed;
    return (await diffAgainstTyped(deps, { stored, typed })).length === 0;
  };
  if (await same(post.values)) return { in: 'post', at: post.updatedAt };
  if (autosave && (await same(autosave.values))) return { in: 'autosave', at: autosave.savedAt };
  return undefined;
}
