/**
 * Comment island: the discussion works without it (form POST, then 303). With it, replying and quoting happen
 * in place, a comment is posted without leaving the page, and a failed post keeps every word the reader wrote
 * (also across an accidental reload, in sessionStorage). The form token (an HttpOnly cookie) is asked for when
 * the reader starts writing: cached pages never set it (decision 035).
 */

interface ApiError {
  error?: { code?: string; message?: string; fields?: Record<string, string> };
}

const section = document.querySelector<HTMLElement>('#comments');
// The form is looked up each time: after a post the whole discussion (form included) is replaced.
const currentForm = () => document.querySelector<HTMLFormElement>('form#respond');
const form = currentForm();

function text(el: Element | null): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

if (form && section) {
  const slug =
    form.action
      .replace(/\/comments$/, '')
      .split('/')
      .filter(Boolean)
      .pop() ?? '';
  const draftKey = `annalist-draft:${slug}`;
  const bodyOf = () => currentForm()?.querySelector<HTMLTextAreaElement>('textarea[name="body"]') ?? null;
  const body = bodyOf();
  let lastSelection: { commentId: string; text: string } | null = null;

  // One form token per page view, asked for on the first focus or keystroke in the form, so its age tells the
  // server's too-fast check how long the reader wrote; again after a day (it lasts two) or after a refusal.
  const DAY_MS = 86_400_000;
  let token: { request: Promise<boolean>; at: number } | null = null;
  function askForToken(): Promise<boolean> {
    if (!token || Date.now() - token.at > DAY_MS) {
      const request = fetch('/form-token', { method: 'POST', credentials: 'same-origin' }).then(
        (res) => res.ok,
        () => false,
      );
      const asked = { request, at: Date.now() };
      token = asked;
      void request.then((ok) => {
        if (!ok && token === asked) token = null;
      });
    }
    return token.request;
  }
  const startWriting = (event: Event) => {
    if ((event.target as Element).closest('form#respond')) void askForToken();
  };
  section.addEventListener('focusin', startWriting);
  section.addEventListener('input', startWriting);

  // Keep a draft while typing, and bring it back after a reload.
  if (body) {
    const saved = sessionStorage.getItem(draftKey);
    if (saved && !body.value) body.value = saved;
    body.addEventListener('input', () => sessionStorage.setItem(draftKey, body.value));
  }

  // Remember the last text selected inside a comment, before a click on "Quote" clears it.
  document.addEventListener('selectionchange', () => {
    const sel = document.getSelection();
    if (!sel || sel.isCollapsed || !sel.anchorNode) return;
    const host = (sel.anchorNode instanceof Element ? sel.anchorNode : sel.anchorNode.parentElement)?.closest(
      'article.comment',
    );
    const quoted = sel.toString().replace(/\s+/g, ' ').trim();
    if (host && quoted) lastSelection = { commentId: host.id.replace('comment-', ''), text: quoted };
  });

  function status(kind: 'alert' | 'status', message: string, fields: Record<string, string> = {}) {
    const form = currentForm();
    const heading = form?.querySelector<HTMLElement>('#respond-heading');
    form?.querySelectorAll('.form-alert, .form-warning, .js-notice').forEach((n) => {
      n.remove();
    });
    const box = document.createElement('div');
    box.className = kind === 'alert' ? 'form-alert js-notice' : 'comment-notice js-notice';
    box.setAttribute('role', kind);
    const p = document.createElement('p');
    p.textContent = message;
    box.append(p);
    const entries = Object.entries(fields);
    if (entries.length) {
      const ul = document.createElement('ul');
      for (const [, m] of entries) {
        const li = document.createElement('li');
        li.textContent = m;
        ul.append(li);
      }
      box.append(ul);
    }
    heading?.after(box);
  }

  function setReply(commentId: string, quote: string | null) {
    const form = currentForm();
    const body = bodyOf();
    const parentInput = form?.querySelector<HTMLInputElement>('input[name="parent_id"]');
    const heading = form?.querySelector<HTMLElement>('#respond-heading');
    const article = document.getElementById(`comment-${commentId}`);
    if (!article || !parentInput || !heading) return;
    const author = text(article.querySelector('.comment__author'));
    parentInput.value = commentId;
    heading.textContent = `Reply to ${author}`;
    let quoteBox = form?.querySelector<HTMLTextAreaElement>('textarea[name="quote"]');
    if (quote !== null) {
      if (!quoteBox) {
        const field = document.createElement('div');
        field.className = 'field';
        field.innerHTML =
          '<label for="comment-quote">Quoted passage</label><p class="field__hint" id="comment-quote-hint">Trim it to the words you are answering.</p><textarea id="comment-quote" name="quote" rows="3" aria-describedby="comment-quote-hint"></textarea>';
        body?.closest('.field')?.before(field);
        quoteBox = field.querySelector('textarea');
      }
      if (quoteBox) quoteBox.value = quote;
    } else if (quoteBox) {
      quoteBox.closest('.field')?.remove();
    }
    form?.scrollIntoView({ block: 'start' });
    body?.focus();
  }

  section.addEventListener('click', (event) => {
    const link = (event.target as Element).closest<HTMLAnchorElement>('a[data-reply], a[data-quote]');
    if (!link) return;
    event.preventDefault();
    const id = link.dataset.reply ?? link.dataset.quote ?? '';
    if (link.dataset.quote) {
      // The whole comment, minus any passage it quotes itself, unless the reader selected part of it.
      const copy = document.querySelector(`#comment-${id} .comment__body`)?.cloneNode(true) as Element | undefined;
      copy?.querySelectorAll('.comment-quote').forEach((q) => {
        q.remove();
      });
      const whole = text(copy ?? null);
      setReply(id, lastSelection?.commentId === id ? lastSelection.text : whole);
    } else {
      setReply(id, null);
    }
  });

  section.addEventListener('submit', async (event) => {
    const form = event.target as HTMLFormElement;
    if (form.id !== 'respond') return;
    event.preventDefault();
    const body = bodyOf();
    const data = new FormData(form);
    const checking = (event as SubmitEvent).submitter?.getAttribute('value') === 'check';
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (button) button.disabled = true;
    try {
      if (!checking && !(await askForToken())) {
        status('alert', 'Your comment could not be sent just now. Your text is kept; try again in a moment.');
        return;
      }
      const res = await fetch(`/api/v1/posts/${slug}/comments${checking ? '/preview' : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({
          name: data.get('name'),
          email: data.get('email'),
          url: data.get('url') || undefined,
          body: data.get('body'),
          parent_id: data.get('parent_id') ? Number(data.get('parent_id')) : undefined,
          quote: data.get('quote') || undefined,
          homepage: data.get('homepage') || undefined,
          notify: data.get('notify') === '1',
        }),
      });
      const json = (await res.json().catch(() => ({}))) as ApiError & {
        comment?: { id: number; status: string };
        warnings?: { message: string }[];
      };
      if (checking && res.ok && json.warnings) {
        const reasons = Object.fromEntries(json.warnings.map((w, i) => [String(i), w.message]));
        if (json.warnings.length === 0)
          status('status', 'Nothing in your comment would hold it back. Post it when you are ready.');
        else status('alert', 'Your comment may be held for a moderator to read first, because:', reasons);
        return;
      }
      if (!res.ok || !json.comment) {
        // A used token (the same comment sent twice): a new one at once, aging while the reader reads this.
        if (json.error?.code === 'FORM_TOKEN_REPLAYED') {
          token = null;
          void askForToken();
        }
        status(
          'alert',
          json.error?.message ?? 'Your comment could not be posted. Your text is kept; try again.',
          json.error?.fields ?? {},
        );
        return;
      }
      sessionStorage.removeItem(draftKey);
      if (json.comment.status !== 'approved') {
        if (body) body.value = '';
        status(
          'status',
          'Thank you. Your comment is awaiting moderation and will appear once a moderator has read it.',
        );
        return;
      }
      // Show the discussion as it now stands, without leaving the page: asked of the server, never taken from
      // the browser's cache (a page may be kept there a moment: stale-while-revalidate).
      const page = await fetch(window.location.pathname, { credentials: 'same-origin', cache: 'no-cache' });
      const doc = new DOMParser().parseFromString(await page.text(), 'text/html');
      const fresh = doc.querySelector('#comments');
      if (fresh) {
        section.innerHTML = fresh.innerHTML;
        document.getElementById(`comment-${json.comment.id}`)?.scrollIntoView({ block: 'center' });
      }
      window.location.hash = `comment-${json.comment.id}`;
    } catch {
      status('alert', 'The site could not be reached. Your text is kept; try again in a moment.');
    } finally {
      if (button) button.disabled = false;
    }
  });
}

// A permalink to a comment that sits on another comments page: follow the pointer to that page.
const target = window.location.hash.match(/^#comment-(\d+)$/);
if (target) {
  const pointer = document.querySelector<HTMLAnchorElement>(`.comments-elsewhere > p#comment-${target[1]} a`);
  if (pointer) window.location.replace(pointer.href);
  // A long discussion has no pointers: the permalink route knows the page.
  else if (!document.getElementById(`comment-${target[1]}`)) window.location.replace(`/comments/${target[1]}`);
}
