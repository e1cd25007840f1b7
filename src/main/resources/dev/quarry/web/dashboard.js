// Quarry dashboard: reloads pages that watch the cluster while "auto-refresh" is ticked.
// Served as a file so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  var box = document.getElementById("auto-refresh");
  if (!seconds || !box) return;
  var KEY = "quarry.autoRefresh";
  try {
    box.checked = window.localStorage.getItem(KEY) !== "off";
  } catch (e) { /* storage may be off: keep the default */ }
  var timer = null;
  function arm() {
    if (timer) window.clearTimeout(timer);
    timer = box.checked ? window.setTimeout(function () { window.location.reload(); }, seconds * 1000) : null;
  }
  box.addEventListener("change", function () {
    try { window.localStorage.setItem(KEY, box.checked ? "on" : "off"); } catch (e) { /* ignore */ }
    arm();
  });
  arm();
})();
