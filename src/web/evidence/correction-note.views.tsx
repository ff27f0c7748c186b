import {
  CORRECTION_NOTE_FIELDS,
  CORRECTION_NOTE_LIMITS,
  type CorrectionNoteValues,
} from '../../modules/corrections/corrections-log.service.ts';
import { Choice, Field } from '../ui/form.tsx';

// The editor's "Correction or update note": filled in when publishing an edit of a published article, it becomes
// a dated entry in the article's public log. Opened from a reader's suggestion, it arrives filled in.

/** The reader's suggestion the editor was opened from (?suggestion=). */
export interface SuggestionContext {
  id: number;
  /** The reader's name, when they agreed to be credited. */
  creditName: string | null;
  /** Whether the proposed wording could be put into the body automatically. */
  applied: boolean;
  quote: string;
  proposed: string;
  /** Why it cannot be accepted any more (decided meanwhile), shown instead of the passage. */
  problem?: string;
}

export interface CorrectionNoteState {
  values: CorrectionNoteValues;
  suggestion?: SuggestionContext;
  /** Shown when a save kept the note in the form instead of the log (the post was not left published). */
  keptNotice?: string;
}

const fid = (name: string) => `post-${name}`;

/** One of the note's texts: a textarea when `rows` is given, else a one-line input. */
function NoteField(props: {
  name: keyof typeof CORRECTION_NOTE_LIMITS;
  label: string;
  hint?: string;
  value: string;
  errors: Record<string, string>;
  rows?: number;
}) {
  const field = CORRECTION_NOTE_FIELDS[props.name];
  return (
    <Field id={fid(field)} label={props.label} hint={props.hint} error={props.errors[field]}>
      {(a11y) =>
        props.rows ? (
          <textarea id={fid(field)} name={field} {...a11y} rows={props.rows} value={props.value} />
        ) : (
          <input
            id={fid(field)}
            name={field}
            {...a11y}
            type="text"
            maxLength={CORRECTION_NOTE_LIMITS[props.name]}
            value={props.value}
          />
        )
      }
    </Field>
  );
}

/** The fieldset inside the editor form (field names: correctionKind, correctionSummary, …, suggestionId). */
export function CorrectionNoteFieldset(props: { state: CorrectionNoteState; errors: Record<string, string> }) {
  const { values: v, suggestion } = props.state;
  const { errors } = props;
  const kindError = errors[CORRECTION_NOTE_FIELDS.kind];
  return (
    <fieldset class="correction-note" aria-describedby="correction-note-hint">
      <legend>Correction or update note</legend>
      <p class="field__hint" id="correction-note-hint">
        Optional. When you publish this edit with a note, readers see it, dated, under the article in “Corrections and
        updates”, with a link to this version. Saving without publishing keeps the note here.
      </p>
      {props.state.keptNotice ? (
        <p class="admin-notice" role="status">
          {props.state.keptNotice}
        </p>
      ) : null}
      {suggestion ? (
        <div class="correction-note__suggestion">
          <input type="hidden" name="suggestionId" value={String(suggestion.id)} />
          <p id={fid('suggestionId')} tabIndex={-1}>
            Accepting reader suggestion {suggestion.id}.{' '}
            {suggestion.problem
              ? ''
              : suggestion.applied
                ? 'The proposed wording is already in the body: check it before publishing.'
                : 'Could not apply automatically: make the change in the body yourself.'}
          </p>
          {errors.suggestionId || suggestion.problem ? (
            <p class="field__error">{errors.suggestionId ?? suggestion.problem}</p>
          ) : null}
          {suggestion.applied || suggestion.problem ? null : (
            <dl class="correction-note__passage">
              <dt>The quoted passage</dt>
              <dd>
                <q>{suggestion.quote}</q>
              </dd>
              <dt>Proposed wording</dt>
              <dd>{suggestion.proposed ? <q>{suggestion.proposed}</q> : <em>None given</em>}</dd>
            </dl>
          )}
        </div>
      ) : null}
      <fieldset aria-describedby={kindError ? `${fid(CORRECTION_NOTE_FIELDS.kind)}-error` : undefined}>
        <legend>Kind</legend>
        {kindError ? (
          <p class="field__error" id={`${fid(CORRECTION_NOTE_FIELDS.kind)}-error`}>
            {kindError}
          </p>
        ) : null}
        <Choice
          type="radio"
          id={fid(CORRECTION_NOTE_FIELDS.kind)}
          name={CORRECTION_NOTE_FIELDS.kind}
          value="correction"
          checked={v.kind !== 'update'}
        >
          Correction (the article was wrong)
        </Choice>
        <Choice
          type="radio"
          id={fid(`${CORRECTION_NOTE_FIELDS.kind}-update`)}
          name={CORRECTION_NOTE_FIELDS.kind}
          value="update"
          checked={v.kind === 'update'}
        >
          Update (something added or clarified)
        </Choice>
      </fieldset>
      <NoteField
        name="summary"
        label="What changed"
        hint="Required for a note, e.g. “The battle began in May 1939, not 1938.”"
        value={v.summary}
        errors={errors}
        rows={2}
      />
      <NoteField name="reason" label="Why" value={v.reason} errors={errors} rows={2} />
      <NoteField
        name="source"
        label="Source"
        hint="A web address (shown as a link), a citation, or free text."
        value={v.source}
        errors={errors}
      />
      {suggestion?.creditName ? (
        <Choice
          type="checkbox"
          id={fid(CORRECTION_NOTE_FIELDS.credit)}
          name={CORRECTION_NOTE_FIELDS.credit}
          value="1"
          checked={v.credit}
        >
          Credit {suggestion.creditName}
        </Choice>
      ) : null}
    </fieldset>
  );
}
