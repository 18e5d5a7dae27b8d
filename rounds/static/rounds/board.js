/* Board: drag a tile onto a column to move it; Rejected and Withdrawn ask for a reason first. */
(function () {
  var dragged = null;
  function board() { return document.getElementById("board"); }
  function post(url, values, source) {
    htmx.ajax("POST", url, {source: source || board(), target: "#board", swap: "outerHTML",
      values: values, headers: {"X-CSRFToken": board().dataset.csrf}});
  }
  function askReason(tile, stageId, stageName) {
    var dialog = document.getElementById("reason-dialog");
    var form = document.getElementById("reason-form");
    form.action = tile.dataset.moveUrl;
    form.elements.stage.value = stageId;
    form.elements.reason.value = "";
    form.elements.note.value = "";
    dialog.querySelector('[data-slot="name"]').textContent = tile.dataset.name;
    dialog.querySelector('[data-slot="stage"]').textContent = stageName.toLowerCase();
    dialog.showModal();
    form.elements.reason.focus();
  }
  function moveTile(tile, column) {
    if (tile.closest(".column") === column) return;
    if (column.dataset.needsReason === "1") {
      askReason(tile, column.dataset.stage, column.dataset.stageName);
    } else {
      tile.classList.add("moving");
      column.querySelector("h3").after(tile);
      post(tile.dataset.moveUrl, {stage: column.dataset.stage}, tile);
    }
  }
  document.addEventListener("dragstart", function (e) {
    var tile = e.target.closest && e.target.closest(".tile[draggable=true]");
    if (!tile) return;
    dragged = tile;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", tile.dataset.app);
    tile.classList.add("dragging");
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (e) {
    var col = dragged && e.target.closest && e.target.closest(".column[data-drop]");
    if (!col) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".column.drop-target").forEach(function (c) { if (c !== col) c.classList.remove("drop-target"); });
    col.classList.add("drop-target");
  });
  document.addEventListener("drop", function (e) {
    var col = dragged && e.target.closest && e.target.closest(".column[data-drop]");
    if (!col) return;
    e.preventDefault();
    col.classList.remove("drop-target");
    moveTile(dragged, col);
  });
  /* The select on a tile: a reason is asked for before moving to Rejected or Withdrawn. */
  document.addEventListener("htmx:confirm", function (e) {
    var form = e.detail.elt;
    if (!form.matches || !form.matches(".move-form")) return;
    var option = form.elements.stage.selectedOptions[0];
    if (option && option.dataset.needsReason === "1") {
      e.preventDefault();
      askReason(form.closest(".tile"), option.value, option.textContent);
    }
  });
  document.addEventListener("submit", function (e) {
    if (e.target.id !== "reason-form") return;
    e.preventDefault();
    var form = e.target;
    if (!form.elements.reason.value) { form.elements.reason.reportValidity(); return; }
    var values = {stage: form.elements.stage.value, reason: form.elements.reason.value,
                  note: form.elements.note.value};
    document.getElementById("reason-dialog").close();
    post(form.action, values);
  });
  document.addEventListener("click", function (e) {
    if (e.target.matches && e.target.matches("#reason-dialog [data-close]")) {
      document.getElementById("reason-dialog").close();
    }
  });
})();
