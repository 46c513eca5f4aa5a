// admin.js: the secretariat's console (/admin/). Each page of content/admin/ is
// static HTML from the generator; this script fills it from the admin API
// (data-api + "admin/") with the browser's session cookie, shows exactly the
// forms the API says the reader may use, and sends changes with the session's
// CSRF token. It holds no token of its own: sign-in happens at the API
// (/api/admin/signin), which keeps the tokens. What a person types is kept in
// sessionStorage until it is sent, so an expired session, a conflict or an
// outage never loses it. No innerHTML: every value is text. The pages of
// events (registrants, check-in) are in admin-events.js, which only they load:
// it adds its pages to this script's through window.allianceConsole before
// the page starts (on DOMContentLoaded, after every deferred script).
(function () {
  "use strict";
  const body = document.body;
  const api = body.getAttribute("data-api") + "admin/";
  const page = body.getAttribute("data-page");
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const all = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const L = {};
  all("#labels [data-k]").forEach((s) => { L[s.getAttribute("data-k")] = s.textContent; });
  const label = (kind, v) => L[kind + "." + v] || v || "";
  let csrf = "";
  let me = null;
  const stop = new Error("stop"); // a failure already shown to the reader

  // ---- small DOM helpers
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === "text") e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    kids.forEach((c) => { if (c != null) e.append(c); });
    return e;
  }
  const link = (href, text) => el("a", { href: href, text: text });
  function rows(table, items, cells, cls) {
    const tb = table.tBodies[0];
    tb.textContent = "";
    items.forEach((it) => {
      const tr = el("tr", cls && cls(it) ? { class: cls(it) } : null);
      cells(it).forEach((c, i) => tr.append(el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : null, c == null ? "" : c)));
      tb.append(tr);
    });
    table.hidden = items.length === 0;
  }
  function fields(dl, pairs) {
    dl.textContent = "";
    pairs.forEach(([k, v]) => { if (v !== "" && v != null) dl.append(el("dt", { text: k }), el("dd", null, v)); });
  }
  const appURL = (n) => "/admin/application/?number=" + encodeURIComponent(n);
  const memberURL = (c) => "/admin/member/?certificate=" + encodeURIComponent(c);
  // when formats a time in Beijing (UTC+8, no daylight saving) as 2026-03-02 14:05.
  const when = (iso) => (iso ? new Date(new Date(iso).getTime() + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ") : "");
  const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const yuan = (fen) => (fen < 0 ? "-" : "") + (Math.abs(fen) / 100).toFixed(2);
  function fen(s) { // "20000" or "20,000.50" yuan → fen; NaN when not an amount
    const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(s).replace(/[,，\s]/g, ""));
    return m ? Number(m[1]) * 100 + Number((m[2] || "0").padEnd(2, "0")) : NaN;
  }
  const who = (id, name) => name || id || "";
  // related lists the other records of the organisation (the API's related)
  // under #related, or hides it when there are none.
  function related(r) {
    const items = r.applications.map((x) => [link(appURL(x.number), "入会申请 " + x.number), x.org_name, label("status", x.status), when(x.created_at).slice(0, 10)])
      .concat(r.members.map((x) => [link(memberURL(x.certificate), "会员 " + x.certificate), x.name, label("mstatus", x.status),
        x.joined_on + (x.left_on ? " 至 " + x.left_on : "")]));
    rows($("related-list"), items, (it) => it);
    $("related").hidden = items.length === 0;
  }
  // amounts returns a refusal like the API's when one of the fields is not
  // an amount in yuan, else null.
  function amounts(b, names) {
    const bad = {};
    names.forEach((n) => { if (isNaN(b[n])) bad[n] = "请填写以元为单位的金额，如 20000 或 20000.00"; });
    return Object.keys(bad).length ? { ok: false, status: 400, error: { message: "金额有误", fields: bad } } : null;
  }
  const may = (task) => !!me && me.tasks.indexOf(task) >= 0;

  // ---- notices
  function notice(kind, ...parts) {
    const n = $("notice");
    n.className = "notice" + (kind ? " notice-" + kind : "");
    n.textContent = "";
    parts.forEach((p) => n.append(typeof p === "string" ? el("p", { text: p }) : p));
    n.hidden = false;
    n.focus();
  }
  const clearNotice = () => { $("notice").hidden = true; };

  // ---- the API
  async function call(method, path, data) {
    const opt = { method: method, credentials: "include", headers: { Accept: "application/json" } };
    if (data !== undefined) {
      opt.headers["Content-Type"] = "application/json";
      opt.body = JSON.stringify(data);
    }
    if (method !== "GET") opt.headers["X-CSRF-Token"] = csrf;
    let res;
    try {
      res = await fetch(api + path, opt);
    } catch (e) {
      notice("error", "网络连接失败，请检查网络后重试。您填写的内容已保留。");
      throw stop;
    }
    csrf = res.headers.get("X-CSRF-Token") || csrf;
    if (res.status === 401) {
      const known = me || sessionStorage.getItem("console-me");
      sessionStorage.removeItem("console-me");
      signIn(known ? "expired" : "");
      throw stop;
    }
    const text = await res.text(); // read whole, so that no answer is left half-read
    const json = text && (res.headers.get("Content-Type") || "").indexOf("json") >= 0 ? JSON.parse(text) : null;
    const r = { status: res.status, ok: res.ok, data: json, error: json && json.error };
    if (res.status === 403 && !r.error) { // behind CloudFront a 403 arrives with the site's 404 page as its body
      r.error = { message: "您的角色不能办理此事项，或请求未被接受（403）。请刷新页面后再试。" };
    }
    if (res.status === 503 || res.status === 429) {
      notice("error", "系统繁忙，请稍后再试。您填写的内容已保留。");
      throw stop;
    }
    if (res.status >= 500) {
      notice("error", "系统出错，请稍后再试；如仍不成功，请把请求编号 " + ((r.error && r.error.request_id) || "") + " 告诉技术支持。");
      throw stop;
    }
    return r;
  }
  // get returns the data of a GET, or shows why there is none.
  async function get(path) {
    const r = await call("GET", path);
    if (!r.ok) {
      notice("error", (r.error && r.error.message) || "读取失败（" + r.status + "）");
      throw stop;
    }
    return r.data;
  }

  // ---- signing in and out
  const signinText = {
    expired: "登录已过期，请重新登录。您填写的内容已保留，登录后会自动恢复。",
    state: "登录未完成（登录请求已过期，或不是在本浏览器发起的），请重新登录。",
    issuer: "统一身份认证没有同意这次登录，请重新登录；如仍不成功，请联系管理员。",
    token: "登录凭据核验未通过，请重新登录。",
    role: "您的账号没有秘书处控制台的权限（须为秘书处、理事长办公会或监事），请联系秘书处开通。",
    unavailable: "登录服务暂时不可用，请稍后再试。",
    out: "您已退出登录。",
  };
  function signIn(reason) {
    const back = new URLSearchParams(location.search);
    back.delete("signin");
    const ret = location.pathname + (back.toString() ? "?" + back : "");
    $("signin-link").href = api + "signin?return=" + encodeURIComponent(ret);
    $("signin-text").textContent = signinText[reason] || "请使用联盟统一身份认证登录秘书处控制台。";
    $("signin").hidden = false;
    $("who").hidden = true;
    $("signin-link").focus();
  }
  // whoami returns who is signed in: as last shown in this tab (a name and
  // roles, no secret), else from the API.
  function whoami() {
    if (me) return me;
    try {
      const c = JSON.parse(sessionStorage.getItem("console-me"));
      if (c) return c;
    } catch (e) { /* ask the API */ }
    return get("me");
  }
  function showMe(m) {
    me = m;
    sessionStorage.setItem("console-me", JSON.stringify(m));
    $("who-name").textContent = who(m.id, m.name) + "（" + m.roles.map((r) => label("role", r)).join("、") + "）";
    $("who").hidden = false;
    $("signin").hidden = true;
  }
  $("signout").addEventListener("click", async () => {
    const r = await call("POST", "signout").catch(() => null);
    if (r && (r.ok || r.status === 204)) {
      sessionStorage.clear();
      me = null;
      const v = $("view");
      if (v) v.hidden = true;
      signIn("out");
    } else if (r) notice("error", (r.error && r.error.message) || "退出失败，请刷新后重试。");
  });

  // ---- drafts: what is typed, kept per page until it is sent
  const draftKey = "console-draft:" + location.pathname + "?" + (() => {
    const p = new URLSearchParams(location.search);
    p.delete("signin");
    return p;
  })();
  function values(form) {
    const v = {};
    all("[name]", form).forEach((c) => {
      if (c.type === "checkbox" && c.name === "member") (v.member = v.member || []).push(...(c.checked ? [c.value] : []));
      else if (c.type === "checkbox") v[c.name] = c.checked;
      else if (c.type === "radio") { if (c.checked) v[c.name] = c.value; }
      else v[c.name] = c.value;
    });
    return v;
  }
  function saveDrafts() {
    const d = {};
    all("form[data-draft]").forEach((f) => { d[f.id] = values(f); });
    sessionStorage.setItem(draftKey, JSON.stringify(d));
  }
  function restoreDrafts() {
    let d;
    try { d = JSON.parse(sessionStorage.getItem(draftKey) || "{}"); } catch (e) { d = {}; }
    let restored = false;
    for (const id in d) {
      const f = $(id);
      if (!f) continue;
      all("[name]", f).forEach((c) => {
        const v = d[id][c.name];
        if (v === undefined || v === "" || v === false) return;
        if (c.type === "checkbox") c.checked = Array.isArray(v) ? v.indexOf(c.value) >= 0 : !!v;
        else if (c.type === "radio") c.checked = c.value === v;
        else c.value = v;
        restored = true;
      });
    }
    if (restored) notice("ok", "已恢复您上次填写但尚未提交的内容，请核对后提交。");
  }
  function clearDraft(form) {
    let d = {};
    try { d = JSON.parse(sessionStorage.getItem(draftKey) || "{}"); } catch (e) { /* none kept */ }
    delete d[form.id];
    sessionStorage.setItem(draftKey, JSON.stringify(d));
  }
  document.addEventListener("input", (e) => { if (e.target.closest("form[data-draft]")) saveDrafts(); });
  document.addEventListener("change", (e) => { if (e.target.closest("form[data-draft]")) saveDrafts(); });

  // ---- forms: confirmation, field errors, one request at a time
  const fieldName = { "filing.date": "date", "filing.reference": "reference", members: "members" };
  function clearErrors(form) {
    all(".field-error", form).forEach((e) => e.remove());
    all("[aria-invalid]", form).forEach((c) => { c.removeAttribute("aria-invalid"); c.removeAttribute("aria-describedby"); });
  }
  function showErrors(form, fieldsMap) {
    for (const k in fieldsMap || {}) {
      const c = form.querySelector("[name='" + (fieldName[k] || k) + "']");
      if (!c) continue;
      const id = form.id + "-err-" + c.name;
      c.setAttribute("aria-invalid", "true");
      c.setAttribute("aria-describedby", id);
      c.closest("p, fieldset").append(el("p", { class: "field-error", id: id, text: fieldsMap[k] }));
    }
  }
  // handle binds a form to send(values) → API result; done(result) runs
  // after a success, and refresh() reloads the record after a conflict.
  function handle(form, send, done, refresh) {
    const button = form.querySelector("button[type=submit]");
    async function go() {
      clearErrors(form);
      clearNotice();
      button.disabled = true;
      let r;
      try {
        r = await send(values(form));
      } catch (e) {
        button.disabled = false;
        if (e !== stop) throw e;
        return;
      }
      button.disabled = false;
      if (r.ok) {
        clearDraft(form);
        return done(r);
      }
      const msg = (r.error && r.error.message) || "操作未完成（" + r.status + "）";
      if (r.status === 409 && refresh) { // the record changed: show it as it is now
        await refresh(form);
        notice("error", "其他人已先一步办理，页面已更新为最新情况。您填写的内容已保留，请核对后再决定。");
        return;
      }
      showErrors(form, r.error && r.error.fields);
      notice("error", msg);
    }
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const ask = form.getAttribute("data-confirm");
      if (!ask) return go();
      let box = form.querySelector(".confirm");
      if (box) return;
      const yes = el("button", { type: "button", class: "button", text: "确认" + button.textContent });
      const no = el("button", { type: "button", class: "button button-quiet", text: "取消" });
      box = el("div", { class: "confirm", role: "group", "aria-label": "请确认" }, el("p", { text: ask }), yes, no);
      button.after(box);
      button.hidden = true;
      const close = () => { box.remove(); button.hidden = false; };
      yes.addEventListener("click", () => { close(); go(); });
      no.addEventListener("click", () => { close(); button.focus(); });
      yes.focus();
    });
  }
  // showForms shows the forms whose key is in keys, hides the others; a
  // form the reader was using when a conflict made it impossible stays,
  // with its input, unable to be sent.
  function showForms(sel, attr, keys, kept) {
    all(sel).forEach((f) => {
      const ok = keys.indexOf(f.getAttribute(attr)) >= 0;
      all(".gone", f).forEach((e) => e.remove());
      f.querySelector("button[type=submit]").disabled = !ok;
      f.hidden = !ok && f !== kept;
      if (!ok && f === kept) f.append(el("p", { class: "field-error gone", text: "当前状态下已不能办理此项。" }));
    });
  }

  // ---- pages
  const statuses = ["submitted", "reviewed", "approved", "filed", "certified", "rejected", "withdrawn"];
  const pages = {};

  pages.dashboard = async () => {
    const d = await get("dashboard");
    showMe(d.me);
    $("greeting").textContent = who(d.me.id, d.me.name) + "，您好。今天是 " + d.today + "。";
    const counts = $("counts");
    counts.textContent = "";
    statuses.forEach((s) => counts.append(el("li", null,
      el("a", { href: "/admin/applications/?status=" + s }, el("strong", { text: String(d.counts[s] || 0) }), label("status", s)))));
    rows($("waiting"), d.waiting, (a) => [link(appURL(a.number), a.number), a.org_name || a.contact, label("status", a.status), when(a.created_at)]);
    $("waiting-empty").hidden = d.waiting.length > 0 || d.expulsions.length > 0;
    const ex = $("expulsion-list");
    ex.textContent = "";
    d.expulsions.forEach((e) => ex.append(el("li", null, link(memberURL(e.certificate), e.certificate + " " + e.name), "：" + e.reason)));
    $("expulsions").hidden = d.expulsions.length === 0;
    rows($("risk"), d.at_risk, (s) => [link(memberURL(s.certificate), s.certificate), s.name,
      label("standing", s.state) + (s.lapses_on ? "（如不参加活动，" + s.lapses_on + " 起视为自动退会）" : "") + (s.lapsed_on ? "（" + s.lapsed_on + " 起）" : ""),
      s.last_attended || "从未出席"]);
    $("risk-empty").hidden = d.at_risk.length > 0;
    $("dues-summary").textContent = d.year + " 年：应缴会员 " + (d.dues.paid + d.dues.unpaid) + " 名，已缴 " + d.dues.paid +
      " 名，未缴 " + d.dues.unpaid + " 名，未缴金额 " + yuan(d.dues.outstanding) + " 元。";
    rows($("unpaid"), d.unpaid, (l) => [link(memberURL(l.certificate), l.certificate), l.name, yuan(l.due)]);
    $("view").hidden = false;
  };

  pages.applications = async () => {
    const status = params.get("status") || "", search = params.get("search") || "", after = params.get("after") || "";
    $("f-status").value = status;
    $("f-search").value = search;
    const q = new URLSearchParams();
    if (status) q.set("status", status);
    if (search) q.set("search", search);
    const base = "/admin/applications/" + (q.toString() ? "?" + q : "");
    if (after) q.set("after", after);
    const p = await get("applications" + (q.toString() ? "?" + q : ""));
    rows($("list"), p.applications, (a) => [link(appURL(a.number), a.number),
      a.org_name ? a.org_name + (a.contact ? " / " + a.contact : "") : a.contact, label("type", a.type), label("status", a.status), when(a.created_at)]);
    $("summary").textContent = p.applications.length ? "本页 " + p.applications.length + " 份申请，最早提交的在前。" : "没有符合条件的申请。";
    $("page-first").href = base;
    $("page-first").hidden = !after;
    if (p.next) {
      const n = new URLSearchParams(q);
      n.set("after", p.next);
      $("page-next").href = "/admin/applications/?" + n;
    }
    $("page-next").hidden = !p.next;
    showMe(await whoami());
  };

  // ---- one application
  pages.application = async () => {
    const number = params.get("number") || "";
    let app;
    async function load(kept) {
      const [m, a] = await Promise.all([whoami(), get("applications/" + encodeURIComponent(number))]);
      showMe(m);
      app = a;
      $("crumb").textContent = a.number;
      $("title").textContent = a.number + " " + (a.org_name || a.contact);
      $("status").textContent = label("status", a.status);
      const plan = a.listing_plan || {};
      fields($("fields"), [
        ["会员类型", label("type", a.type)], ["单位名称", a.org_name], ["统一社会信用代码", a.credit_code],
        ["代表人", a.representative ? a.representative + "（" + label("rep", a.representative_kind) + "）" : ""],
        ["联系人", a.contact], ["联系电话", a.phone], ["电子邮箱", a.email], ["所在地区", a.region], ["所属行业", a.industry],
        ["专精特新", label("spec", a.specialised)],
        ["上市计划", plan.board ? label("board", plan.board) + (plan.year ? "，" + plan.year + " 年" : "") : "暂无"],
        ["希望获得的服务", (a.services || []).map((s) => label("service", s)).join("、")],
        ["单位简介", a.introduction], ["单位网站", a.homepage],
        ["会员风采展示", a.type === "individual" ? "个人会员不展示" : a.showcase_consent ? "同意（颁发证书后展示）" : "不同意"],
        ["承诺书与隐私声明", a.commitment_accepted && a.privacy_accepted ? "已签署承诺书，已同意隐私声明（" + a.privacy_version + " 版）" : "未签署"],
        ["提交时间", when(a.created_at)],
        ["备案", a.filing ? a.filing.date + "，" + a.filing.reference : ""],
        ["会员证书", a.certificate_number ? link(memberURL(a.certificate_number), a.certificate_number) : ""],
      ]);
      rows($("history"), a.history.slice().reverse(), (e) => [when(e.at),
        e.action === "erase" ? "删除个人信息" : (e.from ? label("status", e.from) + " → " : "") + label("status", e.to),
        e.role === "applicant" || e.role === "system" ? label("role", e.role) : who(e.actor, e.actor_name) + "（" + label("role", e.role) + "）", e.note]);
      const ns = $("notices");
      ns.textContent = "";
      (a.notices || []).forEach((t) => ns.append(el("li", { text: t })));
      ns.hidden = !(a.notices || []).length;
      const docs = a.attachments || [];
      rows($("documents"), docs, (f) => [f.name, label("filetype", f.type), Math.max(1, Math.round(f.size / 1024)) + " KB", when(f.uploaded_at),
        el("button", { type: "button", class: "button", "data-document": f.id, "aria-label": "下载 " + f.name, text: "下载" })]);
      $("no-docs").hidden = docs.length > 0;
      $("erase").hidden = !may("erase") || !!a.erased;
      related(a.related);
      showForms("form[data-action]", "data-action", a.actions, kept);
      const none = $("no-actions");
      none.textContent = a.actions.length ? "" : me.roles.indexOf("supervisor") >= 0 && me.tasks.length === 1 ?
        "监事可以查看全部申请和办理记录，不能办理。" : "当前状态下没有需要您办理的事项。";
      none.hidden = a.actions.length > 0;
      $("view").hidden = false;
    }
    const path = (act) => "applications/" + encodeURIComponent(number) + "/" + act;
    all("form[data-action]").forEach((f) => {
      const act = f.getAttribute("data-action");
      handle(f, (v) => call("POST", path(act), act === "file" ? { version: app.version, filing: { date: v.date, reference: v.reference } } :
        { version: app.version, note: v.note }), async (r) => {
        all("textarea, input", f).forEach((c) => { c.value = ""; });
        await load();
        const cert = act === "certify" && r.data.member;
        notice("ok", "已" + label("action", act) + "。当前状态：" + label("status", app.status) + "。",
          cert ? el("p", null, "会员证书编号 ", link(memberURL(cert.certificate), cert.certificate), "。") : null);
      }, (kept) => load(kept));
    });
    $("documents").addEventListener("click", async (e) => {
      const b = e.target.closest("button[data-document]");
      if (!b) return;
      b.disabled = true;
      try {
        const r = await call("GET", path("attachments/" + encodeURIComponent(b.getAttribute("data-document"))));
        if (r.ok) location.href = r.data.url; // a short-lived link; the bucket answers it as a download
        else notice("error", (r.error && r.error.message) || "下载失败（" + r.status + "）");
      } finally {
        b.disabled = false;
      }
    });
    handle($("act-erase"), (v) => call("POST", "erasures", { applications: [number],
      members: app.certificate_number ? [app.certificate_number] : [], note: v.note }), async () => {
      $("erase-note").value = "";
      await load();
      notice("ok", "已删除这份申请" + (app.certificate_number ? "和会员 " + app.certificate_number + " " : "") + "中的个人信息，办理记录已记下。");
    }, (kept) => load(kept));
    await load();
    restoreDrafts();
  };

  pages.members = async () => {
    const status = params.get("status") || "", search = (params.get("search") || "").trim();
    $("f-status").value = status;
    $("f-search").value = search;
    const [m, l] = await Promise.all([whoami(), get("members" + (status ? "?status=" + encodeURIComponent(status) : ""))]);
    showMe(m);
    const s = search.toUpperCase();
    const ms = l.members.filter((x) => !s || x.certificate.indexOf(s) >= 0 || x.profile.name.indexOf(search) >= 0);
    rows($("list"), ms, (x) => [link(memberURL(x.certificate), x.certificate), x.profile.name, label("type", x.type), label("mstatus", x.status), x.joined_on]);
    $("summary").textContent = ms.length ? "共 " + ms.length + " 名会员。" : "没有符合条件的会员。";
  };

  // ---- one member
  const showcaseFields = "单位名称、会员类别、所属行业、所在地区、入会年份、单位简介、单位网站";
  const showcaseText = (x) => x.type === "individual" ? "个人会员不展示" :
    !x.showcase_consent ? "未同意在会员风采中展示" : x.status === "active" ? "同意展示（在会员风采中）" : "同意展示（已离会，不展示）";
  pages.member = async () => {
    const cert = params.get("certificate") || "";
    const c = encodeURIComponent(cert);
    let mem;
    async function load(kept) {
      const [m, x, at, pay] = await Promise.all([whoami(), get("members/" + c), get("attendance?member=" + c), get("payments?member=" + c)]);
      showMe(m);
      mem = x;
      const p = x.profile;
      $("crumb").textContent = x.certificate;
      $("title").textContent = x.certificate + " " + p.name;
      $("status").textContent = label("mstatus", x.status) + (x.left_on ? "（" + x.left_on + "）" : "");
      const st = x.standing;
      $("standing").textContent = label("standing", st.state) + (st.last_attended ? "，最近一次出席 " + st.last_attended : "，尚无出席记录");
      fields($("fields"), [["类型", label("type", x.type)], ["名称", p.name], ["统一社会信用代码", x.credit_code],
        ["所在地区", p.region], ["所属行业", p.industry], ["单位网站", p.homepage], ["会员风采展示", showcaseText(x)], ["联系人", x.contact.person], ["联系电话", x.contact.phone], ["电子邮箱", x.contact.email],
        ["入会日期", x.joined_on], ["入会申请", link(appURL(x.application), x.application)],
        ["备案", x.filing ? x.filing.date + "，" + x.filing.reference : ""], ["离会说明", x.left_note],
        ["待决定的除名", x.pending_expulsion ? x.pending_expulsion.reason + "（" + when(x.pending_expulsion.proposed_at) + " 提出）" : ""]]);
      rows($("history"), x.history.slice().reverse(), (e) => [when(e.at), label("event", e.action), who(e.actor, e.actor_name) + "（" + label("role", e.role) + "）", e.note]);
      related(x.related);
      rows($("attendance"), at.attendance, (a) => [a.date, a.title || a.event, label("kind", a.kind), a.voided ? "已作废：" + a.voided.reason : "有效"], (a) => a.voided && "void");
      $("attendance-empty").hidden = at.attendance.length > 0;
      rows($("payments"), pay.payments, (y) => [y.paid_on, yuan(y.amount), y.receipt, (y.corrects ? "更正 " + y.corrects + "；" : "") + (y.note || "")]);
      $("payments-empty").hidden = pay.payments.length > 0;
      $("pending-reason").textContent = x.pending_expulsion ? "除名理由：" + x.pending_expulsion.reason : "";
      $("lapse-reason").textContent = st.absent_years ? st.absent_years.join("、") + " 年均未参加会员大会或联盟活动，" + st.lapsed_on + " 起视为自动退会。" : "";
      showForms("form[data-task]", "data-task", x.tasks, kept);
      $("no-actions").textContent = x.tasks.length ? "" : "当前没有需要您对该会员办理的事项。";
      $("no-actions").hidden = x.tasks.length > 0;
      $("showcase-state").textContent = "目前：" + showcaseText(x) + "。" + (x.showcase_consent ?
        "会员要求撤回时登记；撤回后，网站在下次更新时撤下该会员。" : "会员书面或来电同意展示时登记；展示的是" + showcaseFields + "。");
      $("showcase-submit").textContent = x.showcase_consent ? "登记撤回同意" : "登记同意展示";
      $("pay-link").hidden = !may("payment") || x.status !== "active";
      $("certificate-link").hidden = x.status !== "active";
      $("certificate-link").firstChild.href = api + "members/" + c + "/certificate";
      $("pay-link").firstChild.href = "/admin/dues/?member=" + c;
      $("view").hidden = false;
    }
    const bodies = {
      exit: (v) => ["exit", { version: mem.version, requested_on: v.requested_on, certificate_returned: v.certificate_returned, note: v.note }],
      "propose-expulsion": (v) => ["expulsion", { version: mem.version, reason: v.reason }],
      "decide-expulsion": (v) => ["expulsion/decision", { version: mem.version, approve: v.approve === "yes", note: v.note }],
      lapse: () => ["lapse", { version: mem.version }],
      showcase: (v) => ["showcase", { version: mem.version, consent: !mem.showcase_consent, requested_by: v.requested_by, requested_on: v.requested_on, note: v.note }],
    };
    all("form[data-task]").forEach((f) => {
      const task = f.getAttribute("data-task");
      handle(f, (v) => {
        const [p, b] = bodies[task](v);
        return call("POST", "members/" + c + "/" + p, b);
      }, async () => {
        all("textarea, input[type=text], input[type=date]", f).forEach((x) => { x.value = ""; });
        await load();
        notice("ok", "已办理。会员状态：" + label("mstatus", mem.status) + "。");
      }, (kept) => load(kept));
    });
    await load();
    restoreDrafts();
  };

  // ---- attendance
  pages.attendance = async () => {
    const date = params.get("date") || today();
    $("f-date").value = date;
    async function load() {
      const [m, at, ms, lr] = await Promise.all([whoami(), get("attendance"), get("members?status=active"),
        get("lapse-report?date=" + encodeURIComponent(date))]);
      showMe(m);
      const risky = lr.lapsed.concat(lr.at_risk);
      rows($("lapse"), risky, (s) => [link(memberURL(s.certificate), s.certificate), s.name,
        label("standing", s.state) + (s.lapsed_on ? "（" + s.lapsed_on + " 起）" : "") + (s.lapses_on ? "（如不参加活动，" + s.lapses_on + " 起）" : ""),
        s.last_attended || "从未出席"]);
      $("lapse-summary").textContent = lr.as_of + "：在册会员 " + lr.active + " 名，已满足自动退会条件 " + lr.lapsed.length + " 名，有风险 " + lr.at_risk.length + " 名。";
      rows($("records"), at.attendance.slice().reverse(), (a) => [a.date, a.title ? a.title + "（" + a.event + "）" : a.event,
        link(memberURL(a.member), a.member), a.voided ? "已作废：" + a.voided.reason : "有效"], (a) => a.voided && "void");
      $("records-empty").hidden = at.attendance.length > 0;
      const box = $("at-members");
      if (!box.childElementCount) {
        ms.members.forEach((x) => box.append(el("p", { class: "check" },
          el("input", { type: "checkbox", name: "member", value: x.certificate, id: "at-m-" + x.certificate }), " ",
          el("label", { for: "at-m-" + x.certificate, text: x.certificate + " " + x.profile.name }))));
      }
      $("record-section").hidden = $("void-section").hidden = !may("attendance");
      $("view").hidden = false;
    }
    $("at-pick").addEventListener("change", (e) => {
      const o = e.target.selectedOptions[0];
      if (!o.value) return;
      $("at-event").value = o.value.split("/").filter(Boolean).pop();
      $("at-title").value = o.getAttribute("data-title");
      $("at-date").value = o.getAttribute("data-date");
      $("at-kind").value = o.getAttribute("data-kind") === "assembly" ? "general_assembly" : "event";
      saveDrafts();
    });
    $("at-all").addEventListener("change", (e) => { all("#at-members input").forEach((c) => { c.checked = e.target.checked; }); saveDrafts(); });
    handle($("record"), (v) => call("POST", "attendance", { event: v.event, title: v.title, kind: v.kind, date: v.date, members: v.member || [] }),
      async (r) => {
        all("#at-members input, #at-all").forEach((c) => { c.checked = false; });
        await load();
        notice("ok", "已登记 " + r.data.added.length + " 名会员出席" + (r.data.already.length ? "；" + r.data.already.join("、") + " 此前已登记" : "") + "。");
      });
    handle($("void"), (v) => call("POST", "attendance", { event: v.event, void: true, note: v.note, members: v.members.split(/[\s,，、]+/).filter(Boolean) }),
      async (r) => {
        $("void").reset();
        await load();
        notice("ok", "已作废 " + r.data.voided.length + " 条记录" + (r.data.not_recorded.length ? "；" + r.data.not_recorded.join("、") + " 没有该活动的有效记录" : "") + "。");
      });
    await load();
    restoreDrafts();
  };

  // ---- mail: the messages that could not be delivered (or wait), and sending one again
  pages.mail = async () => {
    const state = params.get("state") === "pending" ? "pending" : "failed";
    $("f-state").value = state;
    let items = [];
    async function load() {
      const [m, l] = await Promise.all([whoami(), get("mail?state=" + state)]);
      showMe(m);
      items = l.mail;
      rows($("list"), items, (x) => [x.id, x.kind_label, (x.to_name ? x.to_name + " " : "") + x.to, String(x.attempts),
        x.state === "failed" ? "" : when(x.due), x.last_error || ""]);
      $("summary").textContent = items.length ? "共 " + items.length + " 封" + (state === "failed" ? "发送失败的邮件。" : "待发送的邮件。") :
        (state === "failed" ? "没有发送失败的邮件。" : "没有待发送的邮件。");
      const pick = $("r-id");
      pick.textContent = "";
      items.forEach((x) => pick.append(el("option", { value: x.id, text: x.id + " " + x.kind_label + " → " + x.to })));
      $("retry-section").hidden = state !== "failed" || items.length === 0 || !may("mail");
    }
    handle($("retry"), (v) => {
      const x = items.find((i) => i.id === v.id);
      return call("POST", "mail/retry", { id: v.id, version: x ? x.version : 0, to: v.to });
    }, async (r) => {
      $("r-to").value = "";
      await load();
      notice("ok", "已放回发送队列：" + r.data.id + " → " + r.data.to + "，一分钟内发出。");
    }, () => load());
    await load();
    restoreDrafts();
  };

  // ---- dues
  pages.dues = async () => {
    const year = Number(params.get("year")) || Number(today().slice(0, 4));
    $("f-year").value = year;
    let fees;
    async function load() {
      const [m, f, d, p] = await Promise.all([whoami(), get("fees/" + year), get("dues/" + year), get("payments?year=" + year)]);
      showMe(m);
      fees = f;
      fields($("schedule"), [["企业会员", yuan(f.enterprise) + " 元/年"], ["团体会员", yuan(f.group) + " 元/年"], ["个人会员", yuan(f.individual) + " 元/年"],
        ["依据", f.version ? f.note + "（" + when(f.set_at) + " 登记）" : "章程第十六条（未调整）"]]);
      const t = d.totals;
      $("totals").textContent = year + " 年：会员 " + t.members + " 名，已缴 " + t.paid + " 名，未缴 " + t.unpaid + " 名，免缴 " + t.exempt +
        " 名；应收 " + yuan(t.due) + " 元，已收 " + yuan(t.settled) + " 元，未收 " + yuan(t.outstanding) + " 元。";
      rows($("report"), d.lines, (l) => [link(memberURL(l.certificate), l.certificate), l.name, label("type", l.type), yuan(l.due), yuan(l.paid),
        label("dues", l.state), l.paid_on, l.receipt]);
      all("#report tbody td:nth-child(4), #report tbody td:nth-child(5)").forEach((c) => c.classList.add("num"));
      rows($("ledger"), p.payments, (y) => [y.id, link(memberURL(y.member), y.member), yuan(y.amount), y.paid_on, y.receipt,
        (y.corrects ? "更正 " + y.corrects + "；" : "") + (y.note || "")]);
      $("ledger-empty").hidden = p.payments.length > 0;
      const dl = $("pay-members");
      dl.textContent = "";
      d.lines.forEach((l) => dl.append(el("option", { value: l.certificate, label: l.name + " " + label("dues", l.state), "data-due": l.due })));
      $("fees-section").hidden = !may("fees");
      $("pay-section").hidden = !may("payment");
      $("view").hidden = false;
    }
    $("csv").href = api + "dues/" + year + "/csv";
    $("csv").textContent = "下载 " + year + " 年会费报表 CSV（Excel）";
    const fillDue = () => {
      const o = all("#pay-members option").find((x) => x.value === $("pay-member").value.trim().toUpperCase());
      if (o && !$("pay-amount").value) $("pay-amount").value = yuan(Number(o.getAttribute("data-due")));
    };
    $("pay-member").addEventListener("change", fillDue);
    handle($("fees"), (v) => {
      const b = { version: fees.version, enterprise: fen(v.enterprise), group: fen(v.group), individual: fen(v.individual), note: v.note };
      return amounts(b, ["enterprise", "group", "individual"]) || call("POST", "fees/" + year, b);
    }, async () => { await load(); notice("ok", "已保存 " + year + " 年会费标准。"); }, () => load());
    handle($("pay"), (v) => {
      const b = { member: v.member, year: year, amount: fen(v.amount), paid_on: v.paid_on, receipt: v.receipt, note: v.note, corrects: v.corrects };
      return amounts(b, ["amount"]) || call("POST", "payments", b);
    }, async (r) => {
      $("pay").reset();
      $("pay-date").value = today();
      await load();
      notice("ok", "已登记 " + r.data.member + " " + year + " 年会费 " + yuan(r.data.amount) + " 元，记录编号 " + r.data.id + "。");
    });
    await load();
    $("fee-enterprise").value = yuan(fees.enterprise);
    $("fee-group").value = yuan(fees.group);
    $("fee-individual").value = yuan(fees.individual);
    $("pay-date").value = today();
    if (params.get("member")) $("pay-member").value = params.get("member");
    fillDue();
    restoreDrafts();
  };

  // ---- start
  // A table wider than a phone scrolls in its box: the box takes the focus,
  // so that the keyboard can scroll it too, and is named by the caption.
  all(".scroll").forEach((d) => {
    const cap = d.querySelector("caption");
    d.tabIndex = 0;
    d.setAttribute("role", "region");
    d.setAttribute("aria-label", cap ? cap.textContent : "表格");
  });
  const reason = params.get("signin");
  if (reason) {
    signIn(reason);
    const p = new URLSearchParams(location.search);
    p.delete("signin");
    history.replaceState(null, "", location.pathname + (p.toString() ? "?" + p : ""));
  }
  // What the pages of admin-events.js use of this script.
  window.allianceConsole = {
    pages, params, $, all, el, link, rows, fields, when, may, who, memberURL, notice, clearNotice, call, get, stop,
    whoami, showMe, handle, restoreDrafts, clearDraft, api,
  };
  // The mark "console-ready" times a page from its navigation to its data
  // on screen (the browser test reads it; a real-user monitor could).
  document.addEventListener("DOMContentLoaded", () => {
    (pages[page] || (() => Promise.resolve()))().then(() => performance.mark("console-ready"), (e) => {
      if (e !== stop) notice("error", "页面出错：" + e.message);
    });
  });
})();
