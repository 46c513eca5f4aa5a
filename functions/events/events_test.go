package events_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	clerk = membership.Actor{ID: "clerk-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}
	sup   = membership.Actor{ID: "auditor", Roles: []string{membership.RoleSupervisor}}
	start = time.Date(2026, 12, 5, 14, 0, 0, 0, membership.China)
)

func salon() *events.Event {
	return &events.Event{Slug: "2026-shenzhen-salon", Title: "投融资沙龙（深圳）", URL: "/events/2026-shenzhen-salon/", Kind: "salon",
		Start: start, End: start.Add(3 * time.Hour), Registration: events.ModeOpen, Capacity: 2,
		RegisterBy: start.Add(-24 * time.Hour)}
}

func code(err error) string { return membership.ErrorCode(err) }

func TestAdmit(t *testing.T) {
	tests := []struct {
		name      string
		confirmed int
		queue     []string
		waitlist  bool
		want      events.Status
		wantCode  string
	}{
		{"a place free", 1, nil, false, events.StatusConfirmed, ""},
		{"full, agrees to wait", 2, nil, true, events.StatusWaitlisted, ""},
		{"full, does not agree", 2, nil, false, "", membership.EINVALID},
		{"place free but people wait", 1, []string{"AAAA-BBBB"}, true, events.StatusWaitlisted, ""},
		{"place free, people wait, no consent", 1, []string{"AAAA-BBBB"}, false, "", membership.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := events.Admit(2, events.Seats{Confirmed: tt.confirmed, Queue: tt.queue}, tt.waitlist)
			if got != tt.want || code(err) != tt.wantCode {
				t.Fatalf("got %q, %v; want %q, code %q", got, err, tt.want, tt.wantCode)
			}
			if err != nil && membership.ErrorFields(err)["waitlist_accepted"] == "" {
				t.Errorf("error %v names no field waitlist_accepted", err)
			}
		})
	}
}

func TestPromotions(t *testing.T) {
	q := []string{"A", "B", "C"}
	tests := []struct {
		capacity, confirmed int
		queue               []string
		want                int
	}{
		{2, 1, q, 1},   // one place freed
		{5, 1, q, 3},   // capacity raised: all who wait
		{2, 2, q, 0},   // still full
		{1, 3, q, 0},   // capacity lowered below the confirmed
		{2, 1, nil, 0}, // nobody waits
		{100, 0, make([]string, 50), events.MaxPromotions},
	}
	for _, tt := range tests {
		if got := events.Promotions(tt.capacity, events.Seats{Confirmed: tt.confirmed, Queue: tt.queue}); got != tt.want {
			t.Errorf("Promotions(%d, %d confirmed, %d waiting) = %d, want %d", tt.capacity, tt.confirmed, len(tt.queue), got, tt.want)
		}
	}
	if got := events.Promotable(100, events.Seats{Queue: make([]string, 50)}); got != 50 {
		t.Errorf("Promotable(100 places, 50 waiting) = %d, want all 50 (Promotions bounds one write, not the count)", got)
	}
	if got := events.Promotable(60, events.Seats{Confirmed: 40, Queue: make([]string, 50)}); got != 20 {
		t.Errorf("Promotable(60 places, 40 confirmed, 50 waiting) = %d, want the 20 free", got)
	}
}

func TestEventCheck(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(e *events.Event)
		field string
	}{
		{"valid", func(*events.Event) {}, ""},
		{"open without capacity", func(e *events.Event) { e.Capacity = 0 }, "capacity"},
		{"deadline after the end", func(e *events.Event) { e.RegisterBy = e.End.Add(time.Minute) }, "registerBy"},
		{"external without URL", func(e *events.Event) { e.Registration, e.Capacity = events.ModeExternal, 0 }, "registrationURL"},
		{"external over http", func(e *events.Event) {
			e.Registration, e.Capacity, e.ExternalURL = events.ModeExternal, 0, "http://example.org/"
		}, "registrationURL"},
		{"unknown mode", func(e *events.Event) { e.Registration = "maybe" }, "registration"},
		{"slug with a slash", func(e *events.Event) { e.Slug = "a/b" }, "slug"},
		{"end before start", func(e *events.Event) { e.End = e.Start.Add(-time.Hour); e.RegisterBy = time.Time{} }, "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := salon()
			tt.edit(e)
			err := e.Check()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Check: %v, want nil", err)
				}
				return
			}
			if membership.ErrorFields(err)[tt.field] == "" {
				t.Fatalf("Check: %v, want a message on %s", err, tt.field)
			}
		})
	}
}

