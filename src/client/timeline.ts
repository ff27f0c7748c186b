/**
 * The timeline chart's island (issue 17, decision 044). Without it the chart fits its column (and scrolls
 * sideways on a narrow screen) and the page's zoom links regroup the events on the server. With it, "Enlarge" and
 * "Reduce" buttons magnify the chart inside its frame (up to eight times), and it can be moved by dragging, by the
 * arrow keys when it has focus (the frame is focusable without the island too), or by scrolling. The chart is hidden from screen readers (the list beside it says
 * the same), so the buttons are plain buttons that say what they do to it.
 */

const STEPS = [1, 1.5, 2, 3, 4, 6, 8];

function enhance(frame: HTMLElement): void {
  const svg = frame.querySelector('svg');
  if (!svg) return;
  const baseWidth = Number(svg.getAttribute('width')) || 960;
  let step = 0;
  frame.classList.add('timeline-axis--enhanced');

  const controls = document.createElement('div');
  controls.className = 'timeline-axis__controls';
  const button = (text: string, delta: number) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.addEventListener('click', () => zoomTo(step + delta));
    controls.append(b);
    return b;
  };
  const smaller = button('Reduce chart', -1);
  const larger = button('Enlarge chart', 1);
  frame.before(controls);

  function zoomTo(next: number): void {
    const clamped = Math.max(0, Math.min(STEPS.length - 1, next));
    // Keep the middle of what is shown in the middle.
    const middle = (frame.scrollLeft + frame.clientWidth / 2) / Math.max(1, frame.scrollWidth);
    step = clamped;
    const scale = STEPS[step] ?? 1;
    svg!.style.width = `${Math.max(frame.clientWidth, baseWidth) * scale}px`;
    svg!.style.maxWidth = 'none';
    frame.scrollLeft = middle * frame.scrollWidth - frame.clientWidth / 2;
    smaller.disabled = step === 0;
    larger.disabled = step === STEPS.length - 1;
  }
  smaller.disabled = true;

  let drag: { x: number; left: number } | undefined;
  frame.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, left: frame.scrollLeft };
    frame.setPointerCapture(e.pointerId);
  });
  frame.addEventListener('pointermove', (e) => {
    if (drag) frame.scrollLeft = drag.left - (e.clientX - drag.x);
  });
  const stop = () => {
    drag = undefined;
  };
  frame.addEventListener('pointerup', stop);
  frame.addEventListener('pointercancel', stop);
  frame.addEventListener('keydown', (e) => {
    const by = frame.clientWidth / 4;
    if (e.key === 'ArrowLeft') frame.scrollLeft -= by;
    else if (e.key === 'ArrowRight') frame.scrollLeft += by;
    else if (e.key === '+' || e.key === '=') zoomTo(step + 1);
    else if (e.key === '-') zoomTo(step - 1);
    else return;
    e.preventDefault();
  });
}

for (const frame of document.querySelectorAll<HTMLElement>('[data-timeline-axis]')) enhance(frame);
