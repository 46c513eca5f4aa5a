// admin-events.js: the console's pages of event registration, loaded by them
// alone after admin.js, whose helpers it uses (window.allianceConsole):
// 活动报名 (/admin/registrations/: an event's registrants with their counts,
// filters, the CSV, a cancellation on the registrant's behalf, a check-in
// voided, the waiting promoted into free places) and 现场签到
// (/admin/checkin/: the door, on a phone: the registration's QR code scanned
// with the camera where the browser has BarcodeDetector, or its code or
// phone typed, or sent by a scanner that types; a walk-in registered and
// checked in at once). Every change goes through the admin API; the page
// shows the controls of the tasks the reader may do (membership.Actor.May).
(function () {
  "use strict";
  const C = window.allianceConsole;
  const { $, el, link, rows, when, may, memberURL, notice, call, get, stop, whoami, showMe, handle, restoreDrafts, params } = C;
  const eventPath = (slug) => "events/" + encodeURIComponent(slug);

  // chooseEvent fills the event picker with the published events and returns
  // the one the page is about: the one asked for (?event=), else the first
  // whose check-in is open (today's), else the first not over, else the last.
  async function chooseEvent() {
    const [m, l] = await Promise.all([whoami(), get("events")]);
    showMe(m);
    const list = l.events;
    const want = params.get("event");
    const ev = list.find((e) => e.event.slug === want) || list.find((e) => e.check_in_open) ||
      list.find((e) => e.state !== "ended") || list[list.length - 1];
    const pick = $("f-event");
    pick.textContent = "";
    list.forEach((e) => pick.append(el("option", { value: e.event.slug, text: eventName(e) })));
    if (!ev) {
      $("filter").hidden = true;
      $("no-events").hidden = false;
      return null;
    }
    pick.value = ev.event.slug;
    return ev;
  }
  function eventName(e) {
    return when(e.event.start).slice(0, 10) + " " + e.event.title +
      (e.check_in_open ? "（签到中）" : e.state === "ended" ? "（已结束）" : "");
  }

  // codeRE is a registration code as issued (functions/events: no 0, 1, I, O).
  const codeRE = /^[2-9A-HJ-NP-Z]{4}-?[2-9A-HJ-NP-Z]{4}$/;
  // codeOf returns the registration code s is (typed in lower case or full
  // width, with or without its dash, or read from a QR code), "" if none.
  function codeOf(s) {
    const c = String(s).normalize("NFKC").toUpperCase().replace(/\s+/g, "").replace(/[－—–]/g, "-");
    if (!codeRE.test(c)) return "";
    return c.indexOf("-") < 0 ? c.slice(0, 4) + "-" + c.slice(4) : c;
  }

  // ---- 现场签到
  C.pages.checkin = async () => {
    const ev = await chooseEvent();
    if (!ev) return;
    const slug = ev.event.slug;
    let checked = ev.counts.checked_in, walkIns = ev.counts.walk_ins;
    const info = () => {
      $("event-info").textContent = ev.event.title + "，" + when(ev.event.start) + " 开始。" +
        (ev.check_in_open ? "" : "现在不是签到时间（活动当天至结束后 3 天）。") +
        "已签到 " + checked + " 人；在线报名 " + ev.counts.confirmed + " 人，现场报名 " + walkIns + " 人。";
    };
    info();
    $("to-roster").href = "/admin/registrations/?event=" + encodeURIComponent(slug);
    const door = may("attendance");
    $("checkin-section").hidden = !door;
    $("read-only").hidden = door;
    $("view").hidden = false;
    if (!door) return;

    // show puts an answer into the live region #result, which screen readers
    // announce: kind ok, again (checked in before) or no, a title in large
    // type, then lines; a phone also vibrates (once, or three times for no).
    function show(kind, title, ...lines) {
      const r = $("result");
      r.className = "result result-" + kind;
      r.textContent = "";
      r.append(el("p", { class: "result-title" }, el("span", { "aria-hidden": "true", text: { ok: "✓ ", again: "! ", no: "✗ " }[kind] }), title));
      lines.forEach((l) => { if (l) r.append(el("p", { text: l })); });
      if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [80, 60, 80]);
    }
    function answered(res) {
      const r = res.registration;
      if (res.already) {
        show("again", "已签到过：" + r.name, r.org, "已于 " + when(r.checked_in.at) + " 签到" +
          (r.checked_in.by_name ? "（" + r.checked_in.by_name + " 办理）" : "") + "，无需重复签到。");
        return;
      }
      checked++;
      if (r.walk_in) walkIns++;
      info();
      show("ok", "签到成功：" + r.name, [r.org, r.job_title].filter(Boolean).join(" · "),
        r.member ? "会员 " + r.member + (res.attendance_recorded ? "：出席已登记" : "：出席此前已登记") : "",
        r.walk_in ? "现场报名" : "");
    }
    let busy = false;
    // checkIn sends a code or a phone; true when it checked someone in (or
    // found them checked in).
    async function checkIn(value) {
      const v = String(value).trim();
      if (!v || busy) return false;
      busy = true;
      const code = codeOf(v);
      let r;
      try {
        r = await call("POST", eventPath(slug) + "/checkins", code ? { code: code } : { phone: v });
      } catch (e) {
        if (e !== stop) throw e;
        show("no", "未能签到", "请按页面上方的提示处理后重试。");
        return false;
      } finally {
        busy = false;
      }
      if (r.ok) {
        answered(r.data);
        return true;
      }
      show("no", "不能签到", (r.error && r.error.message) || "签到未成功（" + r.status + "）");
      return false;
    }
    const input = $("ci-code");
    $("checkin").addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = e.target.querySelector("button[type=submit]");
      button.disabled = true;
      const ok = await checkIn(input.value).finally(() => { button.disabled = false; });
      if (ok) input.value = "";
      input.focus();
      input.select();
    });

    // The camera: a QR code is read four times a second; the same code held
    // in front of the camera is sent once every five seconds at most.
    const scan = { stream: null, timer: 0, last: "", at: 0 };
    const canScan = "BarcodeDetector" in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
    if (!canScan) {
      $("scan-start").hidden = true;
      $("scan-note").textContent = "此浏览器不能用相机扫码（安卓手机可用 Chrome 或 Edge 浏览器）。请输入报名编号或手机号码，或使用扫码枪。";
    }
    async function scanned(raw) {
      const now = Date.now();
      if (raw === scan.last && now - scan.at < 5000) return;
      scan.last = raw;
      scan.at = now;
      const code = codeOf(raw);
      if (!code) {
        show("no", "不是报名二维码", "请扫描报名确认页上的二维码，或输入报名编号。");
        return;
      }
      await checkIn(code);
    }
    async function startScan() {
      let detector;
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        scan.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
      } catch (e) {
        $("scan-note").textContent = e && e.name === "NotAllowedError" ?
          "未获准使用相机：请在浏览器设置中允许本网站使用相机，或输入报名编号。" : "无法打开相机：请输入报名编号或手机号码。";
        return;
      }
      const video = $("scan-video");
      video.srcObject = scan.stream;
      video.hidden = false;
      await video.play().catch(() => {});
      $("scan-start").hidden = true;
      $("scan-stop").hidden = false;
      $("scan-note").textContent = "请将报名二维码对准镜头。";
      const tick = async () => {
        if (!scan.stream) return;
        let found = [];
        try {
          if (video.readyState >= 2) found = await detector.detect(video);
        } catch (e) { /* a frame it could not read: the next one */ }
        for (const f of found) await scanned(f.rawValue);
        if (scan.stream) scan.timer = setTimeout(tick, 250);
      };
      tick();
    }
    function stopScan() {
      clearTimeout(scan.timer);
      if (scan.stream) scan.stream.getTracks().forEach((t) => t.stop());
      scan.stream = null;
      const video = $("scan-video");
      video.srcObject = null;
      video.hidden = true;
      $("scan-start").hidden = !canScan;
      $("scan-stop").hidden = true;
      if (canScan) $("scan-note").textContent = "";
    }
    $("scan-start").addEventListener("click", startScan);
    $("scan-stop").addEventListener("click", () => { stopScan(); $("scan-start").focus(); });
    document.addEventListener("visibilitychange", () => { if (document.hidden) stopScan(); });

    handle($("walkin"), (v) => call("POST", eventPath(slug) + "/walk-ins", {
      name: v.name, org: v.org, phone: v.phone, certificate: v.certificate, job_title: v.job_title, email: v.email,
      privacy_accepted: v.privacy_accepted,
    }), (r) => {
      $("walkin").reset();
      answered(r.data);
      input.focus();
    });
    restoreDrafts();
  };

  // ---- 活动报名
  // kinds are the status filter's choices.
  const kinds = {
    confirmed: (r) => r.status === "confirmed" && !r.checked_in && !r.walk_in,
    checked_in: (r) => !!r.checked_in,
    waitlisted: (r) => r.status === "waitlisted",
    cancelled: (r) => r.status === "cancelled",
    walk_in: (r) => !!r.walk_in,
  };
  // state is a registration's state with who did what and when.
  function state(r) {
    let s = r.label;
    if (r.checked_in) s += " " + when(r.checked_in.at) + (r.checked_in.by_name ? "（" + r.checked_in.by_name + "）" : "");
    if (r.cancelled && r.cancelled.by !== "registrant") s += "（秘书处" + (r.cancelled.by_name || "") + "代为取消：" + r.cancelled.reason + "）";
    else if (r.cancelled) s += "（本人取消）";
    if (r.walk_in) s += "（现场报名）";
    else if (r.promoted_at && r.status === "confirmed") s += "（" + (r.promoted_by ? "补位" : "候补递补") + "于 " + when(r.promoted_at) + "）";
    return s;
  }

  C.pages.registrations = async () => {
    const ev = await chooseEvent();
    if (!ev) return;
    const slug = ev.event.slug;
    const kind = kinds[params.get("status")] ? params.get("status") : "";
    const search = (params.get("search") || "").trim();
    $("f-status").value = kind;
    $("f-search").value = search;
    $("csv").href = C.api + eventPath(slug) + "/registrations/csv";
    $("to-checkin").href = "/admin/checkin/?event=" + encodeURIComponent(slug);
    $("to-checkin").hidden = !may("attendance");
    $("cancel-section").hidden = !may("registrations");
    $("void-section").hidden = !may("attendance");
    async function load() {
      const ro = await get(eventPath(slug) + "/registrations");
      const n = ro.counts;
      $("event-info").textContent = ro.event.title + "，" + when(ro.event.start) + " 开始，" + ev.state_label + "。";
      const counts = $("counts");
      counts.textContent = "";
      [["名额", n.capacity], ["已报名", n.confirmed], ["剩余名额", n.left], ["候补", n.waitlisted], ["已签到", n.checked_in],
        ["现场报名", n.walk_ins], ["已取消", n.cancelled]].forEach(([k, v]) => counts.append(el("li", null, el("span", null, el("strong", { text: String(v) }), k))));
      $("promote-section").hidden = !(n.promotable > 0 && may("registrations"));
      $("promote-text").textContent = "现有空余名额 " + n.left + " 个，候补 " + n.waitlisted + " 人：补位将按候补顺序为前 " + n.promotable + " 人确认名额（名额调增后使用；有人取消时会自动递补）。";
      const q = search.toUpperCase();
      const shown = ro.registrations.filter((r) => (!kind || kinds[kind](r)) &&
        (!q || [r.code, r.name, r.org, r.phone, r.member].some((x) => (x || "").toUpperCase().indexOf(q) >= 0)));
      rows($("list"), shown, (r) => [r.code, r.member ? el("span", null, r.name + " ", link(memberURL(r.member), r.member)) : r.name,
        r.org, r.job_title, r.phone, state(r), when(r.created_at), actions(r)], (r) => r.status === "cancelled" && "void");
      $("summary").textContent = ro.registrations.length === 0 ? "尚无报名。" : shown.length === ro.registrations.length ?
        "共 " + shown.length + " 条报名，按报名先后。" : "筛选出 " + shown.length + " 条（共 " + ro.registrations.length + " 条）。";
      $("view").hidden = false;
    }
    // actions are the buttons of a row: each fills in the form below it.
    function actions(r) {
      const box = el("span", { class: "row-acts" });
      if (may("registrations") && r.status !== "cancelled" && !r.checked_in) {
        box.append(el("button", { type: "button", class: "link-button", "data-form": "cancel", "data-code": r.code, "aria-label": "代为取消（" + r.name + "）", text: "代为取消" }));
      }
      if (may("attendance") && r.checked_in) {
        box.append(el("button", { type: "button", class: "link-button", "data-form": "void", "data-code": r.code, "aria-label": "作废签到（" + r.name + "）", text: "作废签到" }));
      }
      return box;
    }
    $("list").addEventListener("click", (e) => {
      const b = e.target.closest("button[data-form]");
      if (!b) return;
      const f = b.getAttribute("data-form");
      $(f + "-code").value = b.getAttribute("data-code");
      $(f + "-note").focus();
    });
    handle($("cancel"), (v) => call("POST", eventPath(slug) + "/registrations/" + encodeURIComponent(v.code.trim()) + "/cancel", { note: v.note }),
      async (r) => {
        $("cancel").reset();
        await load();
        const x = r.data.registration;
        notice("ok", "已代为取消 " + x.code + "（" + x.name + "）的报名；其名额已按候补顺序递补。");
      });
    handle($("void"), (v) => call("POST", eventPath(slug) + "/checkins/void", { code: v.code.trim(), note: v.note }), async (r) => {
      $("void").reset();
      await load();
      const x = r.data.registration;
      notice("ok", "已作废 " + x.code + "（" + x.name + "）的签到" + (r.data.attendance_voided ? "，会员出席记录一并作废" : "") + "；可以重新签到。");
    });
    handle($("promote"), () => call("POST", eventPath(slug) + "/promotions", {}), async (r) => {
      await load();
      const ps = r.data.promoted;
      notice("ok", ps.length ? "已为 " + ps.length + " 人补位：" + ps.map((x) => x.name + "（" + x.code + "）").join("、") + "。" :
        "没有可以补位的候补：名额已满，或无人候补。");
    });
    await load();
    restoreDrafts();
  };
})();
