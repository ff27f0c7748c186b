// Small helpers the editor island's parts share: same-origin form posts and the form's fields.

/** The form's text fields as the browser would send them, less the ones named in `drop`. */
export function fieldsOf(form: HTMLFormElement, drop: string[] = []): URLSearchParams {
  const data = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && !drop.includes(k)) data.append(k, v);
  return data;
}

/** A same-origin form post asking for JSON. */
export function postForm(url: string, body: URLSearchParams): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: body.toString(),
  });
}

export function say(el: Element | null | undefined, text: string): void {
  if (el && el.textContent !== text) el.textContent = text;
}

/** An element with a class and, optionally, text. */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The message of a JSON error answer (`{ error: { message } }`), or `fallback`. */
export async function errorMessageOf(res: Response, fallback: string): Promise<string> {
  try {
    const data = (await res.json()) as { error?: { message?: unknown } };
    return typeof data.error?.message === 'string' ? data.error.message : fallback;
  } catch {
    return fallback;
  }
}
