import type {
  SuggestionDetail,
  SuggestionListRow,
  SuggestionTab,
} from '../../../modules/corrections/suggestion-review.service.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import type { SuggestionStatus } from '../../../storage/schema.ts';
import { revisionUrl } from '../../evidence/corrections-log.views.tsx';
import { type PassageFormFields, PassageInputs } from '../../evidence/suggest-correction.views.tsx';
import { CsrfField, ErrorSummary, Field } from '../../ui/form.tsx';
import { postUrl } from '../../ui/format.ts';
import { DataTable, Pager } from '../../ui/lists.tsx';
import { type AdminViewer, formatDateTime, Notice } from '../layout.tsx';

export const CORRECTIONS_PAGE = '/admin/corrections';
export const suggestionUrl = (id: number) => `${CORRECTIONS_PAGE}/${id}`;
export const fromCommentUrl = (commentId: number) => `${CORRECTIONS_PAGE}/from-comment/${commentId}`;
const suggestionsHref = (tab: string, page: number) => `${CORRECTIONS_PAGE}?status=${tab}&page=${page}`;
/** The editor with the suggestion applied (the accept flow; the editor side is posts/routes.tsx). */
export const acceptUrl = (postId: number, id: number) => `/admin/posts/${postId}/edit?suggestion=${id}`;

export const TAB_LABELS: Record<SuggestionTab, string> = {
  open: 'Open',
  needs_info: 'Waiting for the reader',
  held: 'Held for moderation',
  spam: 'Spam',
  accepted: 'Accepted',
  rejected: 'Rejected',
  trash: 'Trash',
};

const STATUS_LABELS: Record<SuggestionStatus, string> = {
  open: 'open',
  needs_info: 'waiting for the reader (asked for more)',
  held: 'held for moderation',
  spam: 'spam',
  accepted: 'accepted',
  rejected: 'rejected',
  trash: 'in the trash',
};

const clip = (s: string, max = 140) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

const URL_IN_TEXT = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’”]/gi;

