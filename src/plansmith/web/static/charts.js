// The analysis pages' charts (resources, risk, money) with ECharts. Every chart is a
// <div data-chart="kind" data-source="id"> whose data is the <script type="application/json"
// id="id"> block the server rendered: the figures are the engines', this file only draws them.
// Charts start on page load and again inside whatever htmx swaps in; controls name the chart
// they drive with data-chart-target. Each chart has an aria-label and a text summary on the
// page, so nothing is said by colour or by the picture alone.
(function () {
  "use strict";
  // htmx runs a page's scripts again when it restores the page from its history: keep the
  // listeners of the first run only.
  if (window.plansmithCharts) return;
  window.plansmithCharts = true;

  const COLOURS = {
    blue: "#1c4f8a", green: "#1b6e3a", red: "#b3261e", amber: "#8a5a00",
    grey: "#5f6b7a", light: "#e8eef7", purple: "#5b3b8c",
  };
  const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const pad = (n) => String(n).padStart(2, "0");
  const when = (ms) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  };
  const local = (text) => Date.parse(text.length === 16 ? text + ":00" : text);
  const short = (text, n) => (text.length > n ? text.slice(0, n - 1) + "…" : text);
  const base = (el) => ({
    animation: false,
    aria: { enabled: true, label: { description: el.getAttribute("aria-label") || "" } },
    textStyle: { fontSize: 12 },
  });

  // Resources ------------------------------------------------------------------------------

  function heatmap(data, el) {
    const mode = el.dataset.mode === "after" ? "after" : "before";
    const grid = data[mode];
    const cell = (v) => [v[0], v[1], v[2] === null ? "-" : Math.min(v[2], 100), v[3], v[4], v[2]];
    const tip = (p) => {
      const v = p.data;
      const util = v[5] === null ? "no working time" : `${v[5]}% of capacity`;
      const over = p.seriesIndex === 1 ? "<br><strong>Over-allocated</strong> at some time this week" : "";
      return `${data.resources[v[1]]}<br>${data.weeks[v[0]]}: ${v[3]} h booked of ${v[4]} h (${util})${over}`;
    };
    return {
      ...base(el),
      tooltip: { formatter: tip },
      grid: { left: 8, right: 16, top: 8, bottom: 70, containLabel: true },
      xAxis: { type: "category", data: data.weeks, axisLabel: { rotate: 60 }, splitArea: { show: true } },
      yAxis: { type: "category", data: data.resources.map((r) => short(r, 32)), inverse: true },
      visualMap: {
        type: "continuous", min: 0, max: 100, dimension: 2, seriesIndex: 0,
        orient: "horizontal", left: "center", bottom: 0, itemHeight: 120,
        text: ["100% booked", "0%"], inRange: { color: ["#f4f7fb", "#9db8da", COLOURS.blue] },
      },
      series: [
        { name: "Booked share of capacity", type: "heatmap", data: grid.values.map(cell),
          itemStyle: { borderColor: "#fff", borderWidth: 1 } },
        { name: "Over-allocated", type: "heatmap", data: grid.over.map(cell),
          itemStyle: { color: COLOURS.red, borderColor: "#fff", borderWidth: 1 },
          label: { show: true, formatter: "!", color: "#fff", fontWeight: "bold", fontSize: 14 } },
      ],
    };
  }

  function load(data, el) {
    const id = el.dataset.resource || data.ids[0];
    const series = data.load[id] || { before: [], after: [], available: [] };
    return {
      ...base(el),
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.weeks, axisLabel: { rotate: 45 } },
      yAxis: { type: "value", name: "hours" },
      series: [
        { name: "Booked as planned", type: "bar", data: series.before, itemStyle: { color: COLOURS.blue } },
        { name: "Booked after leveling", type: "line", step: "middle", data: series.after,
          symbol: "triangle", lineStyle: { color: COLOURS.green, width: 2 }, itemStyle: { color: COLOURS.green } },
        { name: "Available", type: "line", step: "middle", data: series.available, symbol: "none",
          lineStyle: { color: COLOURS.red, type: "dashed", width: 2 }, itemStyle: { color: COLOURS.red } },
      ],
    };
  }

  // Risk -----------------------------------------------------------------------------------

  // A histogram with its S-curve (the cumulative share), P50 and P80 marked. `at` turns an
  // edge (a date or an amount as text) into the value axis's number.
  function distribution(d, el, at, label, axisType) {
    const edges = d.edges.map(at);
    const mids = d.counts.map((c, i) => [(edges[i] + edges[i + 1]) / 2, c]);
    const curve = [[edges[0], 0], ...d.cumulative.map((c, i) => [edges[i + 1], Math.round(c * 1000) / 10])];
    const width = edges.length > 1 ? edges[1] - edges[0] : 1;
    const mark = (name, value, color, type) => ({
      name, xAxis: at(value), lineStyle: { color, type, width: 2 },
      label: { formatter: `${name} ${label(at(value))}`, color, position: "insideEndTop", fontWeight: "bold" },
    });
    return {
      ...base(el),
      tooltip: { trigger: "axis", valueFormatter: (v) => String(v) },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 56, bottom: 8, containLabel: true },
      xAxis: { type: axisType, min: edges[0] - width, max: edges[edges.length - 1] + width,
               axisLabel: { formatter: (v) => label(v), hideOverlap: true } },
      yAxis: [
        { type: "value", name: "iterations" },
        { type: "value", name: "cumulative", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      ],
      series: [
        { name: "Iterations", type: "bar", data: mids, barWidth: "90%", itemStyle: { color: "#9db8da" },
          markLine: { symbol: "none", data: [
            mark("Plan", d.plan, COLOURS.grey, "dotted"),
            mark("P50", d.p50, COLOURS.blue, "dashed"),
            mark("P80", d.p80, COLOURS.red, "solid"),
          ] } },
        { name: "Cumulative (S-curve)", type: "line", yAxisIndex: 1, data: curve, symbol: "none",
          lineStyle: { color: COLOURS.blue, width: 2 } },
      ],
    };
  }

  function finish(data, el) {
    return distribution(data.finish, el, local, when, "time");
  }

  function cost(data, el) {
    return distribution(data.cost, el, Number, (v) => money.format(v), "value");
  }

  function bars(items, el, axis) {
    const labels = items.map((i) => short(i.label, 48));
    return {
      ...base(el),
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: axis,
      yAxis: { type: "category", data: labels, inverse: true },
    };
  }

  function tornado(data, el) {
    const items = data.tornado;
    return {
      ...bars(items, el, { type: "value", min: -1, max: 1 }),
      series: [{
        name: "Sensitivity", type: "bar",
        data: items.map((i) => ({
          value: i.value,
          itemStyle: { color: i.kind === "risk" ? COLOURS.amber : i.value < 0 ? COLOURS.green : COLOURS.blue },
        })),
        label: { show: true, position: "right", formatter: (p) => p.value.toFixed(2) },
      }],
    };
  }

  function criticality(data, el) {
    const items = data.criticality;
    return {
      ...bars(items, el, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }),
      series: [{ name: "Criticality", type: "bar", data: items.map((i) => i.value),
                 itemStyle: { color: COLOURS.red },
                 label: { show: true, position: "right", formatter: "{c}%" } }],
    };
  }

  // Money ----------------------------------------------------------------------------------

  function phases(data, el) {
    const items = data.phases;
    const series = [["Budget", "budget", COLOURS.grey], ["Planned", "planned", COLOURS.blue],
                    ["Earned value", "ev", COLOURS.green], ["Actual cost", "ac", COLOURS.red]]
      .filter(([, key]) => items.some((p) => p[key] !== null))
      .map(([name, key, color]) => ({ name, type: "bar", data: items.map((p) => p[key]),
                                      itemStyle: { color } }));
    return {
      ...bars(items.map((p) => ({ label: p.name })), el,
              { type: "value", axisLabel: { formatter: (v) => money.format(v) } }),
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (v === null ? "–" : money.format(v)) },
      series,
    };
  }

  function months(data, el) {
    const items = data.months;
    const hasActual = items.some((m) => m.actual !== null);
    const series = [
      { name: "Planned", type: "bar", data: items.map((m) => m.planned), itemStyle: { color: COLOURS.blue } },
      { name: "Planned, cumulative", type: "line", yAxisIndex: 1, data: items.map((m) => m.cumulative),
        lineStyle: { color: COLOURS.blue }, itemStyle: { color: COLOURS.blue } },
    ];
    if (hasActual) {
      series.push(
        { name: "Actual", type: "bar", data: items.map((m) => m.actual), itemStyle: { color: COLOURS.red } },
        { name: "Actual, cumulative", type: "line", yAxisIndex: 1, data: items.map((m) => m.actual_cumulative),
          symbol: "diamond", lineStyle: { color: COLOURS.red, type: "dashed" }, itemStyle: { color: COLOURS.red } },
      );
    }
    const axis = (name) => ({ type: "value", name, axisLabel: { formatter: (v) => money.format(v) } });
    return {
      ...base(el),
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "–" : money.format(v)) },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: items.map((m) => m.month) },
      yAxis: [axis(`per month (${data.currency})`), axis("cumulative")],
      series,
    };
  }

  function scurve(data, el) {
    const curve = data.curve;
    const pv = curve.map((p) => [p.date, p.pv]);
    const ac = curve.filter((p) => p.ac !== null).map((p) => [p.date, p.ac]);
    const ev = data.series.map((s) => [s.status_date, Number(s.ev)]);
    const flat = (name, value, color, position) => ({
      name, yAxis: Number(value), lineStyle: { color, type: "dotted" },
      label: { formatter: `${name} ${money.format(Number(value))}`, position, color },
    });
    return {
      ...base(el),
      tooltip: { trigger: "axis", valueFormatter: (v) => money.format(v) },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "time" },
      yAxis: { type: "value", name: data.currency, axisLabel: { formatter: (v) => money.format(v) } },
      series: [
        { name: "Planned value (PV)", type: "line", data: pv, symbol: "none", lineStyle: { color: COLOURS.blue, width: 2 },
          itemStyle: { color: COLOURS.blue },
          markLine: { symbol: "none", data: [
            { name: "Status date", xAxis: data.status_date, lineStyle: { color: COLOURS.grey },
              label: { formatter: `status ${data.status_date}` } },
            flat("BAC", data.bac, COLOURS.grey, Number(data.bac) >= Number(data.eac) ? "insideEndTop" : "insideEndBottom"),
            ...(data.eac ? [flat("EAC", data.eac, COLOURS.purple, Number(data.bac) >= Number(data.eac) ? "insideEndBottom" : "insideEndTop")] : []),
          ] } },
        { name: "Actual cost (AC)", type: "line", data: ac, symbol: "diamond", symbolSize: 5,
          lineStyle: { color: COLOURS.red, type: "dashed", width: 2 }, itemStyle: { color: COLOURS.red } },
        { name: "Earned value (EV)", type: "line", data: ev, symbol: "circle", symbolSize: 10,
          lineStyle: { color: COLOURS.green, width: 2 }, itemStyle: { color: COLOURS.green } },
      ],
    };
  }

  function indices(data, el) {
    const pick = (key) => data.series.map((s) => [s.status_date, s[key]]);
    const line = (name, key, color, symbol) => ({ name, type: "line", data: pick(key), symbol, symbolSize: 9,
                                                  lineStyle: { color }, itemStyle: { color } });
    return {
      ...base(el),
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "time" },
      yAxis: { type: "value", scale: true },
      series: [
        { ...line("SPI", "spi", COLOURS.blue, "circle"),
          markLine: { symbol: "none", data: [{ yAxis: 1, name: "on plan" }], lineStyle: { color: COLOURS.grey, type: "dotted" } } },
        line("CPI", "cpi", COLOURS.red, "diamond"),
        line("SPI(t)", "spi_t", COLOURS.green, "triangle"),
      ],
    };
  }

  // Wiring ---------------------------------------------------------------------------------

  const BUILDERS = { heatmap, load, finish, cost, tornado, criticality, phases, months, scurve, indices };

  function draw(el) {
    const source = document.getElementById(el.dataset.source);
    const build = BUILDERS[el.dataset.chart];
    if (!source || !build || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "svg" });
    chart.setOption(build(data, el), true);
  }

  function start(root) {
    root.querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("change", (event) => {
    const control = event.target.closest("[data-chart-target]");
    if (!control) return;
    const el = document.getElementById(control.dataset.chartTarget);
    if (!el) return;
    if (control.type === "radio") el.dataset.mode = control.value;
    else el.dataset.resource = control.value;
    draw(el);
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    event.detail.target.querySelectorAll("[data-chart]").forEach((el) => {
      const chart = window.echarts && echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    });
  });
  document.addEventListener("htmx:afterSettle", (event) => start(event.detail.target || document));
  // Going back to a page htmx changed restores its HTML, pictures of the charts included but
  // not the charts themselves: draw them afresh.
  document.addEventListener("htmx:historyRestore", () => {
    document.querySelectorAll("[data-chart]").forEach((el) => {
      const stale = window.echarts && echarts.getInstanceByDom(el);
      if (stale) stale.dispose();
      el.replaceChildren();
      el.removeAttribute("_echarts_instance_");
      draw(el);
    });
  });
  window.addEventListener("resize", () => {
    document.querySelectorAll("[data-chart]").forEach((el) => {
      const chart = window.echarts && echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => start(document));
  else start(document);
})();
