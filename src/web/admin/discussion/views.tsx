import {
  DISCUSSION_NUMBER_LIMITS,
  type DiscussionArticle,
  MODERATION_WORDS_LIMITS,
} from '../../../modules/moderation/discussion-settings.service.ts';
import type { ModerationSettings } from '../../../modules/moderation/moderation.types.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { Choice, CsrfField, Field } from '../../ui/form.tsx';
import { formatDate, postUrl } from '../../ui/format.ts';
import { DataTable } from '../../ui/lists.tsx';
import { type AdminViewer, Notice, noticeLookup } from '../layout.tsx';

// The discussion settings page: the site-wide rules for comments, and each article's comment switch.

type NumericSetting = keyof typeof DISCUSSION_NUMBER_LIMITS;

/** The settings form as the person last saw or typed it: numbers as text, so a mistake is shown as typed. */
export type DiscussionFormValues = Record<NumericSetting, string> & {
  moderationWords: string;
  holdFirstComment: boolean;
};

export function formValuesOf(settings: ModerationSettings): DiscussionFormValues {
  const numbers = Object.fromEntries(
    Object.keys(DISCUSSION_NUMBER_LIMITS).map((k) => [k, String(settings[k as NumericSetting])]),
  ) as Record<NumericSetting, string>;
  return {
    ...numbers,
    moderationWords: settings.moderationWords.join('\n'),
    holdFirstComment: settings.holdFirstComment,
  };
}

/** Messages shown after a change, by key: never text taken from the address. */
const NOTICES: Record<string, string> = {
  saved: 'Discussion settings saved.',
  opened: 'Comments are open on the article again.',
  closed: 'Comments are closed on the article.',
};
export const discussionNoticeText = noticeLookup(NOTICES);

/** Label and hint for every numeric setting, in the order and groups the form shows them. */
const GROUPS: { legend: string; fields: { key: NumericSetting; label: string; hint: string }[] }[] = [
  {
    legend: 'Length',
    fields: [
      {
        key: 'minLength',
        label: 'Shortest comment (characters)',
        hint: 'Comments with fewer characters of text are refused, with the reason.',
      },
      {
        key: 'maxLength',
        label: 'Longest comment (characters)',
        hint: 'Longer comments are refused. Counted on the Markdown as typed.',
      },
      {
        key: 'maxNameLength',
        label: 'Longest name (characters)',
        hint: 'The name a reader signs a comment with; a longer one is refused.',
      },
    ],
  },
  {
    legend: 'Pace',
    fields: [
      {
        key: 'floodSeconds',
        label: 'Seconds between comments from one person',
        hint: 'From the same email or IP address; a comment sent sooner is refused. 0 turns the check off.',
      },
      {
        key: 'minFormSeconds',
        label: 'Fewest seconds to fill in the form',
        hint: 'A form sent back faster is a robot’s, and its comment goes to spam. 0 turns the check off.',
      },
    ],
  },
  {
    legend: 'Holding for review',
    fields: [
      {
        key: 'maxLinks',
        label: 'Most links in a comment',
        hint: 'Counting the website field. A comment with more links waits for a moderator.',
      },
      {
        key: 'reportThreshold',
        label: 'Reports that hold a published comment',
        hint: 'From different readers. The comment goes back to the queue until a moderator decides.',
      },
    ],
  },
  {
    legend: 'Threads and closing',
    fields: [
      {
        key: 'displayDepth',
        label: 'Levels of nested replies',
        hint: 'Deeper replies are shown at the last level, saying whom they answer.',
      },
      {
        key: 'closeAfterDays',
        label: 'Close comments after (days)',
        hint: 'Counted from publication. 0 keeps comments open for as long as each article’s own switch allows.',
      },
    ],
  },
];

const fieldId = (key: string) => `discussion-${key}`;