/** A web address a reader typed, only if it really is http(s) (never javascript:, data: …). */
function safeHttpUrl(raw: string): string | null {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A reader's source: text, with each http(s) address a link marked as the reader's (nofollow ugc). */
export function ReaderSource(props: { text: string }) {
  const parts: preact.ComponentChildren[] = [];
  let last = 0;
  for (const m of props.text.matchAll(URL_IN_TEXT)) {
    if (m.index > last) parts.push(props.text.slice(last, m.index));
    const href = safeHttpUrl(m[0]);
    parts.push(
      href ? (
        <a key={m.index} href={href} rel="nofollow ugc noopener" target="_blank">
          {m[0]}
        </a>
      ) : (
        m[0]
      ),
    );
    last = m.index + m[0].length;
  }
  if (last < props.text.length) parts.push(props.text.slice(last));
  return <span class="reader-source">{parts}</span>;
}

/** Plain text with its line breaks kept (reader text is never markup). */
function Lines(props: { text: string }) {
  return (
    <>
      {props.text.split('\n').map((line, i) => (
        <p key={i}>{line}</p>
      ))}
    </>
  );
}

export function SuggestionListView(props: {
  tab: SuggestionTab;
  tabs: SuggestionTab[];
  rows: SuggestionListRow[];
  counts: Partial<Record<SuggestionStatus, number>>;
  page: number;
  hasMore: boolean;
  site: SiteSettings;
  notice?: string;
}) {
  return (
    <>
      <h1>Correction suggestions</h1>
      <Notice text={props.notice} />
      <nav class="admin-tabs" aria-label="Suggestions by status">
        <ul>
          {props.tabs.map((t) => (
            <li key={t}>
              <a href={`${CORRECTIONS_PAGE}?status=${t}`} aria-current={props.tab === t ? 'page' : undefined}>
                {TAB_LABELS[t]} <span class="count">({props.counts[t] ?? 0})</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {props.rows.length === 0 ? (
        <p>No suggestions here.</p>
      ) : (
        <DataTable
          class="suggestion-list"
          caption={`${TAB_LABELS[props.tab]} suggestions, newest first`}
          hiddenCaption
          columns={['Passage', 'Article', 'Reader', 'Received']}
        >
          {props.rows.map((r) => (
            <tr key={r.id}>
              <td>
                <a href={`${suggestionUrl(r.id)}#suggested-passage`}>“{clip(r.quote, 90)}”</a>
                <span class="suggestion-list__problem">{clip(r.problem)}</span>
                {r.comment_id !== null ? <span class="suggestion-list__from"> (from a comment)</span> : null}
              </td>
              <td>{r.post_title}</td>
              <td>{r.author_name}</td>
              <td>
                <time dateTime={r.created_at}>{formatDateTime(r.created_at, props.site)}</time>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <form method="get" action={`${CORRECTIONS_PAGE}/from-comment`} class="admin-form suggestion-from-comment">
        <Field
          id="from-comment-ref"
          label="Turn a comment into a suggestion"
          hint="The comment's number or its link (…/comments/123 or …#comment-123)."
        >
          {(a11y) => <input id="from-comment-ref" name="comment" type="text" maxLength={300} {...a11y} />}
        </Field>
        <p>
          <button type="submit" class="button--secondary">
            Open the comment
          </button>
        </p>
      </form>
      {props.page > 1 || props.hasMore ? (
        <Pager
          label="Pages of suggestions"
          status={`Page ${props.page}`}
          prev={props.page > 1 ? { href: suggestionsHref(props.tab, props.page - 1), text: 'Newer' } : undefined}
          next={props.hasMore ? { href: suggestionsHref(props.tab, props.page + 1), text: 'Older' } : undefined}
          rel
        />
      ) : null}
    </>
  );
}

export interface DecisionForms {
  reason: string;
  question: string;
  errors: Record<string, string>;
  message?: string;
}

function NoteForm(props: {
  id: number;
  viewer: AdminViewer;
  action: 'reject' | 'ask';
  field: 'reason' | 'question';
  label: string;
  hint: string;
  button: string;
  value: string;
  error?: string;
}) {
  const fieldId = `suggestion-${props.field}`;
  return (
    <form method="post" action={`${suggestionUrl(props.id)}/${props.action}`} class="admin-form suggestion-decision">
      <CsrfField csrf={props.viewer.csrf} />
      <Field id={fieldId} label={props.label} hint={props.hint} error={props.error}>
        {(a11y) => (
          <textarea id={fieldId} name={props.field} rows={3} maxLength={2000} {...a11y}>
            {props.value}
          </textarea>
        )}
      </Field>
      <p>
        <button type="submit">{props.button}</button>
      </p>
    </form>
  );
}

export function SuggestionDetailView(props: {
  detail: SuggestionDetail;
  viewer: AdminViewer;
  site: SiteSettings;
  /** May accept, reject and ask (review_corrections); otherwise only the moderation buttons. */
  mayReview: boolean;
  forms: DecisionForms;
  notice?: string;
}) {
  const { detail, viewer, forms } = props;
  const s = detail.suggestion;
  const undecided = s.status === 'open' || s.status === 'needs_info';
  const moderatable = s.status === 'held' || s.status === 'spam' || (props.mayReview && undecided);
  return (
    <>
      <p class="admin-breadcrumb">
        <a href={`${CORRECTIONS_PAGE}?status=${s.status}`}>Correction suggestions</a>
      </p>
      <h1>
        Suggestion on “<a href={postUrl(detail.post.slug)}>{detail.post.title}</a>”
      </h1>
      <Notice text={props.notice} />
      <ErrorSummary
        errors={forms.message || Object.keys(forms.errors).length > 0 ? forms.errors : undefined}
        idOf={(f) => `suggestion-${f}`}
        message={forms.message}
      />
      <section class="suggestion-card" aria-labelledby="suggestion-what">
        <h2 id="suggestion-what">What the reader says</h2>
        <dl class="suggestion-facts">
          <div>
            <dt>Status</dt>
            <dd>{STATUS_LABELS[s.status]}</dd>
          </div>
          <div>
            <dt>Passage they quoted</dt>
            <dd>
              <blockquote class="suggestion-quote">{s.quote}</blockquote>
              {detail.orphaned ? (
                <p class="suggestion-orphaned" role="note">
                  <strong>Orphaned:</strong> the passage is no longer in the article.
                </p>
              ) : detail.anchor && !detail.anchor.exact ? (
                <p class="suggestion-moved">
                  The article has changed here since; it now reads: “{detail.currentPassage}”.{' '}
                  <a href="#suggested-passage">See it in the article</a>
                </p>
              ) : (
                <p>
                  <a href="#suggested-passage">See it in the article</a>
                </p>
              )}
            </dd>
          </div>
          <div>
            <dt>What is wrong</dt>
            <dd class="suggestion-text">
              <Lines text={s.problem} />
            </dd>
          </div>
          <div>
            <dt>Proposed wording</dt>
            <dd class="suggestion-text">{s.proposed ? <Lines text={s.proposed} /> : 'none given'}</dd>
          </div>
          <div>
            <dt>Source</dt>
            <dd class="suggestion-text">{s.source_text ? <ReaderSource text={s.source_text} /> : 'none given'}</dd>
          </div>
          <div>
            <dt>Reader</dt>
            <dd>
              {s.author_name} ({s.author_email}){s.credit_ok ? ', agrees to be credited by name' : ', not to be named'}
            </dd>
          </div>
          <div>
            <dt>Made on</dt>
            <dd>
              {s.revision_number !== null ? (
                <a href={revisionUrl(detail.post.slug, s.revision_number)}>revision {s.revision_number}</a>
              ) : (
                'the article as it was'
              )}
              , <time dateTime={s.created_at}>{formatDateTime(s.created_at, props.site)}</time>
            </dd>
          </div>
          {s.comment_id !== null ? (
            <div>
              <dt>From a comment</dt>
              <dd>
                <a href={`/comments/${s.comment_id}`}>The reader's comment</a>
              </dd>
            </div>
          ) : null}
          {s.decision_note ? (
            <div>
              <dt>{s.status === 'needs_info' ? 'Question asked' : 'Reason given'}</dt>
              <dd class="suggestion-text">
                <Lines text={s.decision_note} />
                {detail.decidedByName ? <p>— {detail.decidedByName}</p> : null}
              </dd>
            </div>
          ) : null}
        </dl>
      </section>
      {props.mayReview && undecided ? (
        <section class="suggestion-card" aria-labelledby="suggestion-decide">
          <h2 id="suggestion-decide">Decide</h2>
          <p>
            <a class="button" href={acceptUrl(detail.post.id, s.id)}>
              Accept: edit the article with this change
            </a>
          </p>
          <NoteForm
            id={s.id}
            viewer={viewer}
            action="reject"
            field="reason"
            label="Reason for rejecting"
            hint="Required. The reader is told by email if their address is confirmed."
            button="Reject"
            value={forms.reason}
            error={forms.errors.reason}
          />
          <NoteForm
            id={s.id}
            viewer={viewer}
            action="ask"
            field="question"
            label="Question for the reader"
            hint="Ask for a source or a page number; the suggestion waits for the answer."
            button="Ask for more"
            value={forms.question}
            error={forms.errors.question}
          />
        </section>
      ) : null}
      {moderatable ? (
        <form method="post" action={`${suggestionUrl(s.id)}/moderate`} class="suggestion-moderate">
          <CsrfField csrf={viewer.csrf} />
          <fieldset>
            <legend>Moderation</legend>
            {s.status === 'held' || s.status === 'spam' ? (
              <button type="submit" name="action" value="approve">
                Approve: send to the editors
              </button>
            ) : null}{' '}
            {s.status !== 'spam' ? (
              <button type="submit" name="action" value="spam" class="button--secondary">
                Spam
              </button>
            ) : null}{' '}
            <button type="submit" name="action" value="trash" class="button--secondary">
              Trash
            </button>
          </fieldset>
        </form>
      ) : null}
      <section class="suggestion-article" aria-labelledby="suggestion-article-title">
        <h2 id="suggestion-article-title">The article as it is now</h2>
        {detail.orphaned ? <p>The quoted passage could not be found in this text.</p> : null}
        {/* The site's own sanitised render with <mark> around the passage; no reader text is in it. */}
        <div class="prose suggestion-article__body" dangerouslySetInnerHTML={{ __html: detail.highlightedHtml }} />
      </section>
    </>
  );
}

export interface FromCommentForm extends PassageFormFields {
  problem: string;
  proposed: string;
  source: string;
  confirming: boolean;
  errors: Record<string, string>;
  message?: string;
}

/** A moderator or editor turns a comment into a suggestion: the passage is found as in the readers' form. */
export function FromCommentView(props: {
  comment: { id: number; authorName: string; postTitle: string; postSlug: string; text: string };
  viewer: AdminViewer;
  form: FromCommentForm;
}) {
  const { comment, form } = props;
  const e = form.errors;
  return (
    <>
      <p class="admin-breadcrumb">
        <a href="/admin/moderation">Comments</a>
      </p>
      <h1>Turn a comment into a correction suggestion</h1>
      <ErrorSummary
        errors={form.message || Object.keys(e).length > 0 ? e : undefined}
        idOf={(f) => `from-comment-${f}`}
        message={form.message}
      />
      <section class="suggestion-card" aria-labelledby="from-comment-title">
        <h2 id="from-comment-title">
          {comment.authorName} on “<a href={postUrl(comment.postSlug)}>{comment.postTitle}</a>”
        </h2>
        <blockquote class="suggestion-comment">
          <Lines text={comment.text} />
        </blockquote>
        <p>
          <a href={`/comments/${comment.id}`}>The comment on the site</a>. The suggestion keeps this link; the reader's
          name and address come from the comment, and they are not credited by name.
        </p>
      </section>
      <form method="post" action={fromCommentUrl(comment.id)} class="admin-form">
        <CsrfField csrf={props.viewer.csrf} />
        {form.exact ? (
          <fieldset>
            <legend>{form.confirming ? 'Did you mean this passage?' : 'The passage'}</legend>
            <blockquote class="suggestion-quote" id="from-comment-quote">
              {form.exact}
            </blockquote>
            <PassageInputs passage={form} />
            <p>
              <button type="submit" name="intent" value="edit" class="button--secondary">
                Change the passage
              </button>
            </p>
          </fieldset>
        ) : (
          <Field
            id="from-comment-quote"
            label="The passage of the article the comment disputes"
            hint="Copy it from the article."
            error={e.quote}
          >
            {(a11y) => (
              <textarea id="from-comment-quote" name="quote" rows={3} maxLength={2000} {...a11y}>
                {form.quote}
              </textarea>
            )}
          </Field>
        )}
        <Field id="from-comment-problem" label="What is wrong" error={e.problem}>
          {(a11y) => (
            <textarea id="from-comment-problem" name="problem" rows={5} maxLength={4000} {...a11y}>
              {form.problem}
            </textarea>
          )}
        </Field>
        <Field id="from-comment-proposed" label="Proposed wording (optional)" error={e.proposed}>
          {(a11y) => (
            <textarea id="from-comment-proposed" name="proposed" rows={3} maxLength={4000} {...a11y}>
              {form.proposed}
            </textarea>
          )}
        </Field>
        <Field id="from-comment-source" label="Source (optional)" error={e.source}>
          {(a11y) => (
            <textarea id="from-comment-source" name="source" rows={2} maxLength={1000} {...a11y}>
              {form.source}
            </textarea>
          )}
        </Field>
        <p>
          <button type="submit">{form.confirming ? 'Yes, make the suggestion' : 'Make the suggestion'}</button>
        </p>
      </form>
    </>
  );
}
