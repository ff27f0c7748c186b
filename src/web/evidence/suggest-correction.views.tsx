import type { Article } from '../../modules/content/content.types.ts';
import { HoneypotField, TextareaField, TextField } from '../ui/form.tsx';
import { postUrl } from '../ui/format.ts';

/** The reader's form page for a correction suggestion. */
export const suggestUrl = (slug: string) => `/${slug}/corrections/new`;
/** Where the reader lands after sending one. */
export const suggestSentUrl = (slug: string) => `/${slug}/corrections/sent`;

/** The way into "Suggest a correction" below an article (works without JavaScript). */
export function SuggestCorrectionLink(props: { article: Article }) {
  return (
    <p class="suggest-correction">
      <a class="suggest-correction__link" href={suggestUrl(props.article.slug)}>
        Suggest a correction
      </a>
    </p>
  );
}

/**
 * The passage a suggestion is about, as its form carries it: the words typed (`quote`) and, once found in the
 * article, its quote selector (exact text, the text around it, its position), sent back unchanged.
 */
export interface PassageFormFields {
  quote: string;
  exact: string;
  prefix: string;
  suffix: string;
  start: string;
  end: string;
}

/** The found passage's hidden fields, in a suggestion form (the readers' one, or staff's from a comment). */
export function PassageInputs(props: { passage: PassageFormFields }) {
  const v = props.passage;
  return (
    <>
      <input type="hidden" name="exact" value={v.exact} />
      <input type="hidden" name="prefix" value={v.prefix} />
      <input type="hidden" name="suffix" value={v.suffix} />
      <input type="hidden" name="start" value={v.start} />
      <input type="hidden" name="end" value={v.end} />
      <input type="hidden" name="quote" value={v.quote} />
    </>
  );
}

/** What the form shows: the reader's values (kept after a refusal), errors, and a passage to confirm. */
export interface SuggestionFormState {
  values: PassageFormFields & {
    problem: string;
    proposed: string;
    source: string;
    name: string;
    email: string;
    credit: boolean;
    notify: boolean;
  };
  errors: Record<string, string>;
  message: string | null;
  /** The typed passage was not found verbatim; this one is close ("Did you mean …?"). */
  confirming: boolean;
  /**
   * The form came without a form token and waits for the reader to send it again (decision 035); `again`: it
   * was this confirm page's own form that came back without one.
   */
  confirmSend: 'first' | 'again' | null;
  user: { name: string } | null;
}

export const emptySuggestionForm = (): SuggestionFormState => ({
  values: {
    quote: '',
    exact: '',
    prefix: '',
    suffix: '',
    start: '',
    end: '',
    problem: '',
    proposed: '',
    source: '',
    name: '',
    email: '',
    credit: false,
    notify: false,
  },
  errors: {},
  message: null,
  confirming: false,
  confirmSend: null,
  user: null,
});

/** Field ids in the page, for the error summary's links. */
const FIELD_IDS: Record<string, string> = {
  quote: 'suggest-quote',
  problem: 'suggest-problem',
  proposed: 'suggest-proposed',
  source: 'suggest-source',
  name: 'suggest-name',
  email: 'suggest-email',
};

function Input(props: {
  id: string;
  name: 'name' | 'email';
  label: string;
  type: 'text' | 'email';
  value: string;
  error?: string;
  maxLength: number;
}) {
  return <TextField {...props} required autoComplete={props.name} />;
}

/** The passage chosen by the selection island (or the closest one to what was typed), kept in hidden fields. */
function ChosenPassage(props: { form: SuggestionFormState }) {
  const { form } = props;
  const v = form.values;
  return (
    <fieldset class="suggest-form__passage">
      <legend>{form.confirming ? 'Did you mean this passage?' : 'The passage you chose'}</legend>
      <blockquote class="suggest-form__quote" id="suggest-quote">
        <p>{v.exact}</p>
      </blockquote>
      <PassageInputs passage={v} />
      {form.confirming ? (
        <p class="suggest-form__confirm-note">
          The words you typed are not exactly in the article; this is the closest passage. Send the form to confirm it,
          or{' '}
          <button type="submit" name="intent" value="edit" class="button--link">
            change what you quoted
          </button>
          .
        </p>
      ) : (
        <p>
          <button type="submit" name="intent" value="edit" class="button--link">
            Quote another passage
          </button>
        </p>
      )}
    </fieldset>
  );
}

