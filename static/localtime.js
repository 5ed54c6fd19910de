// Show <time datetime="...Z"> elements in the reader's own time zone (the page says UTC without JS).
document.querySelectorAll("time[datetime]").forEach(function (el) {
  var when = new Date(el.getAttribute("datetime"));
  if (isNaN(when)) return;
  el.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  el.title = el.getAttribute("datetime");
});
