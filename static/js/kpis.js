// KPI dashboards: trend lines, the SPI/CPI scatter, budget deviation and projects by phase
// (Chart.js, served locally). Data comes from the json_script block "kpi-data"; no inline
// scripts (CSP).
(function () {
  "use strict";

  const COLORS = ["#2453c7", "#1f7a44", "#a35f00", "#b3261e", "#6b4fbb", "#0f7c8c"];

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  const baseOptions = () => ({
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
  });

  function drawTrends(data) {
    document.querySelectorAll("canvas[data-trend]").forEach((canvas) => {
      const chart = data.charts[Number(canvas.dataset.trend)];
      if (!chart) return;
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: chart.datasets.map((ds, i) => ({
            label: ds.label,
            data: ds.data,
            borderColor: COLORS[i % COLORS.length],
            backgroundColor: COLORS[i % COLORS.length],
            pointRadius: 2,
            tension: 0.2,
            spanGaps: true,
          })),
        },
        options: baseOptions(),
      });
    });
  }

  function drawScatter(points) {
    const canvas = document.getElementById("kpi-scatter");
    if (!canvas || !points) return;
    const chart = new window.Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          {
            label: "Projects",
            data: points,
            pointRadius: 6,
            pointHoverRadius: 8,
            backgroundColor: points.map((p) =>
              p.x >= 0.95 && p.y >= 0.95 ? "#1f7a44" : Math.min(p.x, p.y) >= 0.85 ? "#a35f00" : "#b3261e"
            ),
          },
        ],
      },
      options: {
        ...baseOptions(),
        interaction: { mode: "nearest", intersect: true },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => `${ctx.raw.label}: SPI ${ctx.raw.x.toFixed(2)}, CPI ${ctx.raw.y.toFixed(2)}`,
            },
          },
        },
        scales: {
          x: { title: { display: true, text: "SPI" }, suggestedMin: 0.5, suggestedMax: 1.5 },
          y: { title: { display: true, text: "CPI" }, suggestedMin: 0.5, suggestedMax: 1.5 },
        },
        onClick: (event, elements) => {
          if (elements.length) window.location.href = points[elements[0].index].url;
        },
      },
    });
    return chart;
  }

  function drawDeviation(rows) {
    const canvas = document.getElementById("kpi-deviation");
    if (!canvas || !rows) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map((r) => r.label),
        datasets: [
          {
            label: "Budget deviation (%)",
            data: rows.map((r) => r.value),
            backgroundColor: rows.map((r) => (r.value > 5 ? "#b3261e" : r.value > 0 ? "#a35f00" : "#1f7a44")),
          },
        ],
      },
      options: { ...baseOptions(), plugins: { legend: { display: false } } },
    });
  }

  function drawPhases(phases) {
    const canvas = document.getElementById("kpi-phases");
    if (!canvas || !phases) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: phases.labels,
        datasets: [{ label: "Projects", data: phases.data, backgroundColor: "#2453c7" }],
      },
      options: {
        ...baseOptions(),
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const data = readJson("kpi-data");
    if (!data || typeof window.Chart === "undefined") return;
    drawTrends(data);
    drawScatter(data.scatter);
    drawDeviation(data.deviation);
    drawPhases(data.phases);
  });
})();
