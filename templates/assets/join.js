// join.js: the join form with JavaScript. It posts JSON to the API with one
// Idempotency-Key per form fill (a double click or a retry creates one application),
// shows the API's Chinese messages next to each field, keeps the submit button disabled
// while sending and shows a success panel with the application number. Without it the
// form still works as a plain POST.
(function () {
  "use strict";
  var form = document.getElementById("join-form");
  if (!form || !window.fetch || !window.JSON) return;
  form.noValidate = true; // the API's messages, in Chinese, replace the browser's

  var summary = document.getElementById("join-summary");
  var button = document.getElementById("join-submit");
  var success = document.getElementById("join-success");
  var api = form.getAttribute("data-api");
  var sending = false;

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint32Array(4);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (n) { return n.toString(16); }).join("-");
  }
  var key = newKey();
  form.elements.idempotency_key.value = key;

  // Individuals give neither the credit code nor a representative.
  function syncType() {
    var individual = form.elements.type.value === "individual";
    var parts = form.querySelectorAll("[data-org-only]");
    for (var i = 0; i < parts.length; i++) {
      parts[i].hidden = individual;
      var inputs = parts[i].querySelectorAll("input, select");
      for (var j = 0; j < inputs.length; j++) inputs[j].disabled = individual;
    }
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "type") syncType();
  });
  syncType();

  // The API names fields by their JSON path; the form by its control name.
  var controlName = { "listing_plan.board": "listing_board", "listing_plan.year": "listing_year" };

  function control(name) {
    return document.getElementById("f-" + name) || form.querySelector("[name='" + name + "']");
  }

  function clearErrors() {
    var errs = form.querySelectorAll(".join-error");
    for (var i = 0; i < errs.length; i++) errs[i].textContent = "";
    var bad = form.querySelectorAll("[aria-invalid]");
    for (var j = 0; j < bad.length; j++) bad[j].removeAttribute("aria-invalid");
    summary.hidden = true;
    summary.textContent = "";
  }

  function showSummary(message, fields) {
    summary.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    summary.appendChild(p);
    if (fields.length) {
      var ul = document.createElement("ul");
      fields.forEach(function (f) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "#f-" + f.name;
        a.textContent = f.message;
        li.appendChild(a);
        ul.appendChild(li);
      });
      summary.appendChild(ul);
    }
    summary.hidden = false;
    summary.focus();
  }

  function showFieldErrors(fields) {
    var shown = [];
    Object.keys(fields).forEach(function (path) {
      var name = controlName[path] || path;
      var err = document.getElementById("e-" + name);
      var c = control(name);
      if (err) err.textContent = fields[path];
      if (c) {
        c.setAttribute("aria-invalid", "true");
        c.setAttribute("aria-describedby", "e-" + name);
      }
      shown.push({ name: name, message: fields[path] });
    });
    // In the order of the form, so the summary reads top to bottom.
    shown.sort(function (a, b) {
      var x = control(a.name), y = control(b.name);
      if (!x || !y) return 0;
      return x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    return shown;
  }

  function body() {
    var el = form.elements;
    var year = el.listing_year.value.trim();
    var data = {
      type: el.type.value,
      org_name: el.org_name.value,
      contact: el.contact.value,
      phone: el.phone.value,
      email: el.email.value,
      region: el.region.value,
      industry: el.industry.value,
      specialised: el.specialised.value,
      listing_plan: { board: el.listing_board.value },
      services: [],
      introduction: el.introduction.value,
      commitment_accepted: el.commitment_accepted.checked,
      privacy_accepted: el.privacy_accepted.checked,
      privacy_version: el.privacy_version.value,
      website: el.website.value
    };
    if (data.type !== "individual") {
      data.credit_code = el.credit_code.value;
      data.representative = el.representative.value;
      data.representative_kind = el.representative_kind.value;
      data.homepage = el.homepage.value;
      data.showcase_consent = el.showcase_consent.checked;
    }
    if (year !== "") data.listing_plan.year = /^\d{4}$/.test(year) ? parseInt(year, 10) : -1;
    var boxes = form.querySelectorAll("input[name=services]:checked");
    for (var i = 0; i < boxes.length; i++) data.services.push(boxes[i].value);
    return JSON.stringify(data);
  }

  function done(res) {
    document.getElementById("join-number").textContent = res.number;
    document.getElementById("join-token").textContent = res.status_token;
    document.getElementById("s-number").value = res.number;
    document.getElementById("s-token").value = res.status_token;
    form.hidden = true;
    summary.hidden = true;
    success.hidden = false;
    success.focus();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (sending) return;
    sending = true;
    clearErrors();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    var label = button.textContent;
    button.textContent = "正在提交…";
    fetch(api, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },
      body: body()
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 201) return done(data);
        var err = data.error || {};
        var msg = err.message || "提交失败，请稍后重试";
        // 409 without fields: this fill was already sent with other content.
        if (resp.status === 409 && !err.fields) msg += "。如已提交成功，请勿重复提交；如需重新填写，请刷新页面。";
        // 503: the store is busy or down. The same key goes with the next try, so
        // submitting again later cannot make a second application.
        if (resp.status === 503) msg = "系统繁忙，请稍后再试。您填写的内容都还在，过一会儿再点“提交申请”即可，不会重复提交。";
        else if (resp.status >= 500 && err.request_id) msg = "内部错误，请稍后重试（请求编号 " + err.request_id + "）";
        showSummary(msg, err.fields ? showFieldErrors(err.fields) : []);
      });
    }).catch(function () {
      showSummary("网络连接失败，请检查网络后重试。已填写的内容不会丢失。", []);
    }).then(function () {
      sending = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
    });
  });

  // The status lookup: GET the application with its token in the X-Status-Token header.
  var statusBox = document.getElementById("join-status");
  var statusForm = document.getElementById("join-status-form");
  var statusResult = document.getElementById("join-status-result");
  var statusButton = document.getElementById("join-status-submit");
  statusBox.hidden = false;

  function when(at) {
    var d = new Date(at);
    if (isNaN(d.getTime())) return "";
    try {
      return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
    } catch (e) {
      return d.toLocaleString();
    }
  }

  function showStatus(data, token) {
    statusResult.textContent = "";
    var p = document.createElement("p");
    p.className = "join-status-now";
    p.textContent = "申请 " + data.number + "：" + data.status_label;
    statusResult.appendChild(p);
    var ol = document.createElement("ol");
    (data.history || []).forEach(function (h) {
      var li = document.createElement("li");
      li.textContent = when(h.at) + "　" + h.label;
      ol.appendChild(li);
    });
    statusResult.appendChild(ol);
    // The applicant may withdraw before the chairman's office approves (章程第十四条).
    if (data.status === "submitted" || data.status === "reviewed") {
      var w = document.createElement("button");
      w.type = "button";
      w.className = "button join-withdraw";
      w.textContent = "撤回申请";
      w.addEventListener("click", function () { withdraw(data.number, token, w); });
      statusResult.appendChild(w);
    }
  }

  function withdraw(number, token, w) {
    if (!window.confirm("确定撤回申请 " + number + " 吗？撤回后不能恢复，如需入会须重新申请。")) return;
    w.disabled = true;
    fetch(statusForm.getAttribute("data-api") + encodeURIComponent(number) + "/withdraw", {
      method: "POST",
      headers: { "X-Status-Token": token }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 200) return showStatus(data, token);
        var err = data.error || {};
        w.disabled = false;
        statusMessage(err.message || "撤回失败，请稍后重试。");
      });
    }).catch(function () {
      w.disabled = false;
      statusMessage("网络连接失败，请检查网络后重试。");
    });
  }

  function statusMessage(text) {
    statusResult.textContent = "";
    var p = document.createElement("p");
    p.className = "join-error";
    p.textContent = text;
    statusResult.appendChild(p);
  }

  statusForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var number = document.getElementById("s-number").value.replace(/\s+/g, "").toUpperCase();
    var token = document.getElementById("s-token").value.trim();
    if (!number || !token) {
      statusMessage("请填写申请编号和查询凭证。");
      return;
    }
    statusButton.disabled = true;
    statusResult.textContent = "正在查询…";
    fetch(statusForm.getAttribute("data-api") + encodeURIComponent(number), {
      headers: { "X-Status-Token": token }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 200) return showStatus(data, token);
        var err = data.error || {};
        if (resp.status === 404) return statusMessage("未找到该申请，或查询凭证不正确。请核对后重试。");
        if (resp.status === 503) return statusMessage("系统繁忙，请稍后再试。");
        statusMessage(resp.status >= 500 && err.request_id ? "内部错误，请稍后重试（请求编号 " + err.request_id + "）" : (err.message || "查询失败，请稍后重试。"));
      });
    }).catch(function () {
      statusMessage("网络连接失败，请检查网络后重试。");
    }).then(function () {
      statusButton.disabled = false;
    });
  });
})();
