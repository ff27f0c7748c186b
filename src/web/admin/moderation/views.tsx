import type { Ban } from '../../../modules/moderation/ban-list.service.ts';
import { MODERATION_REASON_CODES, type ModerationReasonCode } from '../../../modules/moderation/moderation.types.ts';
import {
  type ModerationAction,
  type ModerationQueue,
  QUEUE_STATUSES,
  type QueueItem,
  type QueueQuery,
  type QueueStatus,
} from '../../../modules/moderation/queue.service.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { Choice } from '../../ui/form.tsx';
import { postUrl } from '../../ui/format.ts';
import { DataTable, Pagination } from '../../ui/lists.tsx';
import { type AdminViewer, FormTokens, formatDateTime, Notice } from '../layout.tsx';

// The comment moderation queue and the bans list (routes.tsx beside this).

/** Why a comment waits, in words a moderator reads at a glance. */
export const REASON_LABELS: Record<ModerationReasonCode, string> = {
  COMMENTS_CLOSED: 'Comments closed',
  TOO_SHORT: 'Too short',
  TOO_LONG: 'Too long',
  DUPLICATE: 'Duplicate',
  FLOOD: 'Posted too often',
  HONEYPOT: 'Robot trap filled in',
  TOO_FAST: 'Sent too fast',
  BANNED_EMAIL: 'Banned email',
  BANNED_IP: 'Banned IP address',
  BANNED_DOMAIN: 'Banned domain',
  BANNED_WORD: 'Banned word',
  TOO_MANY_LINKS: 'Too many links',
  MODERATION_WORD: 'Watched word',
  PROFANITY: 'Profanity',
  FIRST_COMMENT: 'First comment from this email',
  IDENTITY_NOT_CONFIRMED: 'Identity not confirmed (known email or name)',
  SPAM_CLASSIFIER: 'Looks like spam',
  REPORTED: 'Reported by readers',
};

const STATUS_LABELS: Record<QueueStatus, string> = { held: 'Held', spam: 'Spam', trash: 'Trash' };

const BAN_KIND_LABELS: Record<Ban['kind'], string> = {
  email: 'Email',
  ip: 'IP address',
  domain: 'Domain',
  word: 'Word',
};

/** What a moderator may do from each tab, in the order the buttons appear. */
const ACTIONS_BY_STATUS: Record<QueueStatus, { action: ModerationAction; label: string; style?: string }[]> = {
  held: [
    { action: 'approve', label: 'Approve' },
    { action: 'spam', label: 'Spam', style: 'secondary' },
    { action: 'trash', label: 'Trash', style: 'secondary' },
    { action: 'delete', label: 'Delete permanently', style: 'danger' },
  ],
  spam: [
    { action: 'approve', label: 'Not spam: approve' },
    { action: 'restore', label: 'Restore to held', style: 'secondary' },
    { action: 'trash', label: 'Trash', style: 'secondary' },
    { action: 'delete', label: 'Delete permanently', style: 'danger' },
  ],
  trash: [
    { action: 'restore', label: 'Restore to held' },
    { action: 'approve', label: 'Approve', style: 'secondary' },
    { action: 'spam', label: 'Spam', style: 'secondary' },
    { action: 'delete', label: 'Delete permanently', style: 'danger' },
  ],
};

/** Query string of the queue for `query`, with `changes` applied (undefined removes a key). */
export function queueHref(query: QueueQuery, changes: Partial<Record<string, string | undefined>> = {}): string {
  const params: Record<string, string | undefined> = {
    status: query.status,
    post: query.postId === undefined ? undefined : String(query.postId),
    reason: query.reason,
    author: query.author,
    page: query.page > 1 ? String(query.page) : undefined,
    ...changes,
  };
  const qs = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  ).toString();
  return qs ? `/admin/moderation?${qs}` : '/admin/moderation';
}

