import type { Entity } from '../../../modules/history/entities.service.ts';
import type { MergeCandidate } from '../../../modules/history/entity-merge.service.ts';
import { Choice, CsrfField, TextField } from '../../ui/form.tsx';
import type { AdminViewer } from '../layout.tsx';
import { Alert } from '../layout.tsx';

// Merging an entity into another of its kind (decision 048): found by name, chosen, confirmed.

export const entityMergePath = (id: number) => `/admin/entities/edit/${id}/merge`;

/** The edit page's "Merge into…" section: the name to look for. */
export function MergeStart(props: { id: number; kind: string }) {
  return (
    <>
      <h2>Merge into…</h2>
      <form method="get" action={entityMergePath(props.id)}>
        <p>
          A duplicate of another {props.kind}? Merge it into that one: its mentions, names and addresses go there, and
          it is deleted.
        </p>
        <TextField id="merge-q" name="q" label="Name of the one to keep" value="" required maxLength={100} />
        <button type="submit">Find it</button>
      </form>
    </>
  );
}

function Candidates(props: { entity: Entity; candidates: MergeCandidate[]; viewer: AdminViewer }) {
  const { entity } = props;
  return (
    <form method="post" action={entityMergePath(entity.id)}>
      <CsrfField csrf={props.viewer.csrf} />
      <fieldset>
        <legend>Merge “{entity.name}” into</legend>
        {props.candidates.map((c, i) => (
          <Choice type="radio" key={c.id} id={`merge-into-${c.id}`} name="into" value={String(c.id)} checked={i === 0}>
            {c.name} <code>{c.slug}</code>
            {c.matched !== c.name ? <> (also “{c.matched}”)</> : null}
          </Choice>
        ))}
      </fieldset>
      <p>
        The articles mentioning “{entity.name}” will mention the one you choose; its other names and addresses (
        <code>{entity.slug}</code> answers with a redirect) join it, and “{entity.name}” is deleted. This cannot be
        undone.
      </p>
      <button type="submit">Merge and delete “{entity.name}”</button>
    </form>
  );
}

/** Finding the entity to keep, choosing it and confirming; or why the merge was refused. */
export function EntityMergeView(props: {
  entity: Entity;
  q: string;
  candidates: MergeCandidate[];
  viewer: AdminViewer;
  error?: string;
}) {
  const { entity } = props;
  return (
    <>
      <h1 class="page-title">Merge “{entity.name}”</h1>
      <p>
        <a href={`/admin/entities/edit/${entity.id}`}>Back to “{entity.name}”</a>
      </p>
      <Alert text={props.error} />
      <form method="get" action={entityMergePath(entity.id)}>
        <TextField
          id="merge-q"
          name="q"
          label={`Name of the ${entity.kind} to keep`}
          value={props.q}
          required
          maxLength={100}
        />
        <button type="submit">Find it</button>
      </form>
      {props.q.trim() === '' ? null : props.candidates.length === 0 ? (
        <p>
          No other {entity.kind} has a name with a word starting “{props.q}”. An entity is merged into another of its
          own kind.
        </p>
      ) : (
        <Candidates entity={entity} candidates={props.candidates} viewer={props.viewer} />
      )}
    </>
  );
}
