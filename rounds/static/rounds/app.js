/* Rounds: the little the pages need beyond htmx. Loaded in <head> (not deferred) so the menu
   is folded before the first paint on a phone. */
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var toggle = event.target.closest && event.target.closest(".menu-toggle");
  if (!toggle) return;
  var bar = document.getElementById(toggle.getAttribute("aria-controls")).closest(".topbar");
  var open = bar.classList.toggle("open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});

/* Behaviour pages ask for with data- attributes (the Content-Security-Policy allows no inline
   script or handler). */
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-confirm], [data-copy], [data-select-on-click]");
  if (!el) return;
  if (el.hasAttribute("data-confirm") && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
  if (el.hasAttribute("data-select-on-click")) el.select();
  if (el.hasAttribute("data-copy")) {
    var source = document.getElementById(el.getAttribute("data-copy"));
    navigator.clipboard.writeText(source.value).then(function () { el.textContent = "Copied"; });
  }
});
/* After the form's request, empty the elements named (a results list, the search box). */
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  var names = form && form.getAttribute && form.getAttribute("data-after-request-clear");
  if (!names) return;
  names.split(" ").forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) return;
    if ("value" in el && el.tagName !== "DIV" && el.tagName !== "UL") el.value = "";
    else el.innerHTML = "";
  });
});
/* Respond-now clocks count down from their data-due (ISO, UTC): minutes:seconds left, red and
   negative once late. */
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".respond-clock[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var whole = Math.abs(left);
      el.textContent = (left < 0 ? "-" : "") + Math.floor(whole / 60) + ":" + pad(whole % 60);
      el.classList.toggle("late", left < 0);
      var item = el.closest(".respond-item");
      if (item) item.classList.toggle("late", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);  // also ticks clocks htmx swaps in later
  });
})();
