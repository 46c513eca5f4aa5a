// verify.js: the certificate verification page with JavaScript. It asks the API for
// the number typed (or given as /verify/?n=…, the certificate's QR code), shows the
// answer on the page and keeps the number in the address, so that the page can be
// reloaded or shared. Without it the form still works as a GET to the API's page.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var api = form.getAttribute("data-api");
  var input = document.getElementById("verify-n");
  var button = document.getElementById("verify-submit");
  var message = document.getElementById("verify-message");
  var result = document.getElementById("verify-result");
  var leftLabels = { exited: "退会日期", lapsed: "退会日期", expelled: "除名日期" };

  function text(id, s) { document.getElementById(id).textContent = s || ""; }

  function say(s) {
    result.hidden = true;
    message.textContent = s;
    message.hidden = false;
  }

  function show(v) {
    message.hidden = true;
    result.className = "verify-result " + (v.valid ? "verify-valid" : "verify-ended");
    text("verify-status", v.status_label);
    text("verify-certificate", v.certificate);
    text("verify-name", v.name);
    text("verify-type", v.type_label);
    text("verify-joined", v.joined_on);
    var left = document.getElementById("verify-left");
    var label = document.getElementById("verify-left-label");
    left.hidden = label.hidden = !v.left_on;
    label.textContent = leftLabels[v.status] || "退会日期";
    left.textContent = v.left_on || "";
    result.hidden = false;
    result.focus();
  }

  function lookUp(n) {
    button.disabled = true;
    fetch(api + encodeURIComponent(n), { headers: { Accept: "application/json" } })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (res.ok) return show(body);
          var msg = body.error && body.error.message;
          if (res.status === 429) {
            var wait = parseInt(res.headers.get("Retry-After"), 10);
            msg = (msg || "请求过于频繁，请稍后再试") + (wait > 0 ? "（约 " + Math.ceil(wait / 60) + " 分钟后可再查询）" : "");
          }
          say(msg || (res.status >= 500 ? "系统繁忙，请稍后再试" : "未查到该证书编号，请核对后重新查询"));
        });
      })
      .catch(function () { say("网络连接失败，请检查网络后重试"); })
      .then(function () { button.disabled = false; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var n = input.value.trim();
    if (n === "") {
      say("请输入证书编号，如 LM-2026-0001");
      input.focus();
      return;
    }
    if (window.history && history.replaceState) history.replaceState(null, "", "?n=" + encodeURIComponent(n));
    lookUp(n);
  });

  var n = new URLSearchParams(location.search).get("n");
  if (n) {
    input.value = n;
    lookUp(n.trim());
  }
})();
