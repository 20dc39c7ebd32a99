// Draws the curve charts of a leaderboard from the JSON embedded by the page (#curve-data): one line per
// method (the baselines grouped by their config's method, in x order, each starting at the anchor such as
// dense attention), the anchor's own marker, and the submitted entries as markers; a <select> picks the y metric.
(function () {
  "use strict";
  var source = document.getElementById("curve-data");
  if (!source) { return; }
  var charts = JSON.parse(source.textContent);
  var COLORS = ["#2452c8", "#d08a00", "#1a9850", "#c0392b", "#7b3294", "#008080", "#e7298a", "#666666",
                "#8c564b", "#17becf"];

  function withUnit(axis) { return axis.label + (axis.unit ? " (" + axis.unit + ")" : ""); }
  function axisTitle(axis) { return withUnit(axis) + (axis.higher_is_better ? " \u2191" : " \u2193"); }
  function hoverLine(axis, key) { return axis.label + ": %{" + key + "}" + (axis.unit ? " " + axis.unit : ""); }

  // group(point) -> the hover's second line: the point's method (or that it is a submitted entry).
  function trace(name, points, chart, y, group, style) {
    var shown = points.filter(function (p) { return p.y[y.name] !== null && p.y[y.name] !== undefined; });
    return Object.assign({
      name: name,
      x: shown.map(function (p) { return p.x; }),
      y: shown.map(function (p) { return p.y[y.name]; }),
      text: shown.map(function (p) { return p.name + "<br>" + group(p); }),
      customdata: shown.map(function (p) { return p.submission_id; }),
      hovertemplate: "%{text}<br>" + hoverLine(chart.x, "x") + "<br>" + hoverLine(y, "y") +
        "<extra></extra>"
    }, style);
  }

  function draw(holder, chart, yName) {
    var y = chart.ys.filter(function (a) { return a.name === yName; })[0] || chart.ys[0];
    var field = chart.group_by;
    var anchorIds = (chart.anchor ? chart.anchor.points : []).map(function (p) { return p.submission_id; });
    function groupOf(name) {
      return function (p) { return field + ": " + (anchorIds.indexOf(p.submission_id) >= 0 ? chart.anchor.name : name); };
    }
    var traces = chart.lines.map(function (line, i) {
      var color = COLORS[i % COLORS.length];
      return trace(line.name, line.points, chart, y, groupOf(line.name),
        { mode: "lines+markers", line: { color: color, width: 2 }, marker: { size: 8, color: color } });
    });
    if (chart.anchor) {
      traces.push(trace(chart.anchor.name, chart.anchor.points, chart, y, groupOf(chart.anchor.name),
        { mode: "markers", marker: { size: 14, symbol: "star", color: "#111111" } }));
    }
    if (chart.entries.length) {
      var sampled = chart.shown < chart.total;
      traces.push(trace(sampled ? "Submitted entries (top " + chart.top + " by rank)" : "Submitted entries",
        chart.entries, chart, y, function () { return "submitted entry"; },
        { mode: "markers", marker: { size: 11, symbol: "diamond-open", color: "#c0392b", line: { width: 2 } } }));
    }
    var layout = {
      margin: { l: 70, r: 20, t: 20, b: 60 },
      xaxis: { title: { text: axisTitle(chart.x) }, type: chart.log_x ? "log" : "linear", zeroline: false },
      yaxis: { title: { text: axisTitle(y) }, zeroline: false },
      legend: { orientation: "h", y: -0.2 },
      hovermode: "closest"
    };
    Plotly.react(holder, traces, layout, { displaylogo: false, responsive: true });
  }

  charts.forEach(function (chart, index) {
    var holder = document.getElementById("curve-chart-" + index);
    var select = document.getElementById("curve-y-" + index);
    if (!holder) { return; }
    if (typeof Plotly === "undefined") { holder.textContent = "The chart library did not load."; return; }
    draw(holder, chart, select ? select.value : chart.ys[0].name);
    if (select) { select.addEventListener("change", function () { draw(holder, chart, select.value); }); }
    // A click on a point opens that entry's page.
    holder.on("plotly_click", function (event) {
      var id = event.points && event.points[0] && event.points[0].customdata;
      if (id) { window.location.href = "/submissions/" + id + "/"; }
    });
  });
})();
