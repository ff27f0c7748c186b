import { errorMessageOf, fieldsOf, make, postForm } from './dom.ts';

// The pre-publish panel: "Publish" (or "Schedule") first runs the checks on the form as typed and shows them in
// a dialog, each finding a link to its line, with the button that publishes inside the same panel. Without
// JavaScript the server does the same with the panel at the top of the form.

interface Issue {
  message: string;
  line?: number;
  excerpt?: string;
  suggestions?: string[];
}

function issueItem(i: Issue): HTMLLIElement {
  const li = make('li', '');
  li.append(make('strong', '', i.message));
  if (i.line !== undefined) {
    const a = make('a', 'preflight__line', `Line ${i.line}`);
    a.href = '#post-body';
    a.dataset.line = String(i.line);
    li.append(' ', a);
  }
  if (i.excerpt) li.append(' ', make('q', 'preflight__excerpt', i.excerpt));
  if (i.suggestions?.length) li.append(' ', make('span', 'hint', `Perhaps: ${i.suggestions.join(', ')}`));
  return li;
}

function buildDialog(): { dialog: HTMLDialogElement; body: HTMLElement; go: HTMLButtonElement; heading: HTMLElement } {
  const dialog = make('dialog', 'prepublish');
  dialog.setAttribute('aria-labelledby', 'prepublish-heading');
  const heading = make('h2', '', 'Ready to publish?');
  heading.id = 'prepublish-heading';
  const body = make('div', 'prepublish__body');
  const actions = make('p', 'prepublish__actions');
  const go = make('button', 'editor-primary', 'Publish');
  go.type = 'button';
  const back = make('button', 'secondary', 'Keep editing');
  back.type = 'button';
  back.addEventListener('click', () => dialog.close());
  actions.append(go, back);
  dialog.append(heading, body, actions);
  (document.querySelector('.admin-main') ?? document.body).append(dialog);
  return { dialog, body, go, heading };
}

export function prepublishPanel(form: HTMLFormElement): { close: () => void } {
  const url = form.dataset.checksUrl;
  const panel = buildDialog();
  let confirmed = false;
  let chosen: HTMLButtonElement | undefined;

  function show(action: string, issues: Issue[] | string) {
    const { body, go, heading } = panel;
    const verb = action === 'schedule' ? 'Schedule' : 'Publish';
    heading.textContent = action === 'schedule' ? 'Ready to schedule?' : 'Ready to publish?';
    body.replaceChildren();
    if (typeof issues === 'string') body.append(make('p', '', issues));
    else if (issues.length === 0) body.append(make('p', '', 'The checks found nothing to look at.'));
    else {
      const n = issues.length === 1 ? 'One thing' : `${issues.length} things`;
      body.append(make('p', '', `${n} worth a look. Checks warn; they never stop you.`));
      const list = make('ol', 'preflight__issues');
      list.append(...issues.map(issueItem));
      body.append(list);
    }
    go.textContent = typeof issues !== 'string' && issues.length > 0 ? `${verb} anyway` : verb;
    panel.dialog.showModal();
    go.focus();
  }

  panel.go.addEventListener('click', () => {
    confirmed = true;
    panel.dialog.close();
    let seen = form.querySelector<HTMLInputElement>('input[name="preflightSeen"]');
    if (!seen) {
      seen = make('input', '');
      seen.type = 'hidden';
      seen.name = 'preflightSeen';
      form.append(seen);
    }
    seen.value = '1';
    form.requestSubmit(chosen);
  });

  form.addEventListener('submit', async (e) => {
    const b = e.submitter instanceof HTMLButtonElement ? e.submitter : undefined;
    const action = b?.value;
    if (confirmed || !url || (action !== 'publish' && action !== 'schedule')) return;
    if (form.querySelector('input[name="preflightSeen"]')) return; // the server's panel already showed them
    e.preventDefault();
    e.stopImmediatePropagation();
    chosen = b;
    try {
      const res = await postForm(url, fieldsOf(form, ['action', 'preflightSeen']));
      if (!res.ok) return show(action, `The checks could not run (${await errorMessageOf(res, String(res.status))}).`);
      show(action, ((await res.json()) as { issues?: Issue[] }).issues ?? []);
    } catch {
      show(action, 'The checks could not run: you seem to be offline. Publishing needs the connection back.');
    }
  });

  return { close: () => panel.dialog.open && panel.dialog.close() };
}
