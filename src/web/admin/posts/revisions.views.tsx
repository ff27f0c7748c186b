import type { DiffPart, FieldDiff } from '../../../modules/content/revision-diff.ts';
import type { PostRevisions, RevisionSummary } from '../../../modules/content/revisions.service.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { CsrfField } from '../../ui/form.tsx';
import { DataTable } from '../../ui/lists.tsx';
import { type AdminViewer, formatDateTime, Notice, noticeLookup } from '../layout.tsx';

// A post's revisions: the list, the comparison of any two, and the diff component the editor's conflict page
// uses too. Changes are <del>/<ins> with words for screen readers, never colour alone.

const KIND_LABEL: Record<RevisionSummary['kind'], string> = {
  save: 'Saved',
  publish: 'Published or scheduled',
  restore: 'Restored',
  autosave: 'Kept automatically',
};

const STATE_LABEL: Record<string, string> = {
  draft: 'Draft',
  review: 'In review',
  scheduled: 'Scheduled',
  published: 'Published',
  unpublished: 'Unpublished',
};
export const stateLabel = (s: string) => STATE_LABEL[s] ?? s;

function Part(props: { part: DiffPart }) {
  const p = props.part;
  if (p.kind === 'same') return <>{p.text}</>;
  if (p.kind === 'skipped')
    return <span class="diff__skip">{` [… ${p.words.toLocaleString('en-GB')} unchanged words …] `}</span>;
  if (p.kind === 'added')
    return (
      <ins>
        <span class="visually-hidden">[added: </span>
        {p.text}
        <span class="visually-hidden">]</span>
      </ins>
    );
  return (
    <del>
      <span class="visually-hidden">[removed: </span>
      {p.text}
      <span class="visually-hidden">]</span>
    </del>
  );
}

/** Field-by-field changes; `headingLevel` keeps the page's heading order. */
export function DiffList(props: { changes: FieldDiff[]; headingLevel: 2 | 3 }) {
  if (props.changes.length === 0) return <p class="empty">No differences.</p>;
  const H = props.headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div class="diff-list">
      <p class="hint">Removed text is struck through; added text is underlined.</p>
      {props.changes.map((c) => (
        <section key={c.field} class="diff-field" aria-label={c.label}>
          <H>{c.label}</H>
          <div class={c.field === 'body' ? 'diff diff--body' : 'diff'}>
            {c.parts.map((p, i) => (
              <Part key={i} part={p} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

function RestoreForms(props: { data: PostRevisions; viewer: AdminViewer; numbers: number[] }) {
  return (
    <>
      {props.numbers.map((n) => (
        <form
          key={n}
          id={`restore-${n}`}
          method="post"
          action={`/admin/posts/${props.data.post.id}/revisions/${n}/restore`}
        >
          <CsrfField csrf={props.viewer.csrf} />
          <input type="hidden" name="version" value={String(props.data.post.version)} />
        </form>
      ))}
    </>
  );
}

const revisionNotice = noticeLookup({ restored: 'The revision is restored: the post has its content again.' });

export function RevisionsView(props: {
  data: PostRevisions;
  viewer: AdminViewer;
  site: SiteSettings;
  notice?: string;
}) {
  const { data, site } = props;
  const revs = data.revisions;
  const canRestore = data.post.canPublish || (data.post.state !== 'published' && data.post.state !== 'scheduled');
  return (
    <>
      <h1 class="page-title">Revisions of “{data.post.title}”</h1>
      <Notice text={revisionNotice(props.notice)} />
      <p>
        <a href={`/admin/posts/${data.post.id}`}>Back to the editor</a>
      </p>
      {revs.length < 2 ? (
        <p>Every save keeps a revision; once there are two, you can compare them here.</p>
      ) : (
        <p>
          Choose two revisions and compare them, or restore one: the post takes its content again as a new revision.
        </p>
      )}
      <form method="get" action={`/admin/posts/${data.post.id}/revisions/compare`}>
        <DataTable
          class="revisions-table"
          caption="Revisions, newest first"
          hiddenCaption
          columns={['Revision', 'Saved', 'Title', 'Compare from', 'Compare to']}
          actions={canRestore ? 'Restore' : undefined}
        >
          {revs.map((r, i) => (
            <tr key={r.number}>
              <th scope="row">
                {r.number}
                <span class="hint">
                  {KIND_LABEL[r.kind]} · {stateLabel(r.state)}
                </span>
              </th>
              <td data-label="Saved">
                <time dateTime={r.createdAt}>{formatDateTime(r.createdAt, site)}</time>
                {r.userName ? <span class="hint">by {r.userName}</span> : null}
              </td>
              <td data-label="Title">{r.title}</td>
              <td data-label="Compare from" class="revisions-table__pick">
                <input
                  type="radio"
                  name="from"
                  value={String(r.number)}
                  id={`from-${r.number}`}
                  checked={i === 1}
                  aria-label={`Compare from revision ${r.number}`}
                />
              </td>
              <td data-label="Compare to" class="revisions-table__pick">
                <input
                  type="radio"
                  name="to"
                  value={String(r.number)}
                  id={`to-${r.number}`}
                  checked={i === 0}
                  aria-label={`Compare to revision ${r.number}`}
                />
              </td>
              {canRestore ? (
                <td class="revisions-table__restore">
                  {i === 0 ? (
                    <span class="hint">Current content</span>
                  ) : (
                    <button type="submit" class="secondary" form={`restore-${r.number}`}>
                      Restore<span class="visually-hidden"> revision {r.number}</span>
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
        {revs.length >= 2 ? (
          <p>
            <button type="submit">Compare the chosen revisions</button>
          </p>
        ) : null}
      </form>
      {canRestore ? (
        <RestoreForms data={data} viewer={props.viewer} numbers={revs.slice(1).map((r) => r.number)} />
      ) : null}
    </>
  );
}

export function CompareView(props: {
  data: PostRevisions;
  from: RevisionSummary;
  to: RevisionSummary;
  changes: FieldDiff[];
  viewer: AdminViewer;
  site: SiteSettings;
}) {
  const { data, from, to, site } = props;
  const canRestore = data.post.canPublish || (data.post.state !== 'published' && data.post.state !== 'scheduled');
  const newest = data.revisions[0]?.number;
  const describe = (r: RevisionSummary) => (
    <>
      revision {r.number} ({KIND_LABEL[r.kind].toLowerCase()}{' '}
      <time dateTime={r.createdAt}>{formatDateTime(r.createdAt, site)}</time>
      {r.userName ? ` by ${r.userName}` : ''})
    </>
  );
  return (
    <>
      <h1 class="page-title">
        Revisions {from.number} and {to.number} of “{data.post.title}”
      </h1>
      <p>
        From {describe(from)} to {describe(to)}.
      </p>
      <p>
        <a href={`/admin/posts/${data.post.id}/revisions`}>All revisions</a> ·{' '}
        <a href={`/admin/posts/${data.post.id}`}>Back to the editor</a>
      </p>
      <DiffList changes={props.changes} headingLevel={2} />
      {canRestore ? (
        <>
          <RestoreForms
            data={data}
            viewer={props.viewer}
            numbers={[...new Set([from.number, to.number])].filter((n) => n !== newest)}
          />
          <p class="restore-actions">
            {[...new Set([from.number, to.number])]
              .filter((n) => n !== newest)
              .map((n) => (
                <button key={n} type="submit" class="secondary" form={`restore-${n}`}>
                  Restore revision {n}
                </button>
              ))}
          </p>
        </>
      ) : null}
    </>
  );
}