function QueueEntry(props: { c: QueueItem; query: QueueQuery; viewer: AdminViewer; back: string; site: SiteSettings }) {
  const { c, query, viewer, back } = props;
  const id = `c${c.id}`;
  const titleId = `${id}-title`;
  const base = `/admin/moderation/${c.id}`;
  const actions = ACTIONS_BY_STATUS[query.status];
  return (
    <li class="queue-item" id={`comment-${c.id}`}>
      <article aria-labelledby={titleId}>
        <div class="queue-item__header">
          <input type="checkbox" id={`${id}-select`} name="ids" value={String(c.id)} form="bulk" />
          <label for={`${id}-select`} class="visually-hidden">
            Select the comment by {c.authorName}
          </label>
          <h2 class="queue-item__title" id={titleId}>
            {c.authorName} on <a href={postUrl(c.post.slug)}>{c.post.title}</a>
          </h2>
        </div>
        <dl class="queue-item__meta">
          <div>
            <dt>Email</dt>
            <dd>
              <a href={queueHref(query, { author: c.authorEmail, page: undefined })}>{c.authorEmail}</a>
            </dd>
          </div>
          <div>
            <dt>IP address</dt>
            <dd>{c.ip ? <a href={queueHref(query, { author: c.ip, page: undefined })}>{c.ip}</a> : 'not recorded'}</dd>
          </div>
          <div>
            <dt>Written</dt>
            <dd>
              <time dateTime={c.createdAt}>{formatDateTime(c.createdAt, props.site)}</time>
            </dd>
          </div>
          {c.authorUrl ? (
            <div>
              <dt>Website</dt>
              <dd>{c.authorUrl}</dd>
            </div>
          ) : null}
          <div>
            <dt>Reports</dt>
            <dd>
              {c.reportCount}
              {c.reports.length > 0 ? (
                <ul class="queue-item__reports">
                  {c.reports.map((text, i) => (
                    <li key={i}>{text}</li>
                  ))}
                </ul>
              ) : null}
            </dd>
          </div>
          <div class="queue-item__reasons">
            <dt>Why it is here</dt>
            <dd>
              {c.reasons.length > 0 ? (
                <ul>
                  {c.reasons.map((r) => (
                    <li key={r.code} title={r.message || undefined}>
                      {REASON_LABELS[r.code]}
                    </li>
                  ))}
                </ul>
              ) : (
                'no reason recorded'
              )}
            </dd>
          </div>
        </dl>
        {/* Sanitised by the comment renderer when it was stored; the page's CSP forbids scripts besides. */}
        <div class="prose queue-item__body" dangerouslySetInnerHTML={{ __html: c.bodyHtml }} />
        <form class="queue-item__actions" method="post" action={`${base}/${actions[0]!.action}`}>
          <FormTokens csrf={viewer.csrf} back={back} />
          {actions.map((a) => (
            <button
              key={a.action}
              type="submit"
              class={a.style}
              formAction={`${base}/${a.action}`}
              aria-describedby={titleId}
            >
              {a.label}
            </button>
          ))}
        </form>
        <details>
          <summary>Edit the text</summary>
          <form method="post" action={`${base}/edit`}>
            <FormTokens csrf={viewer.csrf} back={back} />
            <div class="admin-field">
              <label for={`${id}-edit`}>Comment text (Markdown)</label>
              <textarea id={`${id}-edit`} name="body" rows={6} required value={c.bodyMd} />
            </div>
            <button type="submit">Save the change</button>
          </form>
        </details>
        <p class="queue-item__correction">
          <a href={`/admin/corrections/from-comment/${c.id}`} aria-describedby={titleId}>
            Turn into a correction suggestion
          </a>
        </p>
        {query.status === 'held' ? (
          <details>
            <summary>Reply</summary>
            <form method="post" action={`${base}/reply`}>
              <FormTokens csrf={viewer.csrf} back={back} />
              <div class="admin-field">
                <label for={`${id}-reply`}>Your reply, as {viewer.user.name} (Markdown)</label>
                <textarea id={`${id}-reply`} name="body" rows={4} required aria-describedby={`${id}-reply-hint`} />
                <span class="hint" id={`${id}-reply-hint`}>
                  Replying approves this comment too; your reply is published at once.
                </span>
              </div>
              <button type="submit">Approve and reply</button>
            </form>
          </details>
        ) : null}
        <details>
          <summary>Ban the writer</summary>
          <form method="post" action={`${base}/ban`}>
            <FormTokens csrf={viewer.csrf} back={back} />
            <fieldset>
              <legend>Ban by</legend>
              <Choice type="radio" id={`${id}-ban-email`} name="kind" value="email" checked>
                Email: {c.authorEmail}
              </Choice>
              {c.ip ? (
                <Choice type="radio" id={`${id}-ban-ip`} name="kind" value="ip">
                  IP address: {c.ip}
                </Choice>
              ) : null}
            </fieldset>
            <div class="admin-field">
              <label for={`${id}-ban-days`}>Days the ban lasts</label>
              <input
                id={`${id}-ban-days`}
                name="days"
                type="number"
                min={1}
                max={3650}
                inputMode="numeric"
                aria-describedby={`${id}-ban-days-hint`}
              />
              <span class="hint" id={`${id}-ban-days-hint`}>
                Leave empty for a ban without end.
              </span>
            </div>
            <div class="admin-field">
              <label for={`${id}-ban-reason`}>Reason (for moderators only)</label>
              <input id={`${id}-ban-reason`} name="reason" type="text" maxLength={200} />
            </div>
            <button type="submit">Add the ban</button>
          </form>
        </details>
      </article>
    </li>
  );
}

