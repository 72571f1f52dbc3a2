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
        .then(function () { el.classList.add("chart-ready"); })
        .catch(function (err) {
          el.textContent = "The chart could not be drawn: " + err.message;
        });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    embedCharts(document);
    if (window.htmx) window.htmx.onLoad(embedCharts);
  });
})();
