// htmx saves a snapshot of the page for the back button just before it swaps in new results,
// when the form already holds what the user typed next. Write the values of the URL being saved
// into the snapshot, so going back shows the query that produced the results on screen.
document.addEventListener("htmx:beforeHistorySave", function (event) {
  var params = new URL(event.detail.path || location.href, location.href).searchParams;
  var q = document.getElementById("q");
  if (q) q.setAttribute("value", params.get("q") || "");
  var sort = document.getElementById("sort");
  if (sort) {
    var wanted = params.get("sort") || "relevance";
    Array.from(sort.options).forEach(function (option) {
      option.toggleAttribute("selected", option.value === wanted);
    });
  }
});

// Brushing the date histogram (plain or split by outlet): press on one bar, drag across others,
// release: the search narrows to the range from the first bar's start to the last bar's end.
// A press and release on one bar is an ordinary click (its link sets that bar's range).
(function () {
  var start = null, current = null, dragged = false;
  function bars(chart) { return Array.from(chart.querySelectorAll("[data-from]")); }
  function barAt(event) {
    var el = document.elementFromPoint(event.clientX, event.clientY);
    return el && el.closest ? el.closest("[data-brush] [data-from]") : null;
  }
  function paint(chart) {
    var all = bars(chart), a = all.indexOf(start), b = all.indexOf(current);
    all.forEach(function (bar, i) {
      bar.classList.toggle("brushed", a >= 0 && b >= 0 && i >= Math.min(a, b) && i <= Math.max(a, b));
    });
  }
  document.addEventListener("pointerdown", function (event) {
    var bar = event.target.closest && event.target.closest("[data-brush] [data-from]");
    if (!bar || event.button !== 0) return;
    start = current = bar; dragged = false;
    event.preventDefault();  // no native link drag
  });
  document.addEventListener("pointermove", function (event) {
    if (!start) return;
    var bar = barAt(event);
    if (bar && bar !== current && bar.closest("[data-brush]") === start.closest("[data-brush]")) {
      current = bar; dragged = true; paint(start.closest("[data-brush]"));
    }
  });
  document.addEventListener("pointerup", function () {
    if (!start) return;
    var chart = start.closest("[data-brush]"), all = bars(chart);
    var a = all.indexOf(start), b = all.indexOf(current);
    var first = all[Math.min(a, b)], last = all[Math.max(a, b)];
    var wasDrag = dragged && first !== last;
    start = current = null;
    if (!wasDrag) return;  // the click goes ahead
    var url = new URL(location.href);
    url.searchParams.set("from", first.getAttribute("data-from"));
    url.searchParams.set("to", last.getAttribute("data-to"));
    url.searchParams.delete("page");
    chart.setAttribute("data-brushed", "1");
    location.assign(url.toString());
  });
  // After a drag the browser still sends a click to the bar under the pointer: swallow it.
  document.addEventListener("click", function (event) {
    var chart = event.target.closest && event.target.closest("[data-brush]");
    if (chart && chart.getAttribute("data-brushed")) { event.preventDefault(); event.stopPropagation(); }
  }, true);
})();