export function QueueView(props: {
  queue: ModerationQueue;
  query: QueueQuery;
  articles: { id: number; title: string }[];
  viewer: AdminViewer;
  site: SiteSettings;
  notice?: string;
}) {
  const { queue, query, viewer } = props;
  const back = queueHref(query);
  const filtered = query.postId !== undefined || query.reason !== undefined || query.author !== undefined;
  return (
    <>
      <h1 class="page-title">Comments</h1>
      <Notice text={props.notice} />
      <nav class="admin-tabs" aria-label="Comment queues">
        <ul>
          {QUEUE_STATUSES.map((s) => (
            <li key={s}>
              <a
                href={queueHref(query, { status: s, page: undefined })}
                aria-current={s === query.status ? 'page' : undefined}
              >
                {STATUS_LABELS[s]} <span class="count">({queue.counts[s]})</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <search>
        <form class="admin-filters" method="get" action="/admin/moderation">
          <input type="hidden" name="status" value={query.status} />
          <div>
            <label for="filter-post">Article</label>
            <select id="filter-post" name="post">
              <option value="">All articles</option>
              {props.articles.map((a) => (
                <option key={a.id} value={String(a.id)} selected={a.id === query.postId}>
                  {a.title}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="filter-reason">Reason</label>
            <select id="filter-reason" name="reason">
              <option value="">Any reason</option>
              {MODERATION_REASON_CODES.map((code) => (
                <option key={code} value={code} selected={code === query.reason}>
                  {REASON_LABELS[code]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="filter-author">Writer</label>
            <input
              id="filter-author"
              name="author"
              type="search"
              value={query.author ?? ''}
              aria-describedby="filter-author-hint"
            />
            <span class="hint" id="filter-author-hint">
              Part of a name, or a whole email or IP address
            </span>
          </div>
          <div class="admin-filters__submit">
            <button type="submit">Filter</button>
          </div>
          {filtered ? (
            <p>
              <a href={queueHref({ status: query.status, page: 1 })}>Show all</a>
            </p>
          ) : null}
        </form>
      </search>
      {queue.items.length === 0 ? (
        <p class="empty">
          {filtered
            ? `No ${STATUS_LABELS[query.status].toLowerCase()} comments match these filters.`
            : `No ${STATUS_LABELS[query.status].toLowerCase()} comments.`}
        </p>
      ) : (
        <>
          <form id="bulk" class="admin-bulk" method="post" action="/admin/moderation/bulk">
            <FormTokens csrf={viewer.csrf} back={back} />
            <label for="bulk-action">With the selected comments</label>
            <select id="bulk-action" name="action">
              {ACTIONS_BY_STATUS[query.status].map((a) => (
                <option key={a.action} value={a.action}>
                  {a.label}
                </option>
              ))}
            </select>
            <button type="submit">Apply</button>
          </form>
          <ol class="queue">
            {queue.items.map((c) => (
              <QueueEntry key={c.id} c={c} query={query} viewer={viewer} back={back} site={props.site} />
            ))}
          </ol>
          <Pagination
            paged={queue}
            base="/admin/moderation"
            query={Object.fromEntries(new URLSearchParams(queueHref(query, { page: undefined }).split('?')[1] ?? ''))}
          />
        </>
      )}
    </>
  );
}

export function BansView(props: { bans: Ban[]; viewer: AdminViewer; site: SiteSettings; notice?: string }) {
  const { viewer, site } = props;
  return (
    <>
      <h1 class="page-title">Bans</h1>
      <Notice text={props.notice} />
      <p>
        A comment from a banned email, IP address or domain, or containing a banned word, is kept as spam and never
        shown.
      </p>
      {props.bans.length === 0 ? (
        <p class="empty">No bans are in force.</p>
      ) : (
        <DataTable
          caption="Bans in force"
          hiddenCaption
          columns={['Kind', 'Banned', 'Reason', 'Since', 'Until']}
          actions="Lift"
        >
          {props.bans.map((b) => (
            <tr key={b.id}>
              <td>{BAN_KIND_LABELS[b.kind]}</td>
              <td>{b.value}</td>
              <td>{b.reason}</td>
              <td>
                <time dateTime={b.createdAt}>{formatDateTime(b.createdAt, site)}</time>
              </td>
              <td>
                {b.expiresAt ? <time dateTime={b.expiresAt}>{formatDateTime(b.expiresAt, site)}</time> : 'No end'}
              </td>
              <td>
                <form method="post" action={`/admin/bans/${b.id}/remove`}>
                  <FormTokens csrf={viewer.csrf} back="/admin/bans" />
                  <button type="submit" class="secondary">
                    Lift<span class="visually-hidden"> the ban on {b.value}</span>
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <h2>Add a ban</h2>
      <form class="admin-form" method="post" action="/admin/bans">
        <FormTokens csrf={viewer.csrf} back="/admin/bans" />
        <p>
          <label for="ban-kind">Ban by</label>
          <select id="ban-kind" name="kind">
            {Object.entries(BAN_KIND_LABELS).map(([kind, label]) => (
              <option key={kind} value={kind}>
                {label}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label for="ban-value">Email, IP address, domain or word</label>
          <input id="ban-value" name="value" type="text" required maxLength={254} />
        </p>
        <p>
          <label for="ban-days">Days the ban lasts</label>
          <input
            id="ban-days"
            name="days"
            type="number"
            min={1}
            max={3650}
            inputMode="numeric"
            aria-describedby="ban-days-hint"
          />
          <span class="hint" id="ban-days-hint">
            Leave empty for a ban without end.
          </span>
        </p>
        <p>
          <label for="ban-reason">Reason (for moderators only)</label>
          <input id="ban-reason" name="reason" type="text" maxLength={200} />
        </p>
        <p>
          <button type="submit">Add the ban</button>
        </p>
      </form>
    </>
  );
}
