// One small line chart per indicator measured at more than one checkup (data from json_script).
document.addEventListener("DOMContentLoaded", () => {
  const holder = document.getElementById("health-trends");
  const source = document.getElementById("trend-data");
  if (!holder || !source || typeof Chart === "undefined") return;
  for (const trend of JSON.parse(source.textContent)) {
    const column = document.createElement("div");
    column.className = "col-md-6 col-lg-4";
    const title = document.createElement("div");
    title.className = "small text-muted";
    title.textContent = trend.unit ? `${trend.name}（${trend.unit}）` : trend.name;
    // Chart.js sizes a chart to its container: a fixed-height box keeps each chart small.
    const box = document.createElement("div");
    box.style.position = "relative";
    box.style.height = "160px";
    const canvas = document.createElement("canvas");
    box.append(canvas);
    column.append(title, box);
    holder.append(column);
    new Chart(canvas, {
      type: "line",
      data: { labels: trend.dates, datasets: [{ data: trend.values, borderColor: "#0b2a5b", tension: 0.2 }] },
      options: { plugins: { legend: { display: false } }, animation: false, maintainAspectRatio: false },
    });
  }
});