func TestStateAndCheckOpen(t *testing.T) {
	e := salon()
	tests := []struct {
		name  string
		now   time.Time
		seats events.Seats
		edit  func(*events.Event)
		want  events.State
		msg   string // in CheckOpen's error; "" for none
	}{
		{"open", start.Add(-48 * time.Hour), events.Seats{}, nil, events.StateOpen, ""},
		{"full", start.Add(-48 * time.Hour), events.Seats{Confirmed: 2}, nil, events.StateFull, ""},
		{"deadline passed", start.Add(-time.Hour), events.Seats{}, nil, events.StateDeadline, "截止"},
		{"ended", start.Add(4 * time.Hour), events.Seats{}, nil, events.StateEnded, "已结束"},
		{"closed", start.Add(-48 * time.Hour), events.Seats{}, func(e *events.Event) { e.Registration = events.ModeClosed }, events.StateClosed, "已关闭"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := *e
			if tt.edit != nil {
				tt.edit(&ev)
			}
			if got := ev.State(tt.now, tt.seats); got != tt.want {
				t.Errorf("State = %s, want %s", got, tt.want)
			}
			err := ev.CheckOpen(tt.now)
			if tt.msg == "" && err != nil || tt.msg != "" && (code(err) != membership.ECONFLICT || !strings.Contains(membership.ErrorMessage(err), tt.msg)) {
				t.Errorf("CheckOpen = %v, want %q", err, tt.msg)
			}
		})
	}
}

func validInput() events.Input {
	return events.Input{Name: " 李四 ", Org: "北京示例科技股份有限公司", JobTitle: "董事会秘书", Phone: "+86 138 0013 8000",
		Email: "lisi＠example.com", Certificate: "lm-2026-0001", PrivacyAccepted: true, PrivacyVersion: events.PrivacyNoticeVersions[0]}
}

func TestInputNormalizeAndValidate(t *testing.T) {
	in := validInput()
	in.Normalize()
	if in.Name != "李四" || in.Phone != "13800138000" || in.Email != "lisi@example.com" || in.Certificate != "LM-2026-0001" {
		t.Fatalf("normalized: %+v", in)
	}
	if err := in.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*events.Input)
		field string
		want  string
	}{
		{"no name", func(in *events.Input) { in.Name = "" }, "name", "请填写姓名"},
		{"zero-width space", func(in *events.Input) { in.Org = "北京\u200b示例" }, "org", "无法显示的特殊字符"},
		{"bidi override", func(in *events.Input) { in.Name = "李\u202e四" }, "name", "无法显示的特殊字符"},
		{"long title", func(in *events.Input) { in.JobTitle = strings.Repeat("长", 51) }, "job_title", "不能超过50个字"},
		{"bad phone", func(in *events.Input) { in.Phone = "12345" }, "phone", "手机号码"},
		{"bad email", func(in *events.Input) { in.Email = "lisi@" }, "email", "格式不正确"},
		{"bad certificate", func(in *events.Input) { in.Certificate = "LM2026" }, "certificate", "LM-2026-0001"},
		{"no consent", func(in *events.Input) { in.PrivacyAccepted = false }, "privacy_accepted", "个人信息保护声明"},
		{"old page", func(in *events.Input) { in.PrivacyVersion = "2020-01-01" }, "privacy_version", "刷新"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			in.Normalize()
			tt.edit(&in)
			err := in.Validate()
			if got := membership.ErrorFields(err)[tt.field]; !strings.Contains(got, tt.want) {
				t.Fatalf("Validate: %v; message on %s = %q, want it to contain %q", err, tt.field, got, tt.want)
			}
			if door := in.ValidateWalkIn(); membership.ErrorFields(door)[tt.field] == "" {
				t.Errorf("ValidateWalkIn: %v, want the same field %s refused at the door", door, tt.field)
			}
		})
	}
}

