/**
 * Post editor island. The editor is a plain form that saves without it; with it, the preview follows the body
 * as the writer types (rendered by the server's own pipeline), what is typed is kept automatically every ten
 * seconds and when the window loses focus (never touching the saved post; a new post's first autosave creates
 * it as a draft), and a button hides everything but the writing (a class on the body; the rest is CSS).
 */

const form = document.querySelector<HTMLFormElement>('form.editor');

function fields(f: HTMLFormElement, drop: string[] = []): URLSearchParams {
  const data = new URLSearchParams();
  for (const [k, v] of new FormData(f)) if (typeof v === 'string' && !drop.includes(k)) data.append(k, v);
  return data;
}

function post(url: string, body: URLSearchParams): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: body.toString(),
  });
}

function say(el: Element | null, text: string) {
  if (el) el.textContent = text;
}

if (form) {
  const editor = form;
  const csrf = form.querySelector<HTMLInputElement>('input[name="csrf"]')?.value ?? '';
  const body = form.querySelector<HTMLTextAreaElement>('textarea[name="body"]');
  const preview = document.querySelector<HTMLElement>('.editor__preview-body');
  const previewStatus = document.querySelector('.editor__preview-status');
  const autosaveStatus = document.querySelector('.editor__autosave-status');

  // ---- Live preview: debounced; a late answer to an older request never replaces a newer one ----
  const previewUrl = form.dataset.previewUrl;
  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  let sent = 0;
  let shown = 0;
  async function refreshPreview() {
    if (!body || !preview || !previewUrl) return;
    const seq = ++sent;
    try {
      const res = await post(previewUrl, new URLSearchParams({ csrf, body: body.value }));
      if (!res.ok) throw new Error(String(res.status));
      const data = (await res.json()) as { html?: string };
      if (seq < shown || typeof data.html !== 'string') return;
      shown = seq;
      // The HTML comes from our own server over a same-origin request, rendered and sanitised by the same
      // pipeline as the public page; the CSP forbids inline script in any case.
      preview.innerHTML = data.html;
      say(previewStatus, '');
    } catch {
      say(previewStatus, 'The preview could not be updated; it shows the last version that could.');
    }
  }
  body?.addEventListener('input', () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 400);
  });

  // ---- Autosave: every 10 s when something changed, and when the body or the window loses focus ----
  // A post never saved is created as a draft by its first autosave; the page then carries on at its address
  // (so a reload opens the draft), and the form saves that draft instead of creating another post.
  let autosaveUrl = form.dataset.autosaveUrl;
  const createUrl = form.dataset.autosaveNewUrl;
  const title = form.querySelector<HTMLInputElement>('input[name="title"]');
  let changed = false;
  let saving = false;
  let inFlight: Promise<void> | undefined;
  form.addEventListener('input', () => {
    changed = true;
  });
  function becomeDraft(data: { editUrl?: unknown; autosaveUrl?: unknown; version?: unknown }) {
    if (typeof data.editUrl !== 'string' || typeof data.autosaveUrl !== 'string') return;
    history.replaceState(history.state, '', data.editUrl);
    editor.action = data.editUrl;
    autosaveUrl = data.autosaveUrl;
    let version = editor.querySelector<HTMLInputElement>('input[name="version"]');
    if (!version) {
      version = document.createElement('input');
      version.type = 'hidden';
      version.name = 'version';
      editor.prepend(version);
    }
    version.value = String(data.version);
  }
  async function keep(url: string) {
    try {
      const res = await post(url, fields(editor, ['action', 'formId', 'preflightSeen']));
      if (!res.ok) throw new Error(String(res.status));
      const data = (await res.json()) as { savedAt?: string; editUrl?: unknown; autosaveUrl?: unknown };
      if (url === createUrl) becomeDraft(data);
      const at = data.savedAt ? new Date(data.savedAt) : new Date();
      const time = at.toLocaleTimeString(document.documentElement.lang || undefined, {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      say(
        autosaveStatus,
        url === createUrl
          ? `Kept automatically as a draft at ${time}.`
          : `Kept automatically at ${time} (not saved yet).`,
      );
    } catch {
      changed = true;
      say(autosaveStatus, 'Your changes could not be kept automatically; save the post to be safe.');
    }
  }
  async function autosave() {
    // A new post is kept once there is something to keep.
    const url = autosaveUrl ?? (title?.value.trim() || body?.value.trim() ? createUrl : undefined);
    if (!url || !changed || saving) return;
    saving = true;
    changed = false;
    inFlight = keep(url);
    try {
      await inFlight;
    } finally {
      saving = false;
      inFlight = undefined;
    }
  }
  if (autosaveUrl || createUrl) {
    setInterval(autosave, 10_000);
    window.addEventListener('blur', autosave);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void autosave();
    });
    form.addEventListener('focusout', (e) => {
      if (e.target === body) void autosave();
    });
  }
  // A real save makes the autosave pointless: stop it from racing the form. A save pressed while a new post's
  // first autosave is on its way waits for it, then goes to the draft it created.
  form.addEventListener('submit', (e) => {
    changed = false;
    if (!inFlight) return;
    e.preventDefault();
    const submitter = e.submitter instanceof HTMLButtonElement ? e.submitter : undefined;
    void inFlight.then(() => editor.requestSubmit(submitter));
  });

  // ---- Distraction-free mode ----
  const toggle = document.querySelector<HTMLButtonElement>('.editor-focus-toggle');
  if (toggle) {
    toggle.hidden = false;
    const set = (on: boolean) => {
      document.body.classList.toggle('editor-focus', on);
      toggle.setAttribute('aria-pressed', String(on));
      toggle.textContent = on ? 'Leave distraction-free mode' : 'Distraction-free mode';
    };
    toggle.addEventListener('click', () => set(!document.body.classList.contains('editor-focus')));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && document.body.classList.contains('editor-focus')) {
        set(false);
        toggle.focus();
      }
    });
  }
}
