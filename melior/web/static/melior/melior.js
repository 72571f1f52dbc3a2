// Render every Vega-Lite spec on the page, including ones htmx swaps in later.
(function () {
  function embedCharts(root) {
    if (typeof window.vegaEmbed !== "function") return;
    root.querySelectorAll("[data-vega-spec]").forEach(function (el) {
      if (el.dataset.embedded) return;
      var source = document.getElementById(el.dataset.vegaSpec);
      if (!source) return;
      el.dataset.embedded = "1";
      window
        .vegaEmbed(el, JSON.parse(source.textContent), {
          actions: { export: true, source: false, compiled: false, editor: false },
          renderer: "svg",
          // Vega's expression interpreter instead of compiling expressions with Function():
          // the Content-Security-Policy forbids eval.
          ast: true,
        })
        .then(function () {
          // the "…" menu: a name for screen readers and a visible label on hover
          var menu = el.querySelector("details > summary");
          if (menu) {
            var name = "Chart menu: save the chart" + (el.getAttribute("aria-label") ? " (" + el.getAttribute("aria-label") + ")" : "");
            menu.setAttribute("aria-label", name);
            menu.setAttribute("title", name);
          }
          el.classList.add("chart-ready");
        })
        .catch(function (err) {
          el.textContent = "The chart could not be drawn: " + err.message;
        });
    });
  }
  // A region that scrolls sideways (a wide table, a diagram) can be scrolled by keyboard too.
  function focusableScrollers(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll(".table-wrap, .diagram-scroll, pre").forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        if (!el.hasAttribute("role")) el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label")) {
          var caption = el.querySelector("caption, h2, h3");
          el.setAttribute("aria-label", (caption ? caption.textContent.trim() + ": " : "") + "scrolls sideways");
        }
      }
    });
  }
  // After a save, the confirmation takes the focus, in view, so the keyboard goes on from there.
  function focusConfirmation(root) {
    var scope = root.querySelectorAll ? root : document;
    var note = scope.querySelector(".notice[role=status], .messages[role=status]");
    if (!note) return;
    note.setAttribute("tabindex", "-1");
    note.focus({ preventScroll: true });
    note.scrollIntoView({ block: "center" });
  }
  document.addEventListener("DOMContentLoaded", function () {
    embedCharts(document);
    focusableScrollers(document);
    focusConfirmation(document);
    if (window.htmx) {
      window.htmx.onLoad(embedCharts);
      window.htmx.onLoad(function (el) { if (el !== document.body) focusConfirmation(el); });
    }
    window.addEventListener("resize", function () { focusableScrollers(document); });
    document.body.addEventListener("htmx:afterSettle", function () { focusableScrollers(document); });
  });
})();
