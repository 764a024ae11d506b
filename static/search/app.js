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