function SettingsForm(props: { values: DiscussionFormValues; errors: Record<string, string>; csrf: string }) {
  const { values, errors } = props;
  return (
    <form class="admin-form" method="post" action="/admin/discussion">
      <CsrfField csrf={props.csrf} />
      {GROUPS.map((g) => (
        <fieldset key={g.legend}>
          <legend>{g.legend}</legend>
          {g.fields.map((f) => {
            const limits = DISCUSSION_NUMBER_LIMITS[f.key];
            return (
              <Field
                key={f.key}
                id={fieldId(f.key)}
                label={f.label}
                hint={`${f.hint} From ${limits.min.toLocaleString('en-GB')} to ${limits.max.toLocaleString('en-GB')}.`}
                error={errors[f.key]}
              >
                {(a11y) => (
                  // Text, not type="number": a number field drops what cannot be read as a number, so a mistake
                  // could not be shown back as typed (and its spinner and scroll-wheel changes are easy to miss).
                  <input
                    id={fieldId(f.key)}
                    name={f.key}
                    type="text"
                    inputMode="numeric"
                    autoComplete="off"
                    spellcheck={false}
                    required
                    value={values[f.key]}
                    {...a11y}
                  />
                )}
              </Field>
            );
          })}
        </fieldset>
      ))}
      <fieldset>
        <legend>Watched words</legend>
        <Field
          id={fieldId('moderationWords')}
          label="Words and phrases that hold a comment"
          hint={`One word or phrase per line; capitals do not matter. A comment or name containing one waits for a moderator. At most ${MODERATION_WORDS_LIMITS.entries} lines of ${MODERATION_WORDS_LIMITS.length} characters.`}
          error={errors.moderationWords}
        >
          {(a11y) => (
            <textarea
              id={fieldId('moderationWords')}
              name="moderationWords"
              rows={8}
              value={values.moderationWords}
              {...a11y}
            />
          )}
        </Field>
        <Choice
          type="checkbox"
          id={fieldId('holdFirstComment')}
          name="holdFirstComment"
          value="1"
          checked={values.holdFirstComment}
          hint="Until an email address has one approved comment, its comments wait for a moderator. Comments written while signed in skip this check."
        >
          Hold a first comment for review
        </Choice>
      </fieldset>
      <p>
        <button type="submit">Save the settings</button>
      </p>
    </form>
  );
}

function ArticleState(props: { a: DiscussionArticle; closeAfterDays: number }) {
  const { a, closeAfterDays } = props;
  if (!a.commentsOpen) return <>Closed</>;
  if (!a.closedByAge) return <>Open</>;
  return (
    <>
      Closed
      <span class="hint">
        Over {closeAfterDays.toLocaleString('en-GB')} {closeAfterDays === 1 ? 'day' : 'days'} old
      </span>
    </>
  );
}

function ArticlesTable(props: {
  articles: DiscussionArticle[];
  closeAfterDays: number;
  csrf: string;
  site: SiteSettings;
}) {
  if (props.articles.length === 0) return <p class="empty">There are no articles yet.</p>;
  return (
    <DataTable
      caption="Articles, newest first, with their comments"
      hiddenCaption
      columns={['Article', 'Comments', 'Comments are']}
      actions="Open or close"
    >
      {props.articles.map((a) => {
        const action = a.commentsOpen ? 'close' : 'open';
        return (
          <tr key={a.id} id={`article-${a.id}`}>
            <td>
              <a href={postUrl(a.slug)}>{a.title}</a>
              <span class="hint">
                {a.publishedAt && a.status !== 'draft' ? (
                  <>
                    {a.status === 'scheduled' ? 'To be published ' : 'Published '}
                    <time dateTime={a.publishedAt}>
                      {formatDate(a.publishedAt, props.site.locale, props.site.timeZone)}
                    </time>
                  </>
                ) : (
                  'Draft'
                )}
              </span>
            </td>
            <td>{a.commentCount.toLocaleString('en-GB')}</td>
            <td>
              <ArticleState a={a} closeAfterDays={props.closeAfterDays} />
            </td>
            <td>
              <form method="post" action={`/admin/discussion/articles/${a.id}/${action}`}>
                <CsrfField csrf={props.csrf} />
                <button type="submit" class={a.commentsOpen ? 'secondary' : undefined}>
                  {a.commentsOpen ? 'Close comments' : 'Open comments'}
                  <span class="visually-hidden"> on {a.title}</span>
                </button>
              </form>
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}

export function DiscussionSettingsView(props: {
  values: DiscussionFormValues;
  errors: Record<string, string>;
  /** The settings in force (after a failed save, not what was typed). */
  closeAfterDays: number;
  articles: DiscussionArticle[];
  viewer: AdminViewer;
  site: SiteSettings;
  notice?: string;
}) {
  const errorKeys = Object.keys(props.errors);
  return (
    <>
      <h1 class="page-title">Discussion settings</h1>
      <Notice text={props.notice} />
      {errorKeys.length > 0 ? (
        <div class="admin-alert" role="alert">
          <p>Some settings need a correction; nothing was saved.</p>
          <ul>
            {errorKeys.map((k) => (
              <li key={k}>
                <a href={`#${fieldId(k)}`}>{props.errors[k]}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <p>
        These rules apply to every new comment on the site. Moderators work the queue under them; only editors and
        administrators change them.
      </p>
      <SettingsForm values={props.values} errors={props.errors} csrf={props.viewer.csrf} />
      <h2 id="articles">Comments on each article</h2>
      <p>
        Closing an article keeps its comments on show and stops new ones. An open article still closes when it is older
        than the limit above.
      </p>
      <ArticlesTable
        articles={props.articles}
        closeAfterDays={props.closeAfterDays}
        csrf={props.viewer.csrf}
        site={props.site}
      />
    </>
  );
}