// TestValidateWalkIn: at the door only name, unit, phone and the consent are
// required; a job title or email left empty is fine, a wrong one is not.
func TestValidateWalkIn(t *testing.T) {
	door := events.Input{Name: "赵六", Org: "合肥示例储能科技有限公司", Phone: "13900001111", PrivacyAccepted: true, PrivacyVersion: events.PrivacyNoticeVersions[0]}
	if err := door.ValidateWalkIn(); err != nil {
		t.Errorf("name, unit, phone and consent: %v, want accepted at the door", err)
	}
	if fe := membership.ErrorFields(door.Validate()); fe["job_title"] == "" || fe["email"] == "" {
		t.Errorf("the same on the form: %v, want job title and email required", fe)
	}
	for field, edit := range map[string]func(*events.Input){
		"name":             func(in *events.Input) { in.Name = "" },
		"org":              func(in *events.Input) { in.Org = "" },
		"phone":            func(in *events.Input) { in.Phone = "" },
		"email":            func(in *events.Input) { in.Email = "zhao@" },
		"privacy_accepted": func(in *events.Input) { in.PrivacyAccepted = false },
	} {
		in := door
		edit(&in)
		if fe := membership.ErrorFields(in.ValidateWalkIn()); fe[field] == "" {
			t.Errorf("walk-in without a good %s: %v, want it named", field, fe)
		}
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := events.NewCode()
		if err != nil || !events.ValidCode(c) || seen[c] {
			t.Fatalf("NewCode = %q, %v (valid %v, seen %v)", c, err, events.ValidCode(c), seen[c])
		}
		seen[c] = true
	}
	for in, want := range map[string]string{"7kq3-m9xd": "7KQ3-M9XD", " 7KQ3 M9XD ": "7KQ3-M9XD", "７ＫＱ３－Ｍ９ＸＤ": "7KQ3-M9XD", "7KQ3M9XD": "7KQ3-M9XD"} {
		if got := events.NormalCode(in); got != want || !events.ValidCode(got) {
			t.Errorf("NormalCode(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"0KQ3-M9XD", "7KQ3-M9X", "LM-2026-0001", ""} {
		if events.ValidCode(events.NormalCode(bad)) {
			t.Errorf("ValidCode(%q) = true", bad)
		}
	}
}

func registered(t *testing.T, status events.Status) *events.Registration {
	t.Helper()
	in := validInput()
	in.Normalize()
	r := events.New(salon(), in, start.Add(-72*time.Hour))
	r.Code, r.Status = "7KQ3-M9XD", status
	if err := r.LinkMember("LM-2026-0001", "北京示例科技股份有限公司", membership.MemberActive); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuthorize(t *testing.T) {
	r := registered(t, events.StatusConfirmed)
	r.TokenHash = membership.HashToken("secret")
	if err := r.Authorize("secret", start); err != nil {
		t.Errorf("right token: %v", err)
	}
	if err := r.Authorize("wrong", start); code(err) != membership.ENOTFOUND {
		t.Errorf("wrong token: %v, want not found", err)
	}
	if err := r.Authorize("secret", r.TokenExpires); code(err) != membership.EFORBIDDEN || !strings.Contains(membership.ErrorMessage(err), "过期") {
		t.Errorf("expired token: %v, want forbidden saying 过期", err)
	}
	if want := salon().End.Add(events.TokenValidity); !r.TokenExpires.Equal(want) {
		t.Errorf("token expires %v, want %v", r.TokenExpires, want)
	}
}

func TestLinkMember(t *testing.T) {
	r := registered(t, events.StatusConfirmed)
	for _, st := range []membership.MemberStatus{"", membership.MemberExited, membership.MemberLapsed} {
		if err := r.LinkMember("LM-2026-0002", "某", st); membership.ErrorFields(err)["certificate"] == "" {
			t.Errorf("LinkMember with status %q: %v, want an error on certificate", st, err)
		}
	}
}

func TestCancel(t *testing.T) {
	ev := salon()
	before := start.Add(-time.Hour)
	r := registered(t, events.StatusConfirmed)
	if err := r.Cancel(ev, events.RegistrantActor, "", before); err != nil || r.Status != events.StatusCancelled {
		t.Fatalf("Cancel: %v, status %s", err, r.Status)
	}
	if err := r.Cancel(ev, events.RegistrantActor, "", before); code(err) != membership.ECONFLICT {
		t.Errorf("cancel twice: %v, want conflict", err)
	}
	late := registered(t, events.StatusConfirmed)
	if err := late.Cancel(ev, events.RegistrantActor, "", start); code(err) != membership.ECONFLICT {
		t.Errorf("cancel at the start: %v, want conflict", err)
	}
}

// refusals are an event, another and a cancelled registration of the first.
func refusals(t *testing.T) (ev, other *events.Event, cancelled *events.Registration) {
	t.Helper()
	ev, other = salon(), salon()
	other.Slug = "2026-other"
	cancelled = registered(t, events.StatusConfirmed)
	if err := cancelled.Cancel(ev, events.RegistrantActor, "", start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return ev, other, cancelled
}

func TestCancelFor(t *testing.T) {
	ev, other, cancelled := refusals(t)
	checkedIn := registered(t, events.StatusConfirmed)
	if _, _, err := checkedIn.CheckIn(ev, clerk, start); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		r        *events.Registration
		ev       *events.Event
		actor    membership.Actor
		reason   string
		now      time.Time
		wantCode string
		field    string
	}{
		{"by phone before the event", registered(t, events.StatusConfirmed), ev, clerk, " 本人来电取消 ", start.Add(-time.Hour), "", ""},
		{"a waiting one during the event", registered(t, events.StatusWaitlisted), ev, clerk, "重复报名", start.Add(time.Hour), "", ""},
		{"supervisor", registered(t, events.StatusConfirmed), ev, sup, "本人来电取消", start.Add(-time.Hour), membership.EFORBIDDEN, ""},
		{"chair", registered(t, events.StatusConfirmed), ev, membership.Actor{ID: "chair-1", Roles: []string{membership.RoleChair}}, "本人来电取消",
			start.Add(-time.Hour), membership.EFORBIDDEN, ""},
		{"no reason", registered(t, events.StatusConfirmed), ev, clerk, "  ", start.Add(-time.Hour), membership.EINVALID, "note"},
		{"too long a reason", registered(t, events.StatusConfirmed), ev, clerk, strings.Repeat("因", events.MaxReason+1), start.Add(-time.Hour), membership.EINVALID, "note"},
		{"another event's", registered(t, events.StatusConfirmed), other, clerk, "本人来电取消", start.Add(-time.Hour), membership.EINVALID, "code"},
		{"checked in", checkedIn, ev, clerk, "本人来电取消", start.Add(time.Hour), membership.ECONFLICT, ""},
		{"cancelled", cancelled, ev, clerk, "本人来电取消", start.Add(-time.Hour), membership.ECONFLICT, ""},
		{"after the event", registered(t, events.StatusConfirmed), ev, clerk, "本人来电取消", ev.End, membership.ECONFLICT, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			was := tt.r.Status
			err := tt.r.CancelFor(tt.ev, tt.actor, tt.reason, tt.now)
			if code(err) != tt.wantCode || (tt.field != "" && membership.ErrorFields(err)[tt.field] == "") {
				t.Fatalf("CancelFor: %v, want code %q naming %q", err, tt.wantCode, tt.field)
			}
			if err != nil {
				if tt.r.Status != was {
					t.Errorf("a refused cancellation changed the status to %s", tt.r.Status)
				}
				return
			}
			want := events.Cancellation{At: tt.now.UTC(), By: clerk.ID, ByName: clerk.Name, Reason: strings.TrimSpace(tt.reason)}
			if tt.r.Status != events.StatusCancelled || *tt.r.Cancelled != want {
				t.Errorf("cancelled: %s %+v, want %+v", tt.r.Status, tt.r.Cancelled, want)
			}
		})
	}
}

func TestPromoteFor(t *testing.T) {
	ev := salon()
	r := registered(t, events.StatusWaitlisted)
	if err := r.PromoteFor(ev, sup, start); code(err) != membership.EFORBIDDEN || r.Status != events.StatusWaitlisted {
		t.Errorf("supervisor: %v, status %s; want forbidden, still waiting", err, r.Status)
	}
	if err := r.PromoteFor(ev, clerk, ev.End); code(err) != membership.ECONFLICT || r.Status != events.StatusWaitlisted {
		t.Errorf("after the event: %v, status %s; want a conflict, still waiting", err, r.Status)
	}
	at := start.Add(-48 * time.Hour)
	if err := r.PromoteFor(ev, clerk, at); err != nil || r.Status != events.StatusConfirmed || !r.PromotedAt.Equal(at.UTC()) ||
		r.PromotedBy != clerk.ID || r.PromotedByName != clerk.Name {
		t.Fatalf("PromoteFor: %v, %+v; want confirmed, promoted by %s at %v", err, r, clerk.ID, at)
	}
	if err := r.PromoteFor(ev, clerk, at); code(err) != membership.ECONFLICT {
		t.Errorf("promote a confirmed one: %v, want a conflict", err)
	}
	if r.Label(0) != "已报名" {
		t.Errorf("label %q, want 已报名", r.Label(0))
	}
}

func TestCheckInOpen(t *testing.T) {
	ev := salon() // 2026-12-05 14:00–17:00 in China
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{
		{time.Date(2026, 12, 4, 23, 59, 0, 0, membership.China), false},
		{time.Date(2026, 12, 5, 0, 0, 0, 0, membership.China), true},
		{start.Add(-30 * time.Minute), true},
		{ev.End.Add(events.CheckInGrace), true},
		{ev.End.Add(events.CheckInGrace + time.Minute), false},
	} {
		if got := ev.CheckInOpen(tt.now); got != tt.want {
			t.Errorf("CheckInOpen(%v) = %v, want %v", tt.now, got, tt.want)
		}
		r := registered(t, events.StatusConfirmed)
		if _, _, err := r.CheckIn(ev, clerk, tt.now); (err == nil) != tt.want {
			t.Errorf("CheckIn at %v: %v, want it to agree with CheckInOpen (%v)", tt.now, err, tt.want)
		}
	}
}

func TestCheckIn(t *testing.T) {
	ev, other, cancelled := refusals(t)
	tests := []struct {
		name     string
		r        *events.Registration
		ev       *events.Event
		actor    membership.Actor
		now      time.Time
		wantCode string
	}{
		{"confirmed member", registered(t, events.StatusConfirmed), ev, clerk, start, ""},
		{"supervisor", registered(t, events.StatusConfirmed), ev, sup, start, membership.EFORBIDDEN},
		{"another event's code", registered(t, events.StatusConfirmed), other, clerk, start, membership.EINVALID},
		{"cancelled", cancelled, ev, clerk, start, membership.ECONFLICT},
		{"waitlisted", registered(t, events.StatusWaitlisted), ev, clerk, start, membership.ECONFLICT},
		{"the day before", registered(t, events.StatusConfirmed), ev, clerk, start.Add(-24 * time.Hour), membership.ECONFLICT},
		{"a week later", registered(t, events.StatusConfirmed), ev, clerk, start.Add(7 * 24 * time.Hour), membership.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := *tt.r
			att, already, err := tt.r.CheckIn(tt.ev, tt.actor, tt.now)
			if code(err) != tt.wantCode {
				t.Fatalf("CheckIn: %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				if tt.r.CheckedIn != before.CheckedIn {
					t.Errorf("a refused check-in changed the registration")
				}
				return
			}
			if already || tt.r.CheckedIn == nil || att == nil {
				t.Fatalf("CheckIn: already %v, checked in %v, attendance %v", already, tt.r.CheckedIn, att)
			}
			want := membership.Attendance{Member: "LM-2026-0001", Event: ev.Slug, Title: ev.Title, Kind: membership.EventActivity,
				Date: "2026-12-05", RecordedBy: clerk.ID, RecordedAt: tt.now.UTC(), Registration: "7KQ3-M9XD"}
			if *att != want {
				t.Errorf("attendance %+v, want %+v", *att, want)
			}
			att2, already, err := tt.r.CheckIn(tt.ev, tt.actor, tt.now.Add(time.Minute))
			if err != nil || !already || att2 != nil || !tt.r.CheckedIn.At.Equal(tt.now.UTC()) {
				t.Errorf("second check-in: %v, already %v, attendance %v, at %v; want already, the first time kept", err, already, att2, tt.r.CheckedIn.At)
			}
		})
	}
}

func TestCheckInAssemblyAndNoMember(t *testing.T) {
	ev := salon()
	ev.Kind = events.AssemblyKind
	r := registered(t, events.StatusConfirmed)
	att, _, err := r.CheckIn(ev, clerk, start)
	if err != nil || att.Kind != membership.EventGeneralAssembly {
		t.Fatalf("assembly check-in: %v, %+v; want kind general_assembly", err, att)
	}
	r = registered(t, events.StatusConfirmed)
	r.Member = ""
	if att, _, err := r.CheckIn(salon(), clerk, start); err != nil || att != nil {
		t.Errorf("check-in without member: %v, %v; want no attendance", err, att)
	}
}

func TestVoidCheckIn(t *testing.T) {
	ev := salon()
	r := registered(t, events.StatusConfirmed)
	if _, err := r.VoidCheckIn(ev, clerk, "扫错了", start); code(err) != membership.ECONFLICT {
		t.Errorf("void before check-in: %v, want conflict", err)
	}
	if _, _, err := r.CheckIn(ev, clerk, start); err != nil {
		t.Fatal(err)
	}
	if _, err := r.VoidCheckIn(ev, clerk, " ", start); code(err) != membership.EINVALID {
		t.Errorf("void without reason: %v, want invalid", err)
	}
	v, err := r.VoidCheckIn(ev, clerk, "扫错了", start.Add(time.Minute))
	if err != nil || v.Reason != "扫错了" || r.CheckedIn != nil || len(r.VoidedCheckIns) != 1 {
		t.Fatalf("VoidCheckIn: %v, %+v, %+v", err, v, r)
	}
	if _, already, err := r.CheckIn(ev, clerk, start.Add(2*time.Minute)); err != nil || already {
		t.Errorf("check in again after the void: %v, already %v; want a new check-in", err, already)
	}
}

func TestWalkIn(t *testing.T) {
	in := validInput()
	in.Normalize()
	r := events.New(salon(), in, start)
	if err := r.LinkMember("LM-2026-0001", "某", membership.MemberActive); err != nil {
		t.Fatal(err)
	}
	att, err := r.AdmitWalkIn(salon(), clerk, start)
	if err != nil || !r.WalkIn || r.Status != events.StatusConfirmed || r.CheckedIn == nil || att == nil {
		t.Fatalf("AdmitWalkIn: %v, %+v, %v", err, r, att)
	}
}

func TestRosterCSV(t *testing.T) {
	ev := salon()
	at := start.Add(-72 * time.Hour).UTC()
	a := events.Registration{Code: "AAAA-2222", Event: ev.Slug, Name: "=SUM(A1)", Org: "甲公司", JobTitle: "董秘", Phone: "13800138000",
		Email: "a@example.com", Member: "LM-2026-0001", MemberName: "甲公司", Status: events.StatusConfirmed, CreatedAt: at,
		CheckedIn: &events.CheckIn{At: start.UTC(), By: "clerk-1"}}
	b := events.Registration{Code: "BBBB-3333", Event: ev.Slug, Name: "乙", Org: "乙公司", JobTitle: "总经理", Phone: "010-68200012",
		Email: "b@example.com", Status: events.StatusWaitlisted, CreatedAt: at.Add(time.Minute)}
	c := events.Registration{Code: "CCCC-4444", Event: ev.Slug, Name: "丙", Org: "丙公司", JobTitle: "财务总监", Phone: "13900139000",
		Email: "c@example.com", Status: events.StatusCancelled, CreatedAt: at.Add(2 * time.Minute),
		Cancelled: &events.Cancellation{At: at.Add(time.Hour), By: events.RegistrantActor}}
	promoted := at.Add(2 * time.Hour)
	d := events.Registration{Code: "DDDD-5555", Event: ev.Slug, Name: "丁", Org: "丁公司", JobTitle: "董秘", Phone: "13700137000",
		Email: "d@example.com", Status: events.StatusCancelled, CreatedAt: at.Add(3 * time.Minute), PromotedAt: &promoted, PromotedBy: "clerk-1",
		Cancelled: &events.Cancellation{At: at.Add(3 * time.Hour), By: "clerk-1", ByName: "王秘书", Reason: "=本人来电取消"}}
	e := events.Registration{Code: "EEEE-6666", Event: ev.Slug, Name: "戊", Org: "戊公司", JobTitle: "总经理", Phone: "13600136000",
		Email: "e@example.com", Status: events.StatusConfirmed, CreatedAt: at.Add(4 * time.Minute), PromotedAt: &promoted, PromotedBy: "clerk-1"}
	ev.Capacity = 3 // raised after e waited: one place is free while b waits
	ro := events.NewRoster(ev, []events.Registration{c, d, e, b, a}, events.Seats{Confirmed: 2, Queue: []string{"BBBB-3333"}})
	if want := (events.Counts{Capacity: 3, Confirmed: 2, Left: 1, Waitlisted: 1, Cancelled: 2, CheckedIn: 1, Promotable: 1}); ro.Counts != want {
		t.Errorf("counts %+v, want %+v", ro.Counts, want)
	}
	if ro.Registrations[0].Code != "AAAA-2222" || ro.Registrations[1].Label != "候补第 1 位" {
		t.Errorf("roster order or labels: %+v", ro.Registrations)
	}
	got := ro.CSV()
	golden := filepath.Join("testdata", "roster.csv")
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("CSV differs from %s (-update rewrites it):\n%s", golden, got)
	}
	if !bytes.HasPrefix(got, []byte("\uFEFF")) || !bytes.Contains(got, []byte("\r\n")) || !bytes.Contains(got, []byte("'=SUM(A1)")) || !bytes.Contains(got, []byte(`"=""13800138000"""`)) {
		t.Errorf("CSV lacks the BOM, CRLF, a defused formula or a phone kept as text:\n%s", got)
	}
}

