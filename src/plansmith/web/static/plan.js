// The plan page: a selectable, editable WBS table (htmx) beside the Gantt chart of
// plan_chart.js, whose rows line up with the table's. A change answers with the whole plan
// body, because one change reschedules dates everywhere; this script then rebuilds the chart
// from #gantt-data and puts back the selection, the scroll positions and the keyboard focus, so
// that a change feels local. A dragged bar is the exception: it answers with only the rows and
// bars that moved (JSON), which are put in place of the old ones.
(function () {
  "use strict";
  const script = document.currentScript;
  const base = `/projects/${encodeURIComponent(script.dataset.project)}`;
  const { PlanGantt, VIEW_MODES, ZOOMS, LANG, DAY, parse, isoDay, esc, toTask, xOf, dateAt, daysPerPixel, decorateBar } =
    window.PlanChart;
  const FIELDS = { 1: "name", 2: "duration", 3: "start", 5: "progress", 6: "after", 7: "resources" };
  const MOVES = { ArrowRight: "indent", ArrowLeft: "outdent", ArrowUp: "up", ArrowDown: "down" };
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
    maintenance: [], // the systems' windows and updates, as #gantt-maintenance has them
    listeners: [],
    scroll: null,
    pending: null,
  };
  const originals = new Map(); // a row's display markup while its form is open

  const $ = (selector, root = document) => root.querySelector(selector);
  const csrf = () => $('meta[name="csrf-token"]').content;
  const editable = () => ($("#plan-body") || {}).dataset?.editable || "";
  const rowOf = (key) => (key == null ? null : $(`#wbs tbody tr[data-task="${CSS.escape(key)}"]`));

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

  // The chart --------------------------------------------------------------------------------

  function build(again) {
    const holder = $("#gantt");
    const source = $("#gantt-data");
    if (state.dataOf !== source) {
      state.data = JSON.parse(source?.textContent || "[]"); // a new plan body
      state.maintenance = JSON.parse($("#gantt-maintenance")?.textContent || "[]");
      state.dataOf = source;
    }
    const data = state.data;
    for (const [type, listener, options] of state.listeners) document.removeEventListener(type, listener, options);
    state.listeners = [];
    if (again && state.gantt) state.scroll = { table: $("#wbs-scroll").scrollTop, left: state.gantt.$container.scrollLeft, top: state.gantt.$container.scrollTop };
    if (state.gantt) state.gantt.drawing = null; // the old chart stops drawing its slices
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
      selected_task: () => state.selected,
      on_render: highlightBar,
      maintenance: state.maintenance, // the systems' windows and updates, drawn behind the bars
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
