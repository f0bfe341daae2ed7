/* tieval tables (tables helper): a status filter on every table with a status column, and long
   tables opened whole for printing.  No framework, no request to any host; works from file://.
   A table block with status cells carries data-status-columns; its rows are filtered by the
   data-status of their cells. */
(function () {
  "use strict";

  function statusesOf(table, column) {
    var counts = {};
    var order = [];
    table.querySelectorAll("tbody td:nth-child(" + (column + 1) + ")[data-status]").forEach(function (td) {
      var key = td.getAttribute("data-status");
      if (!(key in counts)) {
        counts[key] = { n: 0, label: td.textContent.trim() };
        order.push(key);
      }
      counts[key].n += 1;
    });
    return order.map(function (key) { return { key: key, n: counts[key].n, label: counts[key].label }; });
  }

  function setup(figure, index) {
    var tables = figure.querySelectorAll("table.tieval-table");
    if (!tables.length) { return; }
    var whole = tables[tables.length - 1];
    // the verdict is the last status column (data-status-columns: their 0-based indices)
    var columns = figure.getAttribute("data-status-columns").split(",");
    var column = parseInt(columns[columns.length - 1], 10);
    var selector = "td:nth-child(" + (column + 1) + ")";
    var statuses = statusesOf(whole, column);
    if (statuses.length < 2) { return; }
    var rows = whole.querySelectorAll("tbody tr").length;
    var box = document.createElement("div");
    box.className = "tieval-filter";
    var label = document.createElement("label");
    var id = (figure.id || "tieval-table-" + index) + "-filter";
    label.setAttribute("for", id);
    label.textContent = "Show rows:";
    var select = document.createElement("select");
    select.id = id;
    var all = document.createElement("option");
    all.value = "";
    all.textContent = "all (" + rows + ")";
    select.appendChild(all);
    statuses.forEach(function (s) {
      var option = document.createElement("option");
      option.value = s.key;
      option.textContent = s.label + " (" + s.n + ")";
      select.appendChild(option);
    });
    var shown = document.createElement("output");
    shown.setAttribute("aria-live", "polite");
    shown.setAttribute("for", id);
    box.appendChild(label);
    box.appendChild(select);
    box.appendChild(shown);
    var caption = figure.querySelector("figcaption");
    caption.parentNode.insertBefore(box, caption.nextSibling);

    select.addEventListener("change", function () {
      var want = select.value;
      var details = figure.querySelector("details.tieval-full");
      if (want && details) { details.open = true; }
      figure.querySelectorAll(".tieval-preview, .tieval-preview-lead").forEach(function (el) {
        el.classList.toggle("tieval-hidden", Boolean(want && details));
      });
      var visible = 0;
      whole.querySelectorAll("tbody tr").forEach(function (tr) {
        var keep = !want || tr.querySelector(selector + '[data-status="' + want + '"]') !== null;
        tr.classList.toggle("tieval-hidden", !keep);
        if (keep) { visible += 1; }
      });
      shown.textContent = want ? visible + " of " + rows + " rows shown" : "";
    });
  }

  function init() {
    document.querySelectorAll("figure.tieval-tablefig[data-status-columns]").forEach(setup);
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.tieval-full, details.tieval-description").forEach(function (d) {
        d.open = true;
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
