// Live reload for `alliance serve`: reload the page after every rebuild.
(function () {
  if (!window.EventSource) return;
  var es = new EventSource("/__livereload");
  es.addEventListener("reload", function () { window.location.reload(); });
  es.addEventListener("buildfailed", function () {
    console.warn("alliance: build failed, see the terminal");
  });
})();
