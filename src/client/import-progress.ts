/**
 * /admin/import's progress island. While a dry run or an import runs, it asks /admin/import/status every second
 * and moves the bar and the count; when the upload's state changes (checked, imported, refused), it loads the
 * page again, which then shows the report. Without it, the page's Refresh link does the same by hand. The count is not
 * a live region: a screen reader announcing it every second would drown everything else.
 */

interface Status {
  id: number;
  status: string;
  bytes: number;
  read: number;
  items: number;
}

const box = document.querySelector<HTMLElement>('[data-import-status]');

function follow(root: HTMLElement): void {
  const shown = root.dataset.importStatus;
  const id = Number(root.dataset.importUpload);
  const bar = root.querySelector('progress');
  const text = root.querySelector('.import-progress__text');

  const show = (s: Status) => {
    const percent = s.bytes > 0 ? Math.min(100, Math.floor((s.read / s.bytes) * 100)) : 0;
    if (bar) {
      bar.max = Math.max(1, s.bytes);
      bar.value = s.read;
      bar.textContent = `${percent}%`;
    }
    if (text) text.textContent = `${s.items} ${s.items === 1 ? 'item' : 'items'} read, ${percent}% of the file.`;
  };

  const tick = async () => {
    let wait = 1000;
    try {
      const res = await fetch('/admin/import/status', { headers: { accept: 'application/json' }, cache: 'no-store' });
      // Signed out meanwhile, or the server restarting: look again a little later.
      if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) wait = 5000;
      else {
        const { upload } = (await res.json()) as { upload: Status | null };
        if (!upload || upload.id !== id || upload.status !== shown) {
          // The page without the notice that came with the upload ("being checked"), which is over now.
          window.location.replace('/admin/import');
          return;
        }
        show(upload);
      }
    } catch {
      wait = 5000;
    }
    window.setTimeout(tick, wait);
  };
  window.setTimeout(tick, 1000);
}

if (box) follow(box);
