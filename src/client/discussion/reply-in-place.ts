import { currentForm, element, focusOn, text } from './dom.ts';

/**
 * Replying in place (issue 16): "Reply" and "Quote" move the comment form under the comment answered, with
 * "Cancel reply", and put the cursor in it. Cancelling sends nothing: the form goes back to its place, answering
 * nobody, with the reader's text kept. Without JavaScript the links open the reply page instead.
 */

/** Where the form stood before it moved; null while it is in its place. */
let home: Comment | null = null;
let answering: string | null = null;

const LEAVE_A_COMMENT = 'Leave a comment';

function quoteField(form: HTMLFormElement, quote: string | null): void {
  let box = form.querySelector<HTMLTextAreaElement>('textarea[name="quote"]');
  if (quote === null) {
    box?.closest('.field')?.remove();
    return;
  }
  if (!box) {
    const field = element('div', 'field');
    const label = element('label', '', 'Quoted passage');
    label.htmlFor = 'comment-quote';
    const hint = element('p', 'field__hint', 'Trim it to the words you are answering.');
    hint.id = 'comment-quote-hint';
    box = element('textarea', '');
    box.id = 'comment-quote';
    box.name = 'quote';
    box.rows = 3;
    box.setAttribute('aria-describedby', 'comment-quote-hint');
    field.append(label, hint, box);
    form.querySelector('textarea[name="body"]')?.closest('.field')?.before(field);
  }
  box.value = quote;
}

function cancelButton(form: HTMLFormElement): void {
  if (form.querySelector('.comment-form__cancel-reply')) return;
  const button = element('button', 'comment-form__cancel-reply button--secondary', 'Cancel reply');
  button.type = 'button';
  button.addEventListener('click', () => cancelReply(true));
  form.querySelector('#respond-heading')?.after(button);
}

/** Opens the form under comment `id`, quoting `quote` (or nothing), with the cursor in the comment box. */
export function openReply(id: string, quote: string | null): void {
  const form = currentForm();
  const article = document.getElementById(`comment-${id}`);
  const parent = form?.querySelector<HTMLInputElement>('input[name="parent_id"]');
  const heading = form?.querySelector<HTMLElement>('#respond-heading');
  if (!form || !article?.matches('article.comment') || !parent || !heading) return;
  if (!home?.isConnected) {
    home = document.createComment('the comment form stands here');
    form.before(home);
  }
  answering = id;
  parent.value = id;
  heading.textContent = `Reply to ${text(article.querySelector('.comment__author'))}`;
  // The reply page's own "Replying to…" line (no JavaScript) would name another comment now.
  form.querySelector('.comment-form__replying')?.remove();
  quoteField(form, quote);
  cancelButton(form);
  form.classList.add('comment-form--in-place');
  article.after(form);
  form.querySelector<HTMLTextAreaElement>('textarea[name="body"]')?.focus();
  form.scrollIntoView({ block: 'nearest' });
}

/** Puts the form back in its place, answering nobody; `refocus`: back on the Reply link it came from. */
export function cancelReply(refocus: boolean): void {
  const form = currentForm();
  const was = answering;
  answering = null;
  if (!form) return;
  const parent = form.querySelector<HTMLInputElement>('input[name="parent_id"]');
  if (parent) parent.value = '';
  const heading = form.querySelector<HTMLElement>('#respond-heading');
  if (heading) heading.textContent = LEAVE_A_COMMENT;
  quoteField(form, null);
  // The reply page's own "Replying to…" line (no JavaScript), if the form came from there.
  form.querySelector('.comment-form__replying')?.remove();
  form.querySelector('.comment-form__cancel-reply')?.remove();
  form.classList.remove('comment-form--in-place');
  if (home?.isConnected) home.replaceWith(form);
  home = null;
  if (refocus && was) focusOn(document.querySelector<HTMLElement>(`#comment-${was} a[data-reply]`));
}
