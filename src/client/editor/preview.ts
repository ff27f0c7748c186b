import { postForm, say } from './dom.ts';

/**
 * The live preview: the body rendered by the server's own pipeline, debounced; a late answer to an older
 * request never replaces a newer one.
 */
export function livePreview(body: HTMLTextAreaElement, url: string, csrf: string): void {
  const preview = document.querySelector<HTMLElement>('.editor__preview-body');
  const status = document.querySelector('.editor__preview-status');
  if (!preview) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sent = 0;
  let shown = 0;
  async function refresh() {
    const seq = ++sent;
    try {
      const res = await postForm(url, new URLSearchParams({ csrf, body: body.value }));
      if (!res.ok) throw new Error(String(res.status));
      const data = (await res.json()) as { html?: string };
      if (seq < shown || typeof data.html !== 'string') return;
      shown = seq;
      // The HTML comes from our own server over a same-origin request, rendered and sanitised by the same
      // pipeline as the public page; the CSP forbids inline script in any case.
      preview!.innerHTML = data.html;
      say(status, '');
    } catch {
      say(status, 'The preview could not be updated; it shows the last version that could.');
    }
  }
  body.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
}
