// Show <time datetime="...Z"> elements in the reader's own time zone (the page says UTC without JS).
document.querySelectorAll("time[datetime]").forEach(function (el) {
  var when = new Date(el.getAttribute("datetime"));
  if (isNaN(when)) return;
  if (el.hasAttribute("data-zone")) {
    // A due date stays in the class's zone, where it was set; the reader's own time on hover.
    el.title = "Your time: " + when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    return;
  }
  var dateOnly = el.hasAttribute("data-date-only");
  el.textContent = dateOnly
    ? when.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" })
    : when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  el.title = el.getAttribute("datetime");
});
// A chart's date labels (SVG text, which cannot hold a <time>): the reader's own day.
document.querySelectorAll("[data-date]").forEach(function (el) {
  var when = new Date(el.getAttribute("data-date"));
  if (isNaN(when)) return;
  var options = { day: "numeric", month: "short" };
  if (/\d{4}$/.test(el.textContent)) options.year = "numeric";
  el.textContent = when.toLocaleDateString(undefined, options);
});
