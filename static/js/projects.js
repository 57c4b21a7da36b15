// Project workspace: the S-curve (Chart.js) and the Gantt (frappe-gantt) with a baseline
// overlay. Data comes from json_script blocks; no inline scripts (CSP).
(function () {
  "use strict";

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function num(values) {
    return values.map((v) => (v === null ? null : Number(v)));
  }

  function drawSCurve() {
    const data = readJson("s-curve-data");
    const canvas = document.getElementById("s-curve");
    if (!data || !canvas || typeof window.Chart === "undefined") return;
    const series = (label, values, color, dash) => ({
      label,
      data: num(values),
      borderColor: color,
      backgroundColor: color,
      borderDash: dash || [],
      pointRadius: 0,
      tension: 0.2,
      spanGaps: false,
    });
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          series("Planned value (PV)", data.pv, "#2453c7", [6, 4]),
          series("Earned value (EV)", data.ev, "#1f7a44"),
          series("Actual cost (AC)", data.ac, "#b3261e"),
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  const DAY = 24 * 60 * 60 * 1000;

  function parseDay(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return new Date(y, m - 1, d);
  }

  // Thin bars under each task for the baseline dates. frappe-gantt has no baseline API, so
  // we place them with the chart's own scale: columns of `column_width` px per `step` units.
  function drawBaseline(gantt) {
    const svg = gantt.$svg;
    if (!svg || !gantt.bars) return;
    svg.querySelectorAll(".baseline-bar").forEach((el) => el.remove());
    const unitDays = gantt.config.unit === "month" ? 30 : gantt.config.unit === "year" ? 365 : 1;
    const pxPerDay = gantt.config.column_width / (gantt.config.step * unitDays);
    const origin = gantt.gantt_start.getTime();
    gantt.bars.forEach((bar) => {
      const task = bar.task;
      if (!task.baseline_start || !task.baseline_end) return;
      const start = (parseDay(task.baseline_start).getTime() - origin) / DAY;
      const end = (parseDay(task.baseline_end).getTime() - origin) / DAY + 1;
      const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("class", "baseline-bar");
      rect.setAttribute("x", String(start * pxPerDay));
      rect.setAttribute("y", String(bar.$bar.getY() + bar.$bar.getHeight() + 2));
      rect.setAttribute("width", String(Math.max(2, (end - start) * pxPerDay)));
      rect.setAttribute("height", "4");
      const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = "Baseline " + task.baseline_start + " → " + task.baseline_end;
      rect.appendChild(title);
      bar.group.appendChild(rect);
    });
  }

  function escapeHtml(text) {
    const map = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
    return String(text).replace(/[&<>"']/g, (c) => map[c]);
  }

  // Column widths per scale, so a typical three-month plan fits the page in Week view.
  const COLUMN_WIDTH = { Day: 28, Week: 72, Month: 110 };

  function drawGantt() {
    const data = readJson("gantt-data");
    const box = document.getElementById("gantt");
    if (!data || !box || typeof window.Gantt === "undefined") return;
    const select = document.getElementById("gantt-view");
    const render = () => {
      const mode = select ? select.value : "Week";
      box.replaceChildren();
      // frappe-gantt annotates the task objects it gets: hand it a fresh copy each time.
      // It writes task names with innerHTML (bar labels, popup): hand it escaped names.
      const tasks = readJson("gantt-data").tasks.map((t) => ({ ...t, name: escapeHtml(t.name) }));
      const gantt = new window.Gantt(box, tasks, {
        view_mode: mode,
        column_width: COLUMN_WIDTH[mode] || 60,
        readonly: true,
        infinite_padding: false,
        today_button: false,
        scroll_to: "start",
        bar_height: 22,
        padding: 20,
        popup_on: "hover",
        // Plain text only: task names come from users, so never inject them as HTML.
        popup: (ctx) => {
          const t = ctx.task;
          const src = data.tasks.find((x) => x.id === t.id) || {};
          const clean = (text) => String(text).replace(/[<>&"]/g, "");
          ctx.set_title(t.name); // escaped above
          let detail = src.start + " → " + src.end + " · " + Math.round(t.progress) + "%";
          if (src.baseline_start) detail += " · baseline " + src.baseline_start + " → " + src.baseline_end;
          ctx.set_subtitle(clean(detail));
          ctx.set_details("");
        },
      });
      drawBaseline(gantt);
      box.dataset.ready = "true";
    };
    render();
    if (select) select.addEventListener("change", render);
  }

  // Handoff editor: show the fields of the chosen target (existing or new service).
  function showHandoffTarget() {
    const chosen = document.querySelector("input[name=target]:checked");
    if (!chosen) return;
    document.querySelectorAll("[data-target-section]").forEach((el) => {
      // Not `hidden`: the grid's display rule would override it.
      el.style.display = el.dataset.targetSection === chosen.value ? "" : "none";
    });
  }

  // Checklist: ticking a box submits its form (htmx swaps the refreshed checklist in).
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches("input[data-submit-on-change]")) {
      const form = el.closest("form");
      if (form) form.requestSubmit();
    } else if (el.matches("input[name=target]")) {
      showHandoffTarget();
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    drawSCurve();
    drawGantt();
    showHandoffTarget();
  });
})();
