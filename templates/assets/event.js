// event.js: online registration on an event page with JavaScript. It shows the
// places left (from the API), posts the form as JSON with one Idempotency-Key per
// fill, shows the API's Chinese messages next to each field, and on success the
// registration code, its QR code (SVG made by the API) and the status; this
// browser remembers the code and token, so the page shows the registration again
// later, and the registrant can look it up or cancel it. Without it the form
// still works as a plain POST.
(function () {
  "use strict";
  var box = document.getElementById("register");
  if (!box || !window.fetch || !window.JSON || !window.DOMParser) return;
  var api = box.getAttribute("data-api");
  var slug = box.getAttribute("data-slug");
  var form = document.getElementById("event-form");
  var places = document.getElementById("event-places");
  var state = document.getElementById("event-state");
  var ticket = document.getElementById("event-ticket");
  var summary = document.getElementById("event-summary");
  var lookup = document.getElementById("event-lookup");
  var lookupForm = document.getElementById("event-lookup-form");
  var lookupResult = document.getElementById("event-lookup-result");
  var storeKey = "alliance-event-" + slug;

  function text(el, s) { if (el) el.textContent = s; }

  function remember(code, token) {
    try { window.localStorage.setItem(storeKey, JSON.stringify({ code: code, token: token })); } catch (e) { /* private mode */ }
  }
  function remembered() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }

  function showPlaces(p) {
    if (!p || !p.state) return;
    if (p.state === "open") {
      text(places, "剩余名额 " + p.left + " 人（共 " + p.capacity + " 人）。");
    } else if (p.state === "full") {
      text(places, "名额已满（共 " + p.capacity + " 人），可报名候补" + (p.waiting ? "，已有 " + p.waiting + " 人候补" : "") + "。");
    }
    text(state, p.state_label);
    if (form && p.state !== "open" && p.state !== "full") form.hidden = true;
  }

  function refreshPlaces() {
    fetch(api, { headers: { Accept: "application/json" } }).then(function (resp) {
      return resp.json().then(function (data) { return resp.ok ? data : null; });
    }).then(showPlaces).catch(function () { /* the static text stays */ });
  }

  function showQR(target, svg) {
    target.textContent = "";
    if (!svg) return;
    var doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    if (doc.documentElement && doc.documentElement.nodeName === "svg") target.appendChild(document.importNode(doc.documentElement, true));
  }

  function showTicket(res, token) {
    text(document.getElementById("event-ticket-title"), res.existing ? "您已报名本活动" : (res.status === "cancelled" ? "报名已取消" : "报名成功"));
    text(document.getElementById("event-code"), res.code);
    text(document.getElementById("event-status-label"), res.status_label);
    showQR(document.getElementById("event-qr"), res.status === "cancelled" ? "" : res.qr_svg);
    var tokenLine = document.getElementById("event-token-line");
    tokenLine.hidden = !token;
    text(document.getElementById("event-token"), token || "");
    if (token) {
      remember(res.code, token);
      document.getElementById("s-code").value = res.code;
      document.getElementById("s-token").value = token;
    }
    showPlaces(res.places);
    if (form) form.hidden = true;
    ticket.hidden = false;
  }

  function clearErrors() {
    var errs = form.querySelectorAll(".join-error");
    for (var i = 0; i < errs.length; i++) errs[i].textContent = "";
    var bad = form.querySelectorAll("[aria-invalid]");
    for (var j = 0; j < bad.length; j++) bad[j].removeAttribute("aria-invalid");
    summary.hidden = true;
  }

  function showErrors(message, fields) {
    summary.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    summary.appendChild(p);
    var ul = document.createElement("ul");
    Object.keys(fields || {}).forEach(function (name) {
      var err = document.getElementById("e-" + name);
      var c = document.getElementById("f-" + name);
      text(err, fields[name]);
      if (c) c.setAttribute("aria-invalid", "true");
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#f-" + name;
      a.textContent = fields[name];
      li.appendChild(a);
      ul.appendChild(li);
    });
    if (ul.childNodes.length) summary.appendChild(ul);
    summary.hidden = false;
    summary.focus();
  }

  if (form) {
    form.noValidate = true; // the API's messages, in Chinese, replace the browser's
    var button = document.getElementById("event-submit");
    var key = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
    form.elements.idempotency_key.value = key;
    var sending = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (sending) return;
      sending = true;
      clearErrors();
      button.disabled = true;
      var label = button.textContent;
      button.textContent = "正在提交…";
      var el = form.elements;
      var body = {
        name: el.name.value, org: el.org.value, job_title: el.job_title.value, phone: el.phone.value,
        email: el.email.value, certificate: el.certificate.value, waitlist_accepted: el.waitlist_accepted.checked,
        privacy_accepted: el.privacy_accepted.checked, privacy_version: el.privacy_version.value, website: el.website.value
      };
      fetch(form.getAttribute("data-api"), {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify(body)
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          if (resp.status === 201 || resp.status === 200) return showTicket(data, data.status_token);
          var err = data.error || {};
          var msg = err.message || "提交失败，请稍后重试";
          if (resp.status >= 500 && err.request_id) msg = "内部错误，请稍后重试（请求编号 " + err.request_id + "）";
          showErrors(msg, err.fields);
          refreshPlaces();
        });
      }).catch(function () {
        showErrors("网络连接失败，请检查网络后重试。已填写的内容不会丢失。", {});
      }).then(function () {
        sending = false;
        button.disabled = false;
        button.textContent = label;
      });
    });
  }

  // Looking a registration up, and cancelling it, with the code and the token.
  lookup.hidden = false;
  function lookupMessage(s) {
    lookupResult.textContent = "";
    var p = document.createElement("p");
    p.className = "join-error";
    p.textContent = s;
    lookupResult.appendChild(p);
  }
  function showStatus(res, token) {
    lookupResult.textContent = "";
    var p = document.createElement("p");
    p.className = "join-status-now";
    p.textContent = "报名 " + res.code + "：" + res.status_label;
    lookupResult.appendChild(p);
    if (res.status !== "cancelled" && !res.checked_in_at && ticket) showTicket(res, token);
    if (res.status !== "cancelled" && !res.checked_in_at) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button";
      b.textContent = "取消报名";
      b.addEventListener("click", function () { cancel(res.code, token, b); });
      lookupResult.appendChild(b);
    }
  }
  function cancel(code, token, b) {
    if (!window.confirm("确定取消报名 " + code + " 吗？取消后名额将让给候补人员，不能恢复。")) return;
    b.disabled = true;
    fetch(lookupForm.getAttribute("data-api") + encodeURIComponent(code) + "/cancel", {
      method: "POST", headers: { "X-Status-Token": token }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 200) {
          if (ticket) ticket.hidden = true;
          if (form) form.hidden = false;
          showStatus(data, token);
          return refreshPlaces();
        }
        b.disabled = false;
        lookupMessage((data.error || {}).message || "取消失败，请稍后重试。");
      });
    }).catch(function () { b.disabled = false; lookupMessage("网络连接失败，请检查网络后重试。"); });
  }
  function query(code, token) {
    return fetch(lookupForm.getAttribute("data-api") + encodeURIComponent(code), { headers: { "X-Status-Token": token } })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          if (resp.status === 200) return showStatus(data, token);
          lookupMessage((data.error || {}).message || "查询失败，请稍后重试。");
        });
      }).catch(function () { lookupMessage("网络连接失败，请检查网络后重试。"); });
  }
  lookupForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = document.getElementById("s-code").value.replace(/\s+/g, "").toUpperCase();
    var token = document.getElementById("s-token").value.trim();
    if (!code || !token) return lookupMessage("请填写报名编号和查询凭证。");
    query(code, token);
  });

  refreshPlaces();
  var saved = remembered();
  if (saved && saved.code && saved.token) {
    document.getElementById("s-code").value = saved.code;
    document.getElementById("s-token").value = saved.token;
    query(saved.code, saved.token);
  }
})();
