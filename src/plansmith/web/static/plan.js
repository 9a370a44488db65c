// The plan page: a selectable, editable WBS table (htmx) beside a frappe-gantt chart whose
// rows line up with the table's. A change answers with the whole plan body, because one change
// reschedules dates everywhere; this script then rebuilds the chart from #gantt-data and puts
// back the selection, the scroll positions and the keyboard focus, so that a change feels
// local. A dragged bar is the exception: it answers with only the rows and bars that moved
// (JSON), which are put in place of the old ones. The chart draws the bars in view at once and
// the rest in slices between frames, so a plan of thousands of tasks is usable in well under a
// second and the page answers input while the rest is drawn (#gantt's data-drawn says how far
// it got: "view", then "all"). Task names reach the chart escaped: frappe-gantt writes labels
// and popups as HTML.
(function () {
  "use strict";
  const script = document.currentScript;
  const base = `/projects/${encodeURIComponent(script.dataset.project)}`;
  const DAY = 86400000;
  const NS = "http://www.w3.org/2000/svg";
  const ZOOMS = ["Day", "Week", "Month", "Quarter"];
  const FIELDS = { 1: "name", 2: "duration", 3: "start", 5: "progress", 6: "after", 7: "resources" };
  const MOVES = { ArrowRight: "indent", ArrowLeft: "outdent", ArrowUp: "up", ArrowDown: "down" };
  // The zoom levels, with header texts from cached formatters: frappe-gantt's own build two
  // Intl formatters per call, which over a few years of days is most of a zoom change.
  const LANG = document.documentElement.lang || "en";
  const monthName = new Intl.DateTimeFormat(LANG, { month: "long" });
  const monthShort = new Intl.DateTimeFormat(LANG, { month: "short" });
  const changed = (d, ld, part) => !ld || d[part]() !== ld[part]();
  const VIEW_MODES = {
    Day: {
      name: "Day",
      padding: "7d",
      step: "1d",
      date_format: "YYYY-MM-DD",
      lower_text: (d) => String(d.getDate()),
      upper_text: (d, ld) => (changed(d, ld, "getMonth") ? `${monthName.format(d)} ${d.getFullYear()}` : ""),
      thick_line: (d) => d.getDay() === 1,
    },
    Week: {
      name: "Week",
      padding: "1m",
      step: "7d",
      column_width: 140,
      date_format: "YYYY-MM-DD",
      lower_text: (d) => {
        const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 6);
        return `${d.getDate()} ${monthShort.format(d)} – ${end.getDate()} ${monthShort.format(end)}`;
      },
      upper_text: (d, ld) => (changed(d, ld, "getMonth") ? `${monthName.format(d)} ${d.getFullYear()}` : ""),
      thick_line: (d) => d.getDate() <= 7,
      upper_text_frequency: 4,
    },
    Month: {
      name: "Month",
      padding: "2m",
      step: "1m",
      column_width: 120,
      date_format: "YYYY-MM",
      snap_at: "7d",
      lower_text: (d) => monthName.format(d),
      upper_text: (d, ld) => (changed(d, ld, "getFullYear") ? String(d.getFullYear()) : ""),
      thick_line: (d) => d.getMonth() % 3 === 0,
    },
    Quarter: {
      name: "Quarter",
      padding: "3m",
      step: "3m",
      column_width: 100,
      date_format: "YYYY-MM",
      snap_at: "7d",
      lower_text: (d) => `Q${Math.floor(d.getMonth() / 3) + 1}`,
      upper_text: (d, ld) => (changed(d, ld, "getFullYear") ? String(d.getFullYear()) : ""),
      thick_line: (d) => d.getMonth() === 0,
    },
  };

  // 409 and 422 answers are the form again, with its messages: swap them. Other refusals are
  // pages (the app's error page) or JSON: not swapped, shown as a message (see below).
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "409|422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
    { code: "...", swap: false },
  ];

  const state = {
    selected: null,
    refocus: false,
    zoom: ZOOMS.includes(localStorage.getItem("plansmith.zoom")) ? localStorage.getItem("plansmith.zoom") : "Week",
    gantt: null,
    data: [], // the chart's bars, as #gantt-data has them, with the changes drags made since
    dataOf: null,
    listeners: [],
    scroll: null,
    pending: null,
  };
  const originals = new Map(); // a row's display markup while its form is open

  const $ = (selector, root = document) => root.querySelector(selector);
  const csrf = () => $('meta[name="csrf-token"]').content;
  const esc = (text) =>
    String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const editable = () => ($("#plan-body") || {}).dataset?.editable || "";
  const rowOf = (key) => (key == null ? null : $(`#wbs tbody tr[data-task="${CSS.escape(key)}"]`));
  const pad = (n) => String(n).padStart(2, "0");
  const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

  function parse(text) {
    // "YYYY-MM-DD[THH:MM]" as local wall-clock time (new Date() would read a bare date as UTC)
    const [y, m, d, hh = 0, mm = 0] = text.split(/[-T: ]/).map(Number);
    return new Date(y, m - 1, d, hh, mm);
  }

  function say(text, error) {
    const box = $("#plan-message");
    if (!box) return;
    box.classList.toggle("is-error", Boolean(error));
    box.replaceChildren();
    if (text) box.append(Object.assign(document.createElement("p"), { textContent: text }));
  }

  // The table: selection, keyboard, the row form ---------------------------------------------

  function select(tr, focus) {
    const old = $('#wbs tbody tr[aria-selected="true"]');
    if (old && old !== tr) {
      old.removeAttribute("aria-selected");
      old.tabIndex = -1;
    }
    if (tr) {
      tr.setAttribute("aria-selected", "true");
      tr.tabIndex = 0;
      state.selected = tr.dataset.task;
      if (focus) tr.focus();
    }
    tools();
    highlightBar();
  }

  function tools() {
    const tr = rowOf(state.selected);
    const label = $("#selected-task");
    if (label && !tr?.classList.contains("editing")) {
      const name = tr ? tr.cells[1]?.firstChild?.textContent || tr.dataset.task : "";
      label.textContent = tr ? `Selected: ${tr.cells[0]?.textContent || ""} ${name}` : "No task selected";
    }
    const usable = tr && tr.dataset.edit && !tr.classList.contains("editing");
    document.querySelectorAll("#task-tools [data-act]").forEach((button) => {
      button.disabled = !usable || (button.dataset.act !== "edit" && tr.dataset.edit !== "plan");
    });
    const child = $('#add-task [name="child"]');
    if (child) {
      child.disabled = !tr;
      if (!tr) child.checked = false;
    }
    const selected = $('#add-task [name="selected"]');
    if (selected) selected.value = tr ? tr.dataset.task : "";
  }

  function edit(tr, field) {
    if (!tr || !tr.dataset.edit || tr.classList.contains("editing")) return;
    const open = $("#wbs tr.editing");
    if (open) cancel(open, false);
    state.selected = tr.dataset.task;
    originals.set(tr.dataset.task, tr.outerHTML);
    const query = field ? `?focus=${field}` : "";
    htmx.ajax("GET", `${base}/tasks/${encodeURIComponent(tr.dataset.task)}/edit${query}`, {
      target: tr,
      swap: "outerHTML",
    });
  }

  function cancel(tr, focus = true) {
    const key = tr.dataset.task;
    const markup = originals.get(key);
    originals.delete(key);
    if (markup) tr.outerHTML = markup;
    select(rowOf(key), focus);
  }

  function act(name) {
    const tr = rowOf(state.selected);
    if (!tr || !tr.dataset.edit) return;
    if (name === "edit") return edit(tr);
    if (tr.dataset.edit !== "plan") return;
    state.refocus = true;
    htmx.ajax("POST", `${base}/tasks/${encodeURIComponent(tr.dataset.task)}/${name}`, {
      target: "#plan-body",
      swap: "outerHTML",
      values: { version: tr.dataset.version },
      headers: { "X-CSRF-Token": csrf() },
    });
  }

  document.addEventListener("click", (event) => {
    const target = event.target;
    const button = target.closest("#task-tools [data-act]");
    if (button) return act(button.dataset.act);
    const cancelButton = target.closest("#wbs tr.editing [data-cancel]");
    if (cancelButton) return cancel(cancelButton.closest("tr"));
    const tr = target.closest("#wbs tbody tr[data-task]");
    if (!tr || tr.classList.contains("editing")) return;
    if (tr.getAttribute("aria-selected") === "true" && tr.dataset.edit) {
      edit(tr, FIELDS[target.closest("td")?.cellIndex]);
    } else {
      select(tr, true);
    }
  });

  document.addEventListener("keydown", (event) => {
    const tr = event.target.closest?.("#wbs tbody tr[data-task]");
    if (!tr) return;
    if (tr.classList.contains("editing")) {
      if (event.key === "Escape") {
        event.preventDefault();
        cancel(tr);
      }
      return;
    }
    if (event.target !== tr) return;
    if (event.altKey && MOVES[event.key]) {
      event.preventDefault();
      if (editable() === "plan") act(MOVES[event.key]);
      return;
    }
    const all = Array.from(document.querySelectorAll("#wbs tbody tr[data-task]"));
    const at = all.indexOf(tr);
    const go = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1, PageDown: at + 10, PageUp: at - 10 };
    if (event.key in go) {
      event.preventDefault();
      select(all[Math.max(0, Math.min(all.length - 1, go[event.key]))], true);
    } else if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      edit(tr);
    }
  });

  // A row form or a new body came in: set it up (whatever element htmx fired its events on).
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target?.id !== "plan-body" || !event.detail.shouldSwap) return;
    const chart = $("#gantt .gantt-container");
    state.scroll = {
      table: $("#wbs-scroll")?.scrollTop || 0,
      left: chart?.scrollLeft || 0,
      top: chart?.scrollTop || 0,
    };
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt.closest?.("form.row-form");
    if (form) {
      state.selected = form.closest("tr").dataset.task;
      state.refocus = true;
    }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    const task = xhr.getResponseHeader("X-Plan-Task");
    if (xhr.status === 200 && task) state.selected = task;
    const form = event.detail.elt.closest?.("#add-task");
    if (form && event.detail.successful && event.detail.xhr.status === 200 && task) {
      const fresh = $("#add-task");
      fresh?.reset();
      state.refocus = false;
      $("#add-name")?.focus();
    }
    const inForm = event.detail.elt.closest?.("form.row-form");
    if (xhr.status === 409 && !inForm) {
      refresh(); // someone else changed the plan: show it as it is now (the message stays)
    }
  });

  // Set up new content as soon as it is in (afterSwap), before anyone can type into it.
  document.addEventListener("htmx:afterSwap", setUp);
  document.addEventListener("htmx:afterSettle", setUp);

  document.addEventListener("htmx:responseError", (event) => say(refusal(event.detail.xhr), true));
  document.addEventListener("htmx:sendError", () => say("The server cannot be reached; nothing was saved.", true));

  function refresh() {
    htmx.ajax("GET", `${base}/plan-body`, { target: "#plan-body", swap: "outerHTML" });
  }

  function refusal(xhr) {
    const type = xhr.getResponseHeader("Content-Type") || "";
    try {
      if (type.includes("json")) return JSON.parse(xhr.responseText).message;
      const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const found = page.querySelector("[data-code]");
      if (found) return found.textContent.trim();
    } catch (error) {
      // fall through to the status line
    }
    return `The server refused this (${xhr.status} ${xhr.statusText}).`;
  }

  function setUp() {
    const form = $("#wbs tr.editing:not([data-ready])");
    if (form) {
      form.dataset.ready = "1";
      const table = $("#wbs-scroll");
      table.style.setProperty("--wbs-visible", `${table.clientWidth}px`); // the form fits the view
      table.scrollLeft = 0;
      if (!form.contains(document.activeElement)) {
        // never taken from a field the user has already moved to
        const field = $('[aria-invalid="true"]', form) || $(`[name="${form.dataset.focus}"]`, form) || $("input:not([type=hidden])", form);
        field?.focus();
        field?.select?.();
      }
      tools();
    }
    const body = $("#plan-body:not([data-ready])");
    if (body) {
      body.dataset.ready = "1";
      originals.clear();
      build(false);
      const tr = rowOf(state.selected);
      if (tr) select(tr, state.refocus);
      else $("#wbs tbody tr[data-task]")?.setAttribute("tabindex", "0");
      state.refocus = false;
      tools();
    }
    const add = $("#add-task [aria-invalid='true']");
    if (add && !add.dataset.focused) {
      add.dataset.focused = "1";
      add.focus();
    }
    tools();
  }

  // Summaries and (for readers) every bar stay where the schedule put them: not even the
  // look of a drag.
  document.addEventListener(
    "mousedown",
    (event) => {
      if (event.target.closest?.("#gantt .bar-wrapper.locked")) event.stopPropagation();
    },
    true,
  );

  // Touch and pen: frappe-gantt drags with mouse events only, and a finger moving over a bar
  // makes no mouse events (the browser scrolls instead). A finger on a bar that may move is
  // handed to frappe-gantt as the mouse events it knows, at the same points, on the element
  // touched; the touch is kept from scrolling the chart (touchstart cancelled; plan.css's
  // touch-action for pens), so a tap's click is ours to make too: it selects the task.
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

  // The chart --------------------------------------------------------------------------------

  // frappe-gantt's Bar and Arrow classes are not exported: taken from the first of each it
  // makes (see PlanGantt.newBar and newArrow).
  let BarClass = null;
  let ArrowClass = null;
  const SLICE = 150; // bars drawn per task after those in view (about 20-30 ms each)
  const UNDRAWN = Object.freeze({ $bar: { getX: () => -Infinity }, arrows: [] });

  class PlanGantt extends Gantt {
    render() {
      this.drawing = null; // a render before the last one finished drawing: it stops
      super.render();
      decorate(this);
    }

    // One row rectangle for the whole grid instead of one per task (thousands of elements for
    // the same fill; frappe-gantt draws no lines between rows).
    make_grid_rows() {
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", 0);
      rect.setAttribute("y", this.config.header_height);
      rect.setAttribute("width", this.dates.length * this.config.column_width);
      rect.setAttribute("height", Math.max(0, this.grid_height - this.config.header_height));
      rect.setAttribute("class", "grid-row");
      this.layers.grid.append(rect);
    }

    // The bars of the rows in view first, then the others in slices between frames. Arrows
    // are drawn once both their bars are. frappe-gantt's own make_bars draws every bar, with
    // its labels and handles, before the page can do anything else: seconds of styling and
    // layout for thousands of bars, most of them out of sight.
    make_bars() {
      this.bars = [];
      this.barIndex = new Map();
      this.arrows = [];
      this.extras = document.createElementNS(NS, "g");
      this.extras.setAttribute("class", "plan-extras");
      this.$svg.insertBefore(this.extras, this.layers.bar);
      const total = this.tasks.length;
      const row = this.options.bar_height + this.options.padding;
      const top = this.options.view_top ?? this.$container.scrollTop;
      this.options.view_top = null; // a zoom later starts from where the chart is scrolled
      const first = Math.max(0, Math.floor(top / row) - 10);
      const last = Math.min(total, first + Math.ceil((this.options.container_height || 900) / row) + 20);
      const order = [];
      for (let i = first; i < last; i++) order.push(i);
      for (let i = 0; i < total; i++) if (i < first || i >= last) order.push(i);
      this.drawBars(order.slice(0, last - first));
      this.$svg.parentElement.parentElement.dataset.drawn = last - first >= total ? "all" : "view";
      const drawing = (this.drawing = { order, next: last - first });
      const more = () => {
        if (this.drawing !== drawing) return;
        this.drawBars(order.slice(drawing.next, drawing.next + SLICE));
        drawing.next += SLICE;
        if (drawing.next < total) setTimeout(more, 0);
        else this.$svg.parentElement.parentElement.dataset.drawn = "all";
      };
      if (drawing.next < total) setTimeout(more, 0);
    }

    drawBars(indexes) {
      const fresh = [];
      for (const i of indexes) {
        const bar = this.newBar(this.tasks[i]);
        bar.arrows = [];
        this.bars.push(bar);
        this.barIndex.set(bar.task.id, bar);
        decorateBar(this, bar, true);
        fresh.push(bar);
      }
      for (const bar of fresh) this.linkBar(bar);
    }

    // Arrows to and from a bar just drawn, where the bar at the other end is drawn too.
    linkBar(bar) {
      const id = bar.task.id;
      const ends = [
        ...bar.task.dependencies.map((other) => [this.barIndex.get(other), bar]),
        ...(this.dependency_map[id] || []).map((other) => [bar, this.barIndex.get(other)]),
      ];
      for (const [from, to] of ends) {
        if (!from || !to || from.arrows.some((arrow) => arrow.to_task === to)) continue;
        const arrow = this.newArrow(from, to);
        this.arrows.push(arrow);
        from.arrows.push(arrow);
        if (to !== from) to.arrows.push(arrow);
      }
    }

    newBar(task) {
      if (BarClass) {
        const bar = new BarClass(this, task);
        this.layers.bar.append(bar.group);
        return bar;
      }
      const [tasks, bars] = [this.tasks, this.bars];
      this.tasks = [task];
      super.make_bars(); // the one bar, made and placed by frappe-gantt itself
      const bar = this.bars[0];
      [this.tasks, this.bars] = [tasks, bars];
      this.taskIndexOf = null;
      BarClass = bar.constructor;
      this.measureLabels(bar);
      return bar;
    }

    newArrow(from, to) {
      if (ArrowClass) {
        const arrow = new ArrowClass(this, from, to);
        this.layers.arrow.append(arrow.element);
        return arrow;
      }
      // frappe-gantt's make_arrows over two stand-in tasks: the arrow's two ends
      const [tasks, bars, arrows] = [this.tasks, this.bars, this.arrows];
      const byIndex = [];
      byIndex[from.task._index] = from;
      byIndex[to.task._index] = to;
      this.tasks = [
        { id: from.task.id, _index: from.task._index, dependencies: [] },
        { id: to.task.id, _index: to.task._index, dependencies: [from.task.id] },
      ];
      this.bars = byIndex;
      super.make_arrows();
      const arrow = this.arrows[0];
      [this.tasks, this.bars, this.arrows] = [tasks, bars, arrows];
      this.taskIndexOf = null;
      ArrowClass = arrow.constructor;
      return arrow;
    }

    make_arrows() {} // drawn with their bars (drawBars)

    map_arrows_on_bars() {} // kept on each bar as they are drawn

    // frappe-gantt places each label by measuring it (getBBox) right after moving the one
    // before: a layout pass per bar, seconds with thousands of bars. Measured with a canvas
    // instead, every label is placed without one.
    measureLabels(bar) {
      const proto = Object.getPrototypeOf(bar);
      if (proto.update_label_position !== placeLabel) proto.update_label_position = placeLabel;
      const label = bar.group.querySelector(".bar-label");
      if (label) {
        measure.font = getComputedStyle(label).font;
        bar.update_label_position();
      }
    }

    setup_gantt_dates(refresh) {
      super.setup_gantt_dates(refresh);
      if (this.config.view_mode.name === "Quarter") {
        const start = this.gantt_start;
        start.setMonth(start.getMonth() - (start.getMonth() % 3), 1);
      }
    }

    // Weekends shaded without frappe-gantt's per-day date formatting (slow over years of days);
    // at month and quarter zoom a day is too narrow to shade.
    highlight_holidays() {
      const mode = this.config.view_mode.name;
      if (mode !== "Day" && mode !== "Week") return;
      const width = this.config.column_width / (mode === "Week" ? 7 : 1);
      const height = this.grid_height - this.config.header_height;
      for (let day = new Date(this.gantt_start); day <= this.gantt_end; day.setDate(day.getDate() + 1)) {
        if (day.getDay() !== 0 && day.getDay() !== 6) continue;
        const rect = document.createElementNS(NS, "rect");
        rect.setAttribute("class", "holiday-highlight weekend");
        rect.setAttribute("x", Math.round(xOf(this, day)));
        rect.setAttribute("y", this.config.header_height);
        rect.setAttribute("width", width);
        rect.setAttribute("height", height);
        this.layers.grid.append(rect);
      }
    }

    // A header column's texts and class; frappe-gantt formats the class with a new Intl
    // formatter per column.
    get_date_info(date, last) {
      const mode = this.config.view_mode;
      const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
      const formatted = this.config.date_format === "YYYY-MM" ? day.slice(0, 7) : day;
      return {
        date,
        formatted_date: formatted,
        column_width: this.config.column_width,
        x: last ? last.x + last.column_width : 0,
        upper_text: mode.upper_text(date, last ? last.date : null, LANG),
        lower_text: mode.lower_text(date, last ? last.date : null, LANG),
        upper_y: 17,
        lower_y: this.options.upper_header_height + 5,
      };
    }

    // frappe-gantt finds bars and tasks by scanning the list, on every scroll event and for
    // every arrow: quadratic with thousands of bars. By id (make_bars keeps the index). A task
    // whose bar is not drawn yet has a stand-in that is never in the way (frappe-gantt keeps a
    // dragged bar after its predecessors').
    get_bar(id) {
      return this.barIndex.get(id) || (this.get_task(id) ? UNDRAWN : undefined);
    }

    get_task(id) {
      if (this.taskIndexOf !== this.tasks) {
        this.taskIndex = new Map(this.tasks.map((task) => [task.id, task]));
        this.taskIndexOf = this.tasks;
      }
      return this.taskIndex.get(id);
    }

    // frappe-gantt measures every bar's bounding box; the tasks' dates say the same, for the
    // bars not drawn yet too.
    get_start_end_positions() {
      if (!this.tasks.length) return [0, 0, 0];
      let minStart = Infinity;
      let maxStart = -Infinity;
      let maxEnd = -Infinity;
      for (const task of this.tasks) {
        const x = xOf(this, task._start);
        const end = xOf(this, task._end);
        if (x < minStart) minStart = x;
        if (x > maxStart) maxStart = x;
        if (end > maxEnd) maxEnd = end;
      }
      return [minStart, maxStart, maxEnd];
    }
  }

  const measure = document.createElement("canvas").getContext("2d");
  const widths = new Map();

  function textWidth(text) {
    const key = `${measure.font}|${text}`;
    let width = widths.get(key);
    if (width === undefined) {
      width = measure.measureText(text).width;
      widths.set(key, width);
    }
    return width;
  }

  // Bar.update_label_position, without a layout pass: inside the bar if it fits, else after it.
  function placeLabel() {
    const label = this.group.querySelector(".bar-label");
    if (!label) return;
    const x = this.$bar.getX();
    const width = this.$bar.getWidth();
    const needed = textWidth(label.textContent);
    const outside = needed + 8 > width;
    label.classList.toggle("big", outside);
    label.setAttribute("x", outside ? x + width + 5 : x + width / 2 - needed / 2);
  }

  function toTask([id, name, start, end, progress, predecessors, flags, version, baselineStart, baselineEnd]) {
    const milestone = flags.includes("m");
    let shown = milestone ? start : end;
    if (!milestone && shown.endsWith("T00:00") && shown !== start) {
      shown = isoDay(new Date(parse(shown) - DAY)) + "T23:59"; // frappe reads 00:00 as a whole day more
    }
    return {
      id,
      name: esc(name),
      start: start.replace("T", " "),
      end: shown.replace("T", " "),
      progress,
      dependencies: predecessors.join(","),
      custom_class: flags.includes("c") ? "critical" : flags.includes("s") ? "summary" : "task",
      plan: { name, flags, version, start, end, baselineStart, baselineEnd },
    };
  }

  function build(again) {
    const holder = $("#gantt");
    const source = $("#gantt-data");
    if (state.dataOf !== source) {
      state.data = JSON.parse(source?.textContent || "[]"); // a new plan body
      state.dataOf = source;
    }
    const data = state.data;
    for (const [type, listener, options] of state.listeners) document.removeEventListener(type, listener, options);
    state.listeners = [];
    if (again && state.gantt) state.scroll = { table: $("#wbs-scroll").scrollTop, left: state.gantt.$container.scrollLeft, top: state.gantt.$container.scrollTop };
    holder.replaceChildren();
    state.gantt = null;
    pressZoom();
    if (!data.length) return;
    const table = $("#wbs-scroll");
    const firstRow = $("#wbs tbody tr");
    const rowHeight = firstRow ? firstRow.getBoundingClientRect().height : 32;
    const headHeight = $("#wbs thead").getBoundingClientRect().height;
    const padding = Math.max(6, Math.round(rowHeight * 0.3));
    const modes = [state.zoom, ...ZOOMS.filter((mode) => mode !== state.zoom)].map((mode) => VIEW_MODES[mode]);
    const options = {
      view_modes: modes,
      bar_height: rowHeight - padding,
      padding,
      lower_header_height: 26,
      upper_header_height: Math.max(20, headHeight - 36),
      container_height: Math.max(240, Math.round(table.clientHeight)),
      readonly: editable() !== "plan",
      readonly_progress: true,
      move_dependencies: false,
      infinite_padding: false,
      today_button: true,
      popup_on: "click",
      popup,
      language: LANG,
      on_date_change: dragging,
      on_click: (task) => select(rowOf(task.id), false),
      view_top: state.scroll ? state.scroll.table : table.scrollTop, // the rows drawn first
    };
    const original = document.addEventListener;
    document.addEventListener = function (type, listener, opts) {
      state.listeners.push([type, listener, opts]); // frappe-gantt's, to remove on the next build
      return original.call(this, type, listener, opts);
    };
    try {
      state.gantt = new PlanGantt(holder, data.map(toTask), options);
    } finally {
      document.addEventListener = original;
    }
    const chart = state.gantt.$container;
    if (state.scroll) {
      table.scrollTop = state.scroll.table;
      chart.scrollTo({ left: state.scroll.left, top: state.scroll.table, behavior: "instant" });
      state.scroll = null;
    } else if (!state.gantt.get_closest_date()) {
      // today is outside the plan: start at its first bar rather than at the padding before it
      const first = state.gantt.get_start_end_positions()[0];
      chart.scrollTo({ left: Math.max(0, first - state.gantt.config.column_width), behavior: "instant" });
    }
    table.addEventListener("scroll", () => {
      if (Math.abs(chart.scrollTop - table.scrollTop) > 1) chart.scrollTop = table.scrollTop;
    });
    chart.addEventListener("scroll", () => {
      if (Math.abs(chart.scrollTop - table.scrollTop) > 1) table.scrollTop = chart.scrollTop;
    });
    highlightBar();
  }

  function pressZoom() {
    document.querySelectorAll("[data-view-mode]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.viewMode === state.zoom));
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-view-mode]");
    if (!button || !state.gantt) return;
    const gantt = state.gantt;
    const chart = gantt.$container;
    const middle = dateAt(gantt, chart.scrollLeft + chart.clientWidth / 2);
    const top = chart.scrollTop;
    state.zoom = button.dataset.viewMode;
    localStorage.setItem("plansmith.zoom", state.zoom);
    gantt.change_view_mode(VIEW_MODES[state.zoom], true);
    chart.scrollTo({ left: Math.max(0, xOf(gantt, middle) - chart.clientWidth / 2), top, behavior: "instant" });
    pressZoom();
  });

  // frappe-gantt's own mapping from a date to x (date_utils.diff, rounded as it rounds)
  function xOf(gantt, date) {
    const start = gantt.gantt_start;
    let units;
    if (gantt.config.unit === "month") {
      units = (date.getFullYear() - start.getFullYear()) * 12 + date.getMonth() - start.getMonth() + date.getDate() / 31;
      if (date.getDate() < start.getDate()) units -= 1;
    } else {
      units = (date - start + (start.getTimezoneOffset() - date.getTimezoneOffset()) * 60000) / DAY;
      if (gantt.config.unit === "hour") units *= 24;
    }
    return ((Math.round(units * 100) / 100) / gantt.config.step) * gantt.config.column_width;
  }

  function daysPerPixel(gantt) {
    const days = gantt.config.unit === "month" ? 30.44 : gantt.config.unit === "hour" ? 1 / 24 : 1;
    return (days * gantt.config.step) / gantt.config.column_width;
  }

  function dateAt(gantt, x) {
    return new Date(gantt.gantt_start.getTime() + x * daysPerPixel(gantt) * DAY);
  }

  // What the chart shows beyond frappe-gantt's bars: each bar's kind, its title, its baseline
  // and a milestone's diamond (as it is drawn), and the status date's line.
  function decorateBar(gantt, bar, baseline) {
    bar.group.querySelectorAll("animate").forEach((animation) => animation.remove()); // grow-in
    const plan = bar.task.plan;
    const group = bar.group;
    if (plan.flags.includes("c")) group.classList.add("critical");
    if (plan.flags.includes("m")) group.classList.add("milestone");
    if (plan.flags.includes("s")) group.classList.add("summary");
    if (!plan.flags.includes("d")) group.classList.add("locked");
    const title = document.createElementNS(NS, "title");
    title.textContent = `${plan.name}: ${plan.start.replace("T", " ")} to ${plan.end.replace("T", " ")}`;
    group.prepend(title);
    if (baseline && plan.baselineStart && plan.baselineEnd) {
      const x1 = xOf(gantt, parse(plan.baselineStart));
      const x2 = xOf(gantt, parse(plan.baselineEnd));
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("class", "baseline");
      rect.setAttribute("x", x1);
      rect.setAttribute("y", bar.y + bar.height + 1);
      rect.setAttribute("width", Math.max(2, x2 - x1));
      rect.setAttribute("height", Math.max(2, Math.floor(gantt.options.padding / 3)));
      gantt.extras.append(rect);
    }
    if (plan.flags.includes("m")) {
      const mark = document.createElementNS(NS, "polygon");
      const r = bar.height / 2;
      const y = bar.y + r;
      mark.setAttribute("class", "milestone-mark");
      mark.setAttribute("points", `0,${y - r} ${r},${y} 0,${y + r} ${-r},${y}`);
      mark.setAttribute("transform", `translate(${bar.x} 0)`);
      bar.bar_group.append(mark);
    }
    if (bar.task.id === state.selected) group.classList.add("selected");
  }

  function decorate(gantt) {
    const status = $("[data-status-date]");
    if (status) {
      const x = xOf(gantt, new Date(parse(status.dataset.statusDate).getTime() + DAY));
      const line = document.createElementNS(NS, "line");
      line.setAttribute("class", "status-line");
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
      line.setAttribute("y1", gantt.config.header_height);
      line.setAttribute("y2", gantt.grid_height);
      gantt.extras.append(line);
    }
    highlightBar();
  }

  // The selected task's bar: marked, and brought into view if it is off to the side.
  function highlightBar() {
    const gantt = state.gantt;
    if (!gantt?.$svg) return;
    gantt.$svg.querySelector(".bar-wrapper.selected")?.classList.remove("selected");
    const bar = state.selected ? gantt.barIndex.get(state.selected) : null;
    if (!bar) return;
    bar.group.classList.add("selected");
    const chart = gantt.$container;
    const x = bar.$bar.getX();
    const end = x + bar.$bar.getWidth();
    if (end < chart.scrollLeft || x > chart.scrollLeft + chart.clientWidth) {
      chart.scrollTo({ left: Math.max(0, x - gantt.config.column_width), behavior: "instant" });
    }
  }

  function popup(context) {
    const plan = context.task.plan;
    context.set_title(esc(plan.name));
    context.set_subtitle(esc(`${plan.start.replace("T", " ")} to ${plan.end.replace("T", " ")}`));
    const lines = [`${Math.round(context.task.progress)}% complete`];
    if (plan.flags.includes("c")) lines.push("on the critical path");
    if (plan.flags.includes("m")) lines.push("milestone");
    if (plan.flags.includes("s")) lines.push("summary: dates from its subtasks");
    if (plan.baselineStart) lines.push(`baseline ${plan.baselineStart.slice(0, 10)} to ${plan.baselineEnd.slice(0, 10)}`);
    context.set_details(lines.map((line) => `<p>${esc(line)}</p>`).join(""));
  }

  // Dragging: frappe-gantt reports every step of a drag; the change is saved once, on release.
  function dragging(task) {
    state.pending = task.id;
    const bar = this.barIndex.get(task.id);
    const mark = bar?.group.querySelector(".milestone-mark");
    if (mark) mark.setAttribute("transform", `translate(${bar.$bar.getX()} 0)`);
  }

  document.addEventListener("mouseup", () => {
    const key = state.pending;
    state.pending = null;
    if (key && state.gantt) setTimeout(() => save(key), 0); // after frappe-gantt's own mouseup
  });

  function save(key) {
    const gantt = state.gantt;
    gantt.hide_popup(); // frappe-gantt opens it on the release that ended the drag
    const bar = gantt.barIndex.get(key);
    const plan = bar.task.plan;
    if (!plan.flags.includes("d")) return build(true);
    const perPixel = daysPerPixel(gantt);
    const moved = Math.round((bar.$bar.getX() - bar.$bar.ox) * perPixel);
    const stretched = Math.round((bar.$bar.getX() + bar.$bar.getWidth() - bar.$bar.ox - bar.$bar.owidth) * perPixel);
    if (!moved && !stretched) return build(true);
    const start = parse(plan.start.slice(0, 10));
    const finish = parse(plan.end);
    const last = plan.end.endsWith("T00:00") && plan.end !== plan.start ? new Date(finish - DAY) : finish;
    const newStart = isoDay(new Date(start.getFullYear(), start.getMonth(), start.getDate() + moved));
    const newEnd = plan.flags.includes("m")
      ? newStart
      : isoDay(new Date(last.getFullYear(), last.getMonth(), last.getDate() + stretched));
    bar.group.classList.add("saving");
    state.selected = key;
    send(key, { start: newStart, end: newEnd, version: plan.version });
  }

  // The drop is sent as JSON, and the answer is what changed (not the whole plan body): a drag
  // usually moves a handful of a plan's thousands of tasks.
  async function send(key, dates) {
    let answer;
    let body = {};
    try {
      answer = await fetch(`${base}/tasks/${encodeURIComponent(key)}/dates`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(dates),
      });
      body = await answer.json().catch(() => ({})); // a refusal may be the app's error page
    } catch (error) {
      say("The server cannot be reached; nothing was saved.", true);
      return build(true);
    }
    if (!answer.ok) {
      say(body.message || `The server refused this (${answer.status} ${answer.statusText}).`, true);
      return answer.status === 409 ? refresh() : build(true); // 409: show the plan as it is now
    }
    if (!body.changes) {
      refresh();
    } else {
      applyChanges(key, body.changes);
    }
    say(body.message || "");
    document.dispatchEvent(new CustomEvent("plan:saved", { detail: { task: key } }));
  }

  function applyChanges(key, changes) {
    for (const [id, html] of Object.entries(changes.rows)) {
      const tr = rowOf(id);
      if (!tr || tr.classList.contains("editing")) continue; // an open form keeps its row
      const selected = tr.getAttribute("aria-selected") === "true";
      const focused = document.activeElement === tr;
      tr.outerHTML = html;
      const fresh = rowOf(id);
      if (selected) {
        fresh.setAttribute("aria-selected", "true");
        fresh.tabIndex = 0;
        if (focused) fresh.focus();
      }
    }
    const summary = $("#plan-summary");
    if (summary) summary.outerHTML = changes.summary;
    const at = new Map(state.data.map((bar, i) => [bar[0], i]));
    for (const bar of changes.bars) state.data[at.get(bar[0])] = bar;
    tools();
    const gantt = state.gantt;
    if (!gantt) return;
    // The dragged bar is drawn again even if nothing moved (it was left where it was dropped).
    const ids = new Set([key, ...changes.bars.map((bar) => bar[0])]);
    const scratch = { setup_dependencies() {} }; // frappe-gantt's own reading of a task's dates
    Gantt.prototype.setup_tasks.call(scratch, [...ids].map((id) => toTask(state.data[at.get(id)])));
    const outside = scratch.tasks.some((task) => task._start < gantt.gantt_start || task._end > gantt.gantt_end);
    if (outside || ids.size > 400) return build(true);
    const touched = new Set();
    for (const task of scratch.tasks) {
      task._index = at.get(task.id);
      gantt.tasks[task._index] = task;
      const old = gantt.barIndex.get(task.id);
      if (!old) continue; // not drawn yet: it will be, from the new task
      const fresh = gantt.newBar(task);
      fresh.arrows = old.arrows;
      for (const arrow of old.arrows) {
        if (arrow.from_task === old) arrow.from_task = fresh;
        if (arrow.to_task === old) arrow.to_task = fresh;
        touched.add(arrow);
      }
      old.group.remove();
      old.$date_highlight?.remove(); // its dates' mark in the chart's header
      gantt.bars[gantt.bars.indexOf(old)] = fresh;
      gantt.barIndex.set(task.id, fresh);
      decorateBar(gantt, fresh, false); // the baseline did not move
    }
    gantt.taskIndexOf = null;
    for (const arrow of touched) arrow.update();
    highlightBar();
  }

  // After htmx has set up the page (it walks the whole document once): the chart's thousands
  // of elements are not in its way then.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp, { once: true });
  else setUp();
})();
