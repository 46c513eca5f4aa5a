// join.js: the join form with JavaScript. It posts JSON to the API with one
// Idempotency-Key per form fill (a double click or a retry creates one application),
// shows the API's Chinese messages next to each field, keeps the submit button disabled
// while sending and shows a success panel with the application number. Without it the
// form still works as a plain POST. Documents (PDF, JPEG, PNG, at most 10 MB and 5
// per application) are checked here by their first bytes and size, then posted straight
// to the uploads bucket with the form the API signs, with a progress bar each, once the
// application is stored; the status panel lists them, takes more, downloads everything
// held about the application and erases it.
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

  // Documents: the type is decided by the first bytes, never by the name.
  var MAX_FILES = 5, MAX_SIZE = 10 * 1024 * 1024;
  var TYPE_LABELS = { "application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG" };

  function sniff(file) {
    return file.slice(0, 8).arrayBuffer().then(function (buf) {
      var b = new Uint8Array(buf);
      var starts = function (sig) {
        if (b.length < sig.length) return false;
        for (var i = 0; i < sig.length; i++) if (b[i] !== sig[i]) return false;
        return true;
      };
      if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return "application/pdf";
      if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
      if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
      return "";
    });
  }

  function size(n) {
    return n < 1024 * 1024 ? Math.max(1, Math.round(n / 1024)) + " KB" : (n / 1024 / 1024).toFixed(1) + " MB";
  }

  // checkFile resolves to {file, type} or to {file, message} saying why not.
  function checkFile(file) {
    if (file.size > MAX_SIZE) return Promise.resolve({ file: file, message: "“" + file.name + "”超过 10 MB，请压缩或分成几个文件后再上传。" });
    if (file.size === 0) return Promise.resolve({ file: file, message: "“" + file.name + "”是空文件，请重新选择。" });
    return sniff(file).then(function (type) {
      if (!type) return { file: file, message: "“" + file.name + "”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关），请重新选择。" };
      return { file: file, type: type };
    }, function () {
      return { file: file, message: "无法读取“" + file.name + "”，请重新选择。" };
    });
  }

  // chooser keeps the files chosen in an <input type=file>, checked, at most room() of them.
  function chooser(input, list, errorEl, room) {
    var chosen = [];
    function render() {
      list.textContent = "";
      chosen.forEach(function (c, i) {
        var li = document.createElement("li");
        li.className = "join-file";
        var name = document.createElement("span");
        name.className = "join-file-name";
        name.textContent = c.file.name + "（" + TYPE_LABELS[c.type] + "，" + size(c.file.size) + "）";
        li.appendChild(name);
        var rm = document.createElement("button");
        rm.type = "button";
        rm.className = "join-file-remove";
        rm.textContent = "移除";
        rm.setAttribute("aria-label", "移除 " + c.file.name);
        rm.addEventListener("click", function () { chosen.splice(i, 1); render(); });
        li.appendChild(rm);
        list.appendChild(li);
      });
    }
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      errorEl.textContent = "";
      Promise.all(files.map(checkFile)).then(function (results) {
        var refused = [];
        results.forEach(function (r) {
          if (r.message) return refused.push(r.message);
          if (chosen.length >= room()) return refused.push("每份申请最多 5 个文件，“" + r.file.name + "”未加入。");
          chosen.push(r);
        });
        errorEl.textContent = refused.join(" ");
        render();
      });
    });
    return {
      files: function () { return chosen.slice(); },
      clear: function () { chosen = []; render(); }
    };
  }

  // uploadOne asks the API where to post the file, posts it to the bucket with a
  // progress bar in li, and has the API check and record it; it resolves to an
  // error message, or "" when the file was recorded.
  function uploadOne(base, number, token, c, li) {
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", c.file.name + " 上传进度");
    var note = document.createElement("span");
    note.className = "join-file-note";
    note.textContent = "准备上传…";
    li.appendChild(bar);
    li.appendChild(note);
    function call(path, payload) {
      return fetch(base + encodeURIComponent(number) + path, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Status-Token": token },
        body: JSON.stringify(payload)
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          if (resp.status === 201) return data;
          var err = data.error || {};
          var msg = resp.status === 503 ? "系统繁忙，请稍后再试" : (err.message || "上传失败，请稍后重试");
          throw new Error(msg);
        });
      });
    }
    function post(form) {
      return new Promise(function (resolve, reject) {
        var fd = new FormData();
        Object.keys(form.fields).forEach(function (k) { fd.append(k, form.fields[k]); });
        fd.append("file", c.file);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.url);
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) bar.value = Math.round(e.loaded * 100 / e.total);
        });
        xhr.onload = function () {
          if (xhr.status >= 200 && xhr.status < 300) return resolve();
          reject(new Error(/EntityTooLarge/.test(xhr.responseText) ? "文件超过 10 MB" : "存储服务拒绝了该文件（" + xhr.status + "）"));
        };
        xhr.onerror = function () { reject(new Error("网络连接失败，请检查网络后重试")); };
        xhr.send(fd);
      });
    }
    return call("/uploads", { name: c.file.name, type: c.type, size: c.file.size }).then(function (up) {
      note.textContent = "正在上传…";
      return post(up.form).then(function () {
        bar.value = 100;
        note.textContent = "正在核验…";
        return call("/attachments", { id: up.id, name: c.file.name });
      });
    }).then(function () {
      note.textContent = "已上传";
      li.className += " join-file-done";
      return "";
    }, function (e) {
      note.textContent = "未上传：" + e.message;
      li.className += " join-file-failed";
      return e.message;
    });
  }

  // uploadAll uploads the chosen files one after another into list.
  function uploadAll(base, number, token, files, list) {
    return files.reduce(function (p, c) {
      return p.then(function (failed) {
        var li = document.createElement("li");
        li.className = "join-file";
        var name = document.createElement("span");
        name.className = "join-file-name";
        name.textContent = c.file.name;
        li.appendChild(name);
        list.appendChild(li);
        return uploadOne(base, number, token, c, li).then(function (msg) { return failed + (msg ? 1 : 0); });
      });
    }, Promise.resolve(0));
  }

  var filesBox = document.getElementById("join-files");
  var picked = null;
  if (filesBox && window.FormData && window.Blob && Blob.prototype.arrayBuffer) {
    filesBox.hidden = false;
    picked = chooser(document.getElementById("f-files"), document.getElementById("join-file-list"),
      document.getElementById("e-files"), function () { return MAX_FILES; });
  }

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
    var files = picked ? picked.files() : [];
    if (files.length) {
      document.getElementById("join-uploads").hidden = false;
      uploadAll(document.getElementById("join-status-form").getAttribute("data-api"), res.number, res.status_token, files,
        document.getElementById("join-upload-list")).then(function (failed) {
        if (failed) {
          var p = document.createElement("p");
          p.className = "join-error";
          p.textContent = "有 " + failed + " 个文件没有上传成功。申请已经提交，请稍后在本页“查询申请进度”处用申请编号和查询凭证补传。";
          document.getElementById("join-uploads").appendChild(p);
        }
      });
    }
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
    if (data.erased) {
      var er = document.createElement("p");
      er.textContent = data.erased;
      statusResult.appendChild(er);
    }
    showFiles(data, token);
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

  // showFiles lists the documents and, while more may be added, a chooser and an
  // upload button; then the buttons to download everything held and to erase it.
  function showFiles(data, token) {
    var base = statusForm.getAttribute("data-api");
    var h = document.createElement("h3");
    h.textContent = "证明材料";
    statusResult.appendChild(h);
    var ul = document.createElement("ul");
    ul.className = "join-file-list";
    ul.id = "join-status-files";
    (data.files || []).forEach(function (f) {
      var li = document.createElement("li");
      li.className = "join-file join-file-done";
      li.textContent = f.name + "（" + (TYPE_LABELS[f.type] || f.type) + "，" + size(f.size) + "）";
      ul.appendChild(li);
    });
    statusResult.appendChild(ul);
    if (!(data.files || []).length) {
      var none = document.createElement("p");
      none.textContent = "尚未上传材料。";
      statusResult.appendChild(none);
    }
    if (data.can_upload && window.FormData && Blob.prototype.arrayBuffer) {
      var id = "s-files";
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = "补传材料（PDF、JPEG 或 PNG，每个不超过 10 MB）";
      var input = document.createElement("input");
      input.type = "file";
      input.id = id;
      input.className = "join-file-input";
      input.multiple = true;
      input.accept = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png";
      var list = document.createElement("ul");
      list.className = "join-file-list";
      var err = document.createElement("p");
      err.className = "join-error";
      err.id = "e-s-files";
      err.setAttribute("role", "alert");
      var go = document.createElement("button");
      go.type = "button";
      go.className = "button";
      go.id = "join-status-upload";
      go.textContent = "上传";
      [label, input, list, err, go].forEach(function (el) { statusResult.appendChild(el); });
      var c = chooser(input, list, err, function () { return MAX_FILES - (data.files || []).length; });
      go.addEventListener("click", function () {
        var files = c.files();
        if (!files.length) { err.textContent = "请先选择文件。"; return; }
        go.disabled = true;
        c.clear();
        uploadAll(base, data.number, token, files, list).then(function (failed) {
          if (!failed) return refresh(data.number, token);
          go.disabled = false; // the failures stay listed with why
        });
      });
    }
    var x = document.createElement("button");
    x.type = "button";
    x.className = "button join-export";
    x.textContent = "下载我的信息";
    x.addEventListener("click", function () { exportData(data.number, token, x); });
    statusResult.appendChild(x);
    if (!data.erased && ["submitted", "reviewed", "rejected", "withdrawn"].indexOf(data.status) >= 0) {
      var d = document.createElement("button");
      d.type = "button";
      d.className = "button join-erase";
      d.textContent = "删除我的个人信息";
      d.addEventListener("click", function () { erase(data.number, token, d); });
      statusResult.appendChild(d);
    }
  }

  function exportData(number, token, b) {
    b.disabled = true;
    fetch(statusForm.getAttribute("data-api") + encodeURIComponent(number) + "/export", {
      headers: { "X-Status-Token": token }
    }).then(function (resp) {
      if (resp.status !== 200) throw new Error(resp.status === 503 ? "系统繁忙，请稍后再试。" : "下载失败，请稍后重试。");
      return resp.blob();
    }).then(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = number + ".json";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }).catch(function (e) {
      statusMessage(e.message || "网络连接失败，请检查网络后重试。");
    }).then(function () { b.disabled = false; });
  }

  function erase(number, token, b) {
    if (!window.confirm("确定删除申请 " + number + " 中的个人信息和全部材料吗？尚在办理中的申请将同时撤回。删除后不能恢复。")) return;
    b.disabled = true;
    fetch(statusForm.getAttribute("data-api") + encodeURIComponent(number) + "/erase", {
      method: "POST",
      headers: { "X-Status-Token": token }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 200) return showStatus(data, token);
        b.disabled = false;
        statusMessage((data.error || {}).message || "删除失败，请稍后重试。");
      });
    }).catch(function () {
      b.disabled = false;
      statusMessage("网络连接失败，请检查网络后重试。");
    });
  }

  function refresh(number, token) {
    return fetch(statusForm.getAttribute("data-api") + encodeURIComponent(number), {
      headers: { "X-Status-Token": token }
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (resp.status === 200) showStatus(data, token);
      });
    }).catch(function () {});
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

  // The link in the mail that confirms a submission (templates/mail) carries the number and
  // the token in the fragment, #status?number=…&token=…, which never reaches a server: fill
  // the lookup in, take the token out of the address bar and look the application up.
  function fromLink() {
    var m = /^#status\?(.*)$/.exec(window.location.hash);
    if (!m) return false;
    var q = {};
    m[1].split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) {
        try { q[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); } catch (e) { /* malformed: ignored */ }
      }
    });
    if (!q.number || !q.token) return false;
    document.getElementById("s-number").value = q.number;
    document.getElementById("s-token").value = q.token;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search + "#join-status");
    }
    statusBox.scrollIntoView();
    return true;
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
  if (fromLink()) statusButton.click();
})();
