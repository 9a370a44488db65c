// The plan page's Gantt chart: bars from the page's JSON; dragging a bar (or its end) saves
// through the API with the version the page was rendered with, then reloads the page so every
// date shows the rescheduled plan.
(function () {
  const script = document.currentScript;
  const project = script.dataset.project;
  const editable = script.dataset.editable === "true";
  const tasks = JSON.parse(document.getElementById("gantt-data").textContent);
  if (!tasks.length) return;
  const byId = Object.fromEntries(tasks.map((t) => [t.id, t]));
  const pad = (n) => String(n).padStart(2, "0");
  const iso = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

  async function save(task, start, end) {
    const original = byId[task.id];
    const response = await fetch(`/projects/${project}/tasks/${encodeURIComponent(task.id)}/dates`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content,
      },
      body: JSON.stringify({ start: iso(start), end: iso(end), version: original.version }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ message: response.statusText }));
      window.alert(problem.message);
    }
    window.location.reload();
  }

  const gantt = new Gantt("#gantt", tasks, {
    view_mode: "Week",
    readonly: !editable,
    readonly_progress: true,
    today_button: true,
    on_date_change: editable ? save : undefined,
  });
  document.querySelectorAll("[data-view-mode]").forEach((button) =>
    button.addEventListener("click", () => gantt.change_view_mode(button.dataset.viewMode)),
  );
})();
