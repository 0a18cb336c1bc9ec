// pan-scan HTML report: sorting and filtering of the findings table.
// Everything is in the page without this script; it only adds controls.
(function () {
  "use strict";
  var body = document.body;
  var table = document.getElementById("findings-table");
  var bar = document.getElementById("findings-filters");
  if (table && bar && table.tBodies.length) {
    var tbody = table.tBodies[0];
    var ths = table.tHead.rows[0].cells;
    var items = [];
    for (var i = 0; i < tbody.rows.length; i++) {
      var r = tbody.rows[i];
      items.push({ row: r, index: i, text: r.textContent.toLowerCase(), keys: [] });
    }
    var q = document.getElementById("filter-text");
    var kind = document.getElementById("filter-kind");
    var conf = document.getElementById("filter-confidence");
    var shown = document.getElementById("filter-shown");

    var apply = function () {
      var t = q.value.trim().toLowerCase();
      var k = kind.value;
      var c = conf.value;
      var n = 0;
      for (var i = 0; i < items.length; i++) {
        var r = items[i].row;
        var ok = (!k || r.getAttribute("data-kind") === k) &&
          (!c || r.getAttribute("data-confidence") === c) &&
          (!t || items[i].text.indexOf(t) !== -1);
        r.hidden = !ok;
        if (ok) n++;
      }
      shown.textContent = n + " of " + items.length + " rows shown";
    };

    var key = function (it, col) {
      var k = it.keys[col];
      if (k === undefined) {
        var cell = it.row.cells[col];
        k = cell ? (cell.getAttribute("data-sort-key") || cell.textContent) : "";
        it.keys[col] = k;
      }
      return k;
    };

    var sortBy = function (col) {
      var th = ths[col];
      var asc = th.getAttribute("aria-sort") !== "ascending";
      for (var j = 0; j < ths.length; j++) ths[j].removeAttribute("aria-sort");
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var num = th.getAttribute("data-type") === "num";
      items.sort(function (a, b) {
        var x = key(a, col);
        var y = key(b, col);
        var d = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : (x < y ? -1 : x > y ? 1 : 0);
        if (d === 0) return a.index - b.index;
        return asc ? d : -d;
      });
      var frag = document.createDocumentFragment();
      for (var i = 0; i < items.length; i++) frag.appendChild(items[i].row);
      tbody.appendChild(frag);
    };

    // The header cells themselves are the controls (a button inside a
    // header cell blanks the header Chromium repeats on printed pages).
    Array.prototype.forEach.call(ths, function (th, col) {
      th.className += " sortable";
      th.tabIndex = 0;
      th.setAttribute("role", "button");
      th.title = "Sort by this column";
      th.addEventListener("click", function () { sortBy(col); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sortBy(col);
        }
      });
    });

    q.addEventListener("input", apply);
    kind.addEventListener("change", apply);
    conf.addEventListener("change", apply);

    // A link to a finding hidden by a filter clears the filters.
    var reveal = function () {
      var id = decodeURIComponent(location.hash.slice(1));
      var el = id && document.getElementById(id);
      if (el && el.hidden) {
        q.value = "";
        kind.value = "";
        conf.value = "";
        apply();
        el.scrollIntoView();
      }
    };
    window.addEventListener("hashchange", reveal);

    bar.hidden = false;
    apply();
  }
  body.setAttribute("data-ready", "1");
})();
