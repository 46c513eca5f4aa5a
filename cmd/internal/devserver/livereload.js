// Live reload for `alliance serve`: reload the page after every rebuild, and
// while the last rebuild failed show its error (file and line) over the page,
// so whoever edits content sees it without watching the terminal.
(function () {
  var meta = document.querySelector('meta[name="alliance-build-error"]');
  if (meta) {
    var box = document.createElement("pre");
    box.setAttribute("role", "alert");
    box.textContent = "构建失败（显示的是上一次成功构建的页面）：\n\n" + meta.content;
    // CSSOM properties, not a style attribute: the page's CSP allows these.
    Object.assign(box.style, {
      position: "fixed", left: "0", right: "0", bottom: "0", zIndex: "2147483647", margin: "0",
      maxHeight: "50vh", overflow: "auto", padding: "1rem", background: "#7d0f12", color: "#fff",
      font: "14px/1.5 ui-monospace, Menlo, Consolas, monospace", whiteSpace: "pre-wrap"
    });
    document.body.appendChild(box);
  }
  if (!window.EventSource) return;
  var es = new EventSource("/__livereload");
  es.addEventListener("reload", function () { window.location.reload(); });
  es.addEventListener("buildfailed", function () {
    console.warn("alliance: build failed, see the terminal or the banner");
    window.location.reload();
  });
})();