/** The form page: works without JavaScript (the passage typed or pasted), or opened by the selection button. */
export function SuggestCorrectionPage(props: { article: { slug: string; title: string }; form: SuggestionFormState }) {
  const { form, article } = props;
  const v = form.values;
  const e = form.errors;
  const errorKeys = Object.keys(e);
  const chosen = v.exact !== '';
  return (
    <section class="suggest-page" aria-labelledby="suggest-title">
      <h1 id="suggest-title" class="page-title">
        {form.confirmSend ? 'Confirm your suggestion' : 'Suggest a correction'}
      </h1>
      <p class="suggest-page__to">
        To <a href={postUrl(article.slug)}>{article.title}</a>. The editors read every suggestion and check it against
        the sources; accepted corrections are listed under the article.
      </p>
      {form.confirmSend === 'first' ? (
        <p>
          Your suggestion is not sent yet: your browser had no form token from this site. Read it over, then send it.
        </p>
      ) : null}
      <form method="post" action={suggestUrl(article.slug)} class="suggest-form" novalidate>
        {form.message || errorKeys.length > 0 ? (
          <div class="form-alert" role="alert">
            {form.message ? <p>{form.message}</p> : null}
            {errorKeys.length > 0 ? (
              <ul>
                {errorKeys.map((k) => (
                  <li key={k}>
                    <a href={`#${FIELD_IDS[k] ?? 'suggest-quote'}`}>{e[k]}</a>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {chosen ? (
          <ChosenPassage form={form} />
        ) : (
          <TextareaField
            id="suggest-quote"
            name="quote"
            label="The passage that is wrong"
            hint="Copy the words from the article: a sentence or two is enough."
            error={e.quote}
            value={v.quote}
            rows={3}
            maxLength={2000}
            required
          />
        )}
        <TextareaField
          id="suggest-problem"
          name="problem"
          label="What is wrong"
          hint="Plain text. Say what the passage gets wrong and how you know."
          error={e.problem}
          value={v.problem}
          rows={5}
          maxLength={4000}
          required
        />
        <TextareaField
          id="suggest-proposed"
          name="proposed"
          label="What it should say (optional)"
          hint="The passage as you would write it."
          error={e.proposed}
          value={v.proposed}
          rows={3}
          maxLength={4000}
        />
        <TextareaField
          id="suggest-source"
          name="source"
          label="Your source (optional)"
          hint="A web address, a book or article with page numbers, or an archive reference."
          error={e.source}
          value={v.source}
          rows={2}
          maxLength={1000}
        />
        {form.user ? (
          <p class="suggest-form__user">
            Suggesting as <strong>{form.user.name}</strong>.
          </p>
        ) : (
          <div class="suggest-form__who">
            <Input
              id="suggest-name"
              name="name"
              label="Name"
              type="text"
              value={v.name}
              error={e.name}
              maxLength={80}
            />
            <Input
              id="suggest-email"
              name="email"
              label="Email (never shown)"
              type="email"
              value={v.email}
              error={e.email}
              maxLength={254}
            />
          </div>
        )}
        <HoneypotField id="suggest-hp" />
        <p class="suggest-form__check">
          <input id="suggest-credit" name="credit" type="checkbox" value="1" checked={v.credit} />{' '}
          <label for="suggest-credit">Credit me by name in the corrections log if the correction is accepted</label>
        </p>
        <p class="suggest-form__check">
          <input id="suggest-notify" name="notify" type="checkbox" value="1" checked={v.notify} />{' '}
          <label for="suggest-notify">Tell me what happens by email (we ask you to confirm your address first)</label>
        </p>
        <p class="suggest-form__buttons">
          <button type="submit" class="button" {...(form.confirmSend ? CONFIRM : {})}>
            {form.confirming ? 'Yes, send the suggestion' : 'Send the suggestion'}
          </button>
        </p>
      </form>
    </section>
  );
}

/** After sending: what happens next. */
export function SuggestionSentPage(props: {
  article: { slug: string; title: string };
  held: boolean;
  confirmationSent: boolean;
}) {
  return (
    <section class="suggest-page" aria-labelledby="suggest-title">
      <h1 id="suggest-title" class="page-title">
        Thank you for your suggestion
      </h1>
      {/* role=status: a screen reader hears the outcome first. */}
      {props.held ? (
        <p>
          A moderator will look at it first, as with some comments; then it goes to the editors, who check it against
          the sources.
        </p>
      ) : (
        <p>It has gone to the editors, who will check it against the sources.</p>
      )}
      <p>
        If they accept it, the article is corrected and the change is listed in its corrections log. If you asked to be
        told, you will hear what they decide by email.
      </p>
      {props.confirmationSent ? (
        <p>We have sent you an email: open the link in it to confirm your address, or we cannot write to you.</p>
      ) : null}
      <p>
        <a href={postUrl(props.article.slug)}>Back to “{props.article.title}”</a>
      </p>
    </section>
  );
}

/** The send button of a confirmation names its intent; a plain send names none (an empty one is refused). */
const CONFIRM = { name: 'intent', value: 'confirm' } as const;
