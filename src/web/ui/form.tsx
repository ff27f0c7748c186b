import type { ComponentChildren } from 'preact';

// The form parts every page shares, staff and readers alike: a labelled field, the error summary, the CSRF field.
// Their classes and ids are what the stylesheets and the tests look for: keep them as they are.

/** Messages of a refused form by field name. */
export type FieldErrors = Record<string, string>;

/** Field errors of one form on a page with several, keyed by the form ("settings", "add-sidebar", "widget-12"…). */
export interface FormErrors {
  form: string;
  fields: FieldErrors;
}

/** What a field's control carries, besides its id, so that its hint and error are read with it. */
export interface FieldControl {
  'aria-describedby'?: string;
  'aria-invalid'?: 'true';
}

/**
 * A labelled field with its hint and error, tied together for screen readers. The control (input, textarea,
 * select…) comes from `children`, with the same id and the attributes to spread on it:
 * `{(a11y) => <input id="x" name="x" {...a11y} />}`.
 */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (control: FieldControl) => ComponentChildren;
}) {
  const { id, hint, error } = props;
  return (
    <div class={error ? 'field field--error' : 'field'}>
      <label for={id}>{props.label}</label>
      <HintAndError id={id} hint={hint} error={error} />
      {props.children({
        'aria-describedby': describedByOf(id, hint, error),
        'aria-invalid': error ? 'true' : undefined,
      })}
    </div>
  );
}

/** The ids of a control's hint and error paragraphs (`<id>-hint`, `<id>-error`), those it has. */
const describedByOf = (id: string, hint: unknown, error: string | undefined): string | undefined =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

/** A control's hint, then its error, each with the id its control names in aria-describedby. */
function HintAndError(props: { id: string; hint?: ComponentChildren; error?: string }) {
  return (
    <>
      {props.hint ? (
        <p class="field__hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field__error" id={`${props.id}-error`}>
          {props.error}
        </p>
      ) : null}
    </>
  );
}

/** A one-line field inside Field: text unless `type` says otherwise, no browser autofill unless `autoComplete`. */
export function TextField(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  hint?: string;
  error?: string;
  type?: 'text' | 'email' | 'url';
  required?: boolean;
  maxLength?: number;
  inputMode?: 'numeric';
  list?: string;
  autoComplete?: string;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(a11y) => (
        <input
          id={props.id}
          name={props.name}
          // Preact types each input type separately; these three take the same attributes.
          type={(props.type ?? 'text') as 'text'}
          value={props.value}
          required={props.required}
          maxLength={props.maxLength}
          inputMode={props.inputMode}
          list={props.list}
          autoComplete={props.autoComplete ?? 'off'}
          {...a11y}
        />
      )}
    </Field>
  );
}

/** A textarea inside Field; its text goes between the tags, where a browser keeps line breaks as typed. */
export function TextareaField(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  rows: number;
  hint?: string;
  error?: string;
  maxLength?: number;
  required?: boolean;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(a11y) => (
        <textarea
          id={props.id}
          name={props.name}
          rows={props.rows}
          maxLength={props.maxLength}
          required={props.required}
          {...a11y}
        >
          {props.value}
        </textarea>
      )}
    </Field>
  );
}

/** A password inside Field: `new-password` (with the least length) or the `current-password` one has. */
export function PasswordField(props: {
  id: string;
  name: string;
  label: string;
  autoComplete: 'new-password' | 'current-password';
  hint?: string;
  error?: string;
  required?: boolean;
  minLength?: number;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(a11y) => (
        <input
          id={props.id}
          name={props.name}
          type="password"
          autoComplete={props.autoComplete}
          required={props.required}
          minLength={props.minLength}
          {...a11y}
        />
      )}
    </Field>
  );
}

/**
 * A checkbox or radio button with its label after it; its hint and error, when given, below, read with it. The
 * label comes from `children`.
 */
export function Choice(props: {
  type: 'checkbox' | 'radio';
  id: string;
  name: string;
  value: string;
  checked?: boolean;
  required?: boolean;
  hint?: ComponentChildren;
  error?: string;
  children: ComponentChildren;
}) {
  const { id, hint, error } = props;
  return (
    <>
      <div class="choice">
        <input
          type={props.type}
          id={id}
          name={props.name}
          value={props.value}
          checked={props.checked}
          required={props.required}
          aria-describedby={describedByOf(id, hint, error)}
        />
        <label for={id}>{props.children}</label>
      </div>
      <HintAndError id={id} hint={hint} error={error} />
    </>
  );
}

/** A trap for robots on readers' forms: hidden from people and assistive technology, so only robots fill it. */
export function HoneypotField(props: { id: string }) {
  return (
    <div class="hp" aria-hidden="true">
      <label for={props.id}>Leave this field empty</label>
      <input id={props.id} name="homepage" type="text" tabIndex={-1} autocomplete="off" value="" />
    </div>
  );
}

/** The messages when there are any, else undefined: for forms whose summary shows only with field errors. */
export const someErrors = (errors: FieldErrors | undefined): FieldErrors | undefined =>
  errors && Object.keys(errors).length > 0 ? errors : undefined;

/**
 * The error summary at the top of a page after a refused form, announced at once: the message, then each field's
 * message linking to its field (ids from `idOf`), in `order` when given. Nothing when `errors` is undefined.
 */
export function ErrorSummary(props: {
  errors: FieldErrors | undefined;
  idOf: (field: string) => string;
  message?: string;
  order?: readonly string[];
}) {
  const { errors } = props;
  if (!errors) return null;
  const keys = props.order ? props.order.filter((k) => errors[k]) : Object.keys(errors);
  return (
    <div class="admin-alert" role="alert">
      <p>{props.message ?? 'Something needs a correction; nothing was saved.'}</p>
      {keys.length > 0 ? (
        <ul>
          {keys.map((k) => (
            <li key={k}>
              <a href={`#${props.idOf(k)}`}>{errors[k]}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * The submit button of a form about one item of a list (a category, a widget, a menu link): its words, then the
 * item's name for screen readers, so that each of the list's buttons says what it acts on.
 */
export function ItemButton(props: { label: string; item: string; class?: string }) {
  return (
    <button type="submit" class={props.class}>
      {props.label}
      <span class="visually-hidden">: {props.item}</span>
    </button>
  );
}

/** The staff session's CSRF token in a form (src/web/admin/session.ts checks it on every staff POST). */
export function CsrfField(props: { csrf: string }) {
  return <input type="hidden" name="csrf" value={props.csrf} />;
}
