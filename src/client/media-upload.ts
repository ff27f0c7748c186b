/**
 * The media library's upload form (issue 16): the alternative text is asked for in the browser, before a large
 * file travels to the server only to be refused for it. The rule is the server's (media-text.ts): alt text, or
 * the image marked decorative. Without this script the server says the same, and keeps the file meanwhile.
 */

const MESSAGE = 'Describe the image for people who cannot see it, or mark it as decorative.';

const form = document.querySelector<HTMLFormElement>('form.media-upload');
const alt = form?.querySelector<HTMLTextAreaElement>('textarea[name="alt"]');
const decorative = form?.querySelector<HTMLInputElement>('input[name="decorative"]');

if (form && alt && decorative) {
  const check = () => alt.setCustomValidity(decorative.checked || alt.value.trim() !== '' ? '' : MESSAGE);
  // Checked when sending, not while typing: an empty box is not an error until the form goes.
  form.addEventListener('submit', (event) => {
    check();
    if (!form.checkValidity()) {
      event.preventDefault();
      form.reportValidity();
    }
  });
  alt.addEventListener('input', () => alt.setCustomValidity(''));
  decorative.addEventListener('change', () => alt.setCustomValidity(''));
}
