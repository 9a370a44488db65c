// The plan page's Gantt chart: frappe-gantt (from npm) made fit for plans of thousands of tasks.
// The bars of the rows in view are drawn at once and the others in slices between frames, so
// the page is usable in well under a second and answers input while the rest is drawn (#gantt's
// data-drawn says how far it got: "view", then "all"); work frappe-gantt does per bar with a
// layout pass each (labels, bounding boxes) is done without one; and the chart shows what a
// plan has beyond frappe-gantt's bars (critical tasks, summaries, milestones, baselines, the
// status date, the systems' maintenance windows and updates). plan.js builds it (PlanChart.PlanGantt) and drives it. Task names reach the
// chart escaped: frappe-gantt writes labels and popups as HTML.
(function () {
  "use strict";
  const DAY = 86400000;
  const NS = "http://www.w3.org/2000/svg";
  const ZOOMS = ["Day", "Week", "Month", "Quarter"];
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

  const esc = (text) =>
    String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const pad = (n) => String(n).padStart(2, "0");
  const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

  function parse(text) {
    // "YYYY-MM-DD[THH:MM]" as local wall-clock time (new Date() would read a bare date as UTC)
    const [y, m, d, hh = 0, mm = 0] = text.split(/[-T: ]/).map(Number);
    return new Date(y, m - 1, d, hh, mm);
  }

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
    if (bar.task.id === gantt.options.selected_task?.()) group.classList.add("selected");
  }

  // The systems' maintenance windows and planned updates (options.maintenance, the page's
  // [kind, start, end, label] lists, only those within the plan's span): one band each, the
  // height of the grid, behind the bars and the baselines. A window of an hour is a sliver at
  // week zoom, so a band is never narrower than a few pixels. Labels are set as text.
  function drawMaintenance(gantt) {
    const bands = gantt.options.maintenance;
    if (!bands || !bands.length) return;
    const group = document.createElementNS(NS, "g");
    group.setAttribute("class", "maintenance");
    const top = gantt.config.header_height;
    const height = Math.max(0, gantt.grid_height - top);
    for (const [kind, start, end, label] of bands) {
      const x1 = xOf(gantt, parse(start));
      const x2 = xOf(gantt, parse(end));
      const rect = document.createElementNS(NS, "rect");
      const text = `${label}: ${start.replace("T", " ")} to ${end.replace("T", " ")}`;
      rect.setAttribute("class", `maintenance-band ${kind}`);
      rect.setAttribute("x", x1);
      rect.setAttribute("y", top);
      rect.setAttribute("width", Math.max(3, x2 - x1));
      rect.setAttribute("height", height);
      rect.setAttribute("role", "img");
      rect.setAttribute("aria-label", text);
      rect.dataset.start = start;
      rect.dataset.end = end;
      const title = document.createElementNS(NS, "title");
      title.textContent = text;
      rect.append(title);
      group.append(rect);
    }
    gantt.extras.prepend(group);
  }

  function decorate(gantt) {
    drawMaintenance(gantt);
    const status = document.querySelector("[data-status-date]");
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
    gantt.options.on_render?.();
  }

  window.PlanChart = {
    PlanGantt,
    VIEW_MODES,
    ZOOMS,
    LANG,
    DAY,
    parse,
    isoDay,
    esc,
    toTask,
    xOf,
    dateAt,
    daysPerPixel,
    decorateBar,
  };
})();
