// htmx keeps a snapshot of the page for the back button; store typed values in it too,
// so going back shows the query that produced the results on screen.
document.addEventListener("htmx:beforeHistorySave", function () {
  document.querySelectorAll("input[type=search], input[type=text], input[type=date]").forEach(function (input) {
    input.setAttribute("value", input.value);
  });
  document.querySelectorAll("select").forEach(function (select) {
    Array.from(select.options).forEach(function (option) {
      option.toggleAttribute("selected", option.selected);
    });
  });
});
