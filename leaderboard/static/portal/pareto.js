// Draws the Pareto chart of a leaderboard from the JSON embedded by the page (#pareto-data): a bounded
// sample of the entries (frontier, baselines, top-ranked) and the frontier computed over all of them.
(function () {
  "use strict";
  var holder = document.getElementById("pareto-chart");
  var source = document.getElementById("pareto-data");
  if (!holder || !source) { return; }
  var data = JSON.parse(source.textContent);

  function axisTitle(axis) {
    var arrow = axis.higher_is_better ? " \u2191" : " \u2193";
    return axis.label + (axis.unit ? " (" + axis.unit + ")" : "") + arrow;
  }
  function coords(points, key) { return points.map(function (p) { return p[key]; }); }
  function labels(points) {
    return points.map(function (p) { return (p.method_name || ("#" + p.submission_id)) + (p.is_reference ? " (reference, unranked)" : p.is_baseline ? " (baseline)" : ""); });
  }

  var points = (data.points || []).filter(function (p) { return p.x !== null && p.y !== null; });
  if (!points.length || typeof Plotly === "undefined") {
    var empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = typeof Plotly === "undefined" ? "The chart library did not load." : holder.dataset.emptyText;
    holder.appendChild(empty);
    return;
  }
  var references = points.filter(function (p) { return p.is_reference; });
  var baselines = points.filter(function (p) { return p.is_baseline && !p.is_reference; });
  var entries = points.filter(function (p) { return !p.is_baseline; });
  var sampled = typeof data.total === "number" && typeof data.shown === "number" && data.shown < data.total;
  var entriesName = sampled ? "Entries (top " + data.top + " by rank, frontier, baselines; " + data.shown + " of " + data.total + ")" : "Entries";
  var frontier = (data.frontier || []).slice().sort(function (a, b) { return a.x - b.x; });
  function axisHover(axis, key) {
    return axis.label + ": %{" + key + "}" + (axis.unit ? " " + axis.unit : "");
  }
  var hover = "%{text}<br>" + axisHover(data.x, "x") + "<br>" + axisHover(data.y, "y") + "<extra></extra>";
  // Baselines first, as larger open diamonds, entries on top: an entry that ties with a baseline stays visible.
  var traces = [
    // Staircase of what is attainable: flat until the next frontier point is reached along x.
    { name: "Pareto frontier", x: coords(frontier, "x"), y: coords(frontier, "y"), mode: "lines+markers",
      line: { color: "#2452c8", width: 2, dash: "dot", shape: data.x.higher_is_better ? "vh" : "hv" },
      marker: { size: 18, symbol: "circle-open", color: "#2452c8" }, hoverinfo: "skip" },
    { name: "References (unranked)", x: coords(references, "x"), y: coords(references, "y"), text: labels(references),
      mode: "markers", customdata: coords(references, "submission_id"),
      marker: { size: 12, color: "#888888", symbol: "x-thin-open", line: { width: 2, color: "#888888" } }, hovertemplate: hover },
    { name: "Baselines", x: coords(baselines, "x"), y: coords(baselines, "y"), text: labels(baselines), mode: "markers",
      customdata: coords(baselines, "submission_id"),
      marker: { size: 14, color: "#d08a00", symbol: "diamond-open", line: { width: 2 } }, hovertemplate: hover },
    { name: entriesName, x: coords(entries, "x"), y: coords(entries, "y"), text: labels(entries), mode: "markers",
      customdata: coords(entries, "submission_id"),
      marker: { size: 9, color: "#2452c8" }, hovertemplate: hover }
  ];
  var layout = {
    margin: { l: 70, r: 20, t: 20, b: 60 },
    xaxis: { title: { text: axisTitle(data.x) }, zeroline: false },
    yaxis: { title: { text: axisTitle(data.y) }, zeroline: false },
    legend: { orientation: "h", y: -0.2 },
    hovermode: "closest"
  };
  Plotly.newPlot(holder, traces, layout, { displaylogo: false, responsive: true });
  // A click on a point opens that entry's page.
  holder.on("plotly_click", function (event) {
    var id = event.points && event.points[0] && event.points[0].customdata;
    if (id) { window.location.href = "/submissions/" + id + "/"; }
  });
})();
