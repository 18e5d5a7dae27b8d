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