func TestParseCatalog(t *testing.T) {
	good := `{"events":[{"slug":"2026-shenzhen-salon","title":"沙龙","url":"/events/2026-shenzhen-salon/","kind":"salon","start":"2026-12-05T14:00:00+08:00","registration":"open","capacity":100}]}`
	c, err := events.ParseCatalog([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := c.Event("2026-shenzhen-salon"); err != nil || e.Capacity != 100 {
		t.Errorf("Event: %v, %v", e, err)
	}
	if _, err := c.Event("nope"); code(err) != membership.ENOTFOUND {
		t.Errorf("unknown slug: %v, want not found", err)
	}
	for _, bad := range []string{`{"events":[{"slug":"x"}]}`, `{"events":[],"extra":1}`, `[]`, good + `{}`} {
		if _, err := events.ParseCatalog([]byte(bad)); err == nil {
			t.Errorf("ParseCatalog(%s) = nil error", bad)
		}
	}
}

// TestCatalogCacheFailures: a catalog that cannot be read by the request's
// deadline is EUNAVAILABLE (a 503, to be tried again), any other failure
// EINTERNAL; once a catalog was read, a failed read gives that one.
func TestCatalogCacheFailures(t *testing.T) {
	good := []byte(`{"events":[{"slug":"2026-shenzhen-salon","title":"沙龙","url":"/events/2026-shenzhen-salon/","kind":"salon","start":"2026-12-05T14:00:00+08:00","registration":"open","capacity":100}]}`)
	var body []byte
	var fail error
	c := events.NewCatalogCache(func(context.Context) ([]byte, error) { return body, fail })
	for _, tt := range []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, membership.EUNAVAILABLE},
		{fmt.Errorf("sitebucket: get: %w", context.DeadlineExceeded), membership.EUNAVAILABLE},
		{errors.New("NoSuchKey"), membership.EINTERNAL},
	} {
		fail = tt.err
		if _, err := c.Catalog(t.Context()); code(err) != tt.want {
			t.Errorf("read failing with %v: got %v, want %s", tt.err, err, tt.want)
		}
	}
	body, fail = good, nil
	if _, err := c.Catalog(t.Context()); err != nil {
		t.Fatal(err)
	}
	fail = context.DeadlineExceeded
	if cat, err := c.Catalog(t.Context()); err != nil || len(cat.Events) != 1 {
		t.Errorf("a failed read after a good one: got %v, %v; want the last good catalog", cat, err)
	}
}
