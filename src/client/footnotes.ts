/**
 * Footnote previews (issue 16, reading). Without this island a note marker is a link down to the notes list,
 * and it stays one. With it, a tap, a click, Enter, keyboard focus or a resting mouse pointer shows the note
 * beside its marker, copied from the notes list of the same page (already sanitised; the back-link left out).
 *
 * The popover is a non-modal role="dialog", not a tooltip: a note may hold links, and a tooltip may hold
 * nothing that takes focus. The marker says it controls it (aria-controls, aria-expanded). Hover and keyboard
 * focus only show it (focus stays on the marker); a click, a tap or Enter also moves focus into it, so its links
 * can be reached. Escape or its close button shut it and give focus back to the marker; Tab past its end goes
 * on to what follows the marker; a press anywhere else shuts it. It sits after the article body, never inside
 * it: the body's text is what "Suggest a correction" counts its selectors over (src/client/corrections.ts).
 * The popover itself (placing, keys, hover) is popover/anchored.ts, shared with the mention cards.
 * On wide screens the notes also stand in the margin (footnotes/sidenotes.ts); a pointer resting on a marker
 * then lights its sidenote up instead of opening the popover.
 */

import { MARKERS, noteCopy, noteOf } from './footnotes/notes.ts';
import { Sidenotes } from './footnotes/sidenotes.ts';
import { AnchoredPopover, type HoverHooks, wireAnchor, wirePopover } from './popover/anchored.ts';

/** A note already beside the text (a sidenote) is lit up by a resting pointer rather than shown a second time. */
function sidenoteHooks(sidenotes: Sidenotes | null): HoverHooks {
  return {
    enter: (marker) => {
      const side = sidenotes?.shownFor(marker);
      side?.classList.add('sidenote--lit');
      return !!side;
    },
    leave: (marker) => sidenotes?.shownFor(marker)?.classList.remove('sidenote--lit'),
  };
}

const prose = document.querySelector<HTMLElement>('article .prose');
const markers = Array.from(document.querySelectorAll<HTMLAnchorElement>(MARKERS)).filter((m) => noteOf(m));
if (prose && markers.length > 0) {
  const preview = new AnchoredPopover(
    {
      id: 'note-preview',
      className: 'note-preview',
      closeLabel: 'Close note',
      contentOf: (marker) => {
        const note = noteOf(marker);
        return note ? { label: `Note ${marker.textContent?.trim() ?? ''}`, body: noteCopy(note) } : null;
      },
    },
    prose,
  );
  const article = prose.closest('article');
  const sidebar = document.querySelector<HTMLElement>('.layout--sidebar > .widget-area--sidebar');
  const sidenotes = article && sidebar ? new Sidenotes(article, sidebar, markers) : null;
  const hooks = sidenoteHooks(sidenotes);
  for (const marker of markers) wireAnchor(preview, marker, hooks);
  wirePopover(preview, MARKERS);
}
