// The plan page's Gantt chart on a tablet: frappe-gantt drags with mouse events only, and a
// finger moving over a bar makes no mouse events (the browser scrolls instead). A finger (or a
// pen) on a bar that may move is handed to frappe-gantt as the mouse events it knows, at the
// same points, on the element touched; the touch is kept from scrolling the chart (touchstart
// cancelled; plan.css's touch-action for pens), so a tap's click is ours to make too: it
// selects the task, as a click does. Locked bars (summaries, a reader's) are left to scroll.
(function () {
  "use strict";
  const pointing = { id: null, target: null, moved: false };
  const MOVABLE = "#gantt .bar-wrapper:not(.locked)";

  document.addEventListener(
    "touchstart",
    (event) => {
      if (event.target.closest?.(MOVABLE)) event.preventDefault();
    },
    { passive: false },
  );

  function asMouse(type, event, target) {
    const init = { bubbles: true, cancelable: true, view: window, button: 0, buttons: type === "mouseup" ? 0 : 1 };
    for (const key of ["clientX", "clientY", "screenX", "screenY"]) init[key] = event[key];
    target.dispatchEvent(new MouseEvent(type, init));
  }

  document.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" || pointing.id !== null) return;
    const target = event.target.closest?.(MOVABLE) ? event.target : null;
    if (!target) return;
    event.preventDefault(); // no compatibility mouse events after it: we make our own
    target.setPointerCapture?.(event.pointerId);
    Object.assign(pointing, { id: event.pointerId, target, moved: false });
    asMouse("mousedown", event, target);
  });

  document.addEventListener("pointermove", (event) => {
    if (event.pointerId !== pointing.id) return;
    pointing.moved = true;
    asMouse("mousemove", event, pointing.target);
  });

  function release(event) {
    if (event.pointerId !== pointing.id) return;
    const { target, moved } = pointing;
    Object.assign(pointing, { id: null, target: null, moved: false });
    asMouse("mouseup", event, target);
    if (!moved && event.type === "pointerup") asMouse("click", event, target);
  }
  document.addEventListener("pointerup", release);
  document.addEventListener("pointercancel", release);
})();
