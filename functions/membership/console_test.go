package membership

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestActionsAreWhatApplyAccepts checks, for every status and role, that the
// console is offered exactly the actions Apply would carry out (withdrawal
// aside, which is the applicant's).
func TestActionsAreWhatApplyAccepts(t *testing.T) {
	statuses := []Status{StatusSubmitted, StatusReviewed, StatusApproved, StatusFiled, StatusCertified, StatusRejected, StatusWithdrawn}
	for _, st := range statuses {
		for _, who := range []Actor{actor("clerk", RoleSecretariat), actor("chair", RoleChair), actor("sup", RoleSupervisor),
			actor("reviewer", RoleSecretariat, RoleChair)} {
			a := &Application{Number: "SQ2026-000001", Status: st, History: []Event{{To: StatusSubmitted, Actor: "applicant"}}}
			if st != StatusSubmitted {
				a.History = append(a.History, Event{From: StatusSubmitted, To: StatusReviewed, Actor: "reviewer", Role: RoleSecretariat})
			}
			got := a.Actions(who)
			for _, act := range []Action{ActionReview, ActionApprove, ActionReject, ActionFile, ActionCertify} {
				c := *a
				c.History = slices.Clone(a.History)
				err := c.Apply(who, Change{Action: act, Note: "理由", Filing: &Filing{Date: "2026-03-01", Reference: "中促备〔2026〕1号"}}, now)
				if (err == nil) != slices.Contains(got, act) {
					t.Errorf("%s, %v: Actions %v, but Apply %s: %v", st, who.Roles, got, act, err)
				}
			}
		}
	}
}

func TestMemberTasks(t *testing.T) {
	clerk, chair, sup := actor("clerk", RoleSecretariat), actor("chair", RoleChair), actor("sup", RoleSupervisor)
	ok, lapsed := Standing{State: StandingOK}, Standing{State: StandingLapsed}
	pending := &Expulsion{Reason: "严重违反章程", ProposedBy: "clerk"}
	tests := []struct {
		name    string
		status  MemberStatus
		pending *Expulsion
		st      Standing
		who     Actor
		want    []Task
	}{
		{"clerk, active", MemberActive, nil, ok, clerk, []Task{TaskExit, TaskProposeExpulsion, TaskShowcase}},
		{"clerk, active, lapsed by the rule", MemberActive, nil, lapsed, clerk, []Task{TaskExit, TaskProposeExpulsion, TaskMarkLapsed, TaskShowcase}},
		{"clerk, expulsion pending", MemberActive, pending, ok, clerk, []Task{TaskExit, TaskShowcase}},
		{"chair, expulsion pending", MemberActive, pending, ok, chair, []Task{TaskDecideExpulsion}},
		{"chair who proposed it", MemberActive, pending, ok, actor("clerk", RoleChair), []Task{}},
		{"chair, nothing pending", MemberActive, nil, lapsed, chair, []Task{}},
		{"supervisor", MemberActive, pending, lapsed, sup, []Task{}},
		{"clerk, exited", MemberExited, nil, lapsed, clerk, []Task{}},
	}
	for _, tt := range tests {
		m := &Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, Status: tt.status, PendingExpulsion: tt.pending}
		if got := m.Tasks(tt.who, tt.st); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWaitingStatuses(t *testing.T) {
	tests := []struct {
		who  Actor
		want []Status
	}{
		{actor("c", RoleSecretariat), []Status{StatusSubmitted, StatusApproved, StatusFiled}},
		{actor("c", RoleChair), []Status{StatusReviewed}},
		{actor("c", RoleSupervisor), nil},
		{actor("c", RoleChair, RoleSecretariat), []Status{StatusSubmitted, StatusReviewed, StatusApproved, StatusFiled}},
	}
	for _, tt := range tests {
		if got := WaitingStatuses(tt.who); !slices.Equal(got, tt.want) {
			t.Errorf("%v: got %v, want %v", tt.who.Roles, got, tt.want)
		}
	}
}

func TestApplicationQueryNormal(t *testing.T) {
	tests := []struct {
		q      ApplicationQuery
		search string
		limit  int
		bad    string // the field refused
	}{
		{ApplicationQuery{Search: "  ｓｑ２０２６－０００００１ "}, "sq2026-000001", DefaultPageSize, ""},
		{ApplicationQuery{Limit: MaxPageSize}, "", MaxPageSize, ""},
		{ApplicationQuery{Limit: MaxPageSize + 1}, "", 0, "limit"},
		{ApplicationQuery{Limit: -1}, "", 0, "limit"},
		{ApplicationQuery{Status: "archived"}, "", 0, "status"},
		{ApplicationQuery{Search: strings.Repeat("科", 101)}, "", 0, "search"},
		// Invisible characters pasted with a name are dropped (stored text holds none);
		// a tab or line break between words is a space; bytes that are not text are refused.
		{ApplicationQuery{Search: "北京\u200b甲子\u202e科技\u2066"}, "北京甲子科技", DefaultPageSize, ""},
		{ApplicationQuery{Search: "\ufeff\u00ad 王磊\u0000\u001b[2J"}, "王磊[2J", DefaultPageSize, ""},
		{ApplicationQuery{Search: "北京\t甲子\r\n科技"}, "北京 甲子  科技", DefaultPageSize, ""},
		{ApplicationQuery{Search: "北京\xff\xfe公司"}, "", 0, "search"},
		{ApplicationQuery{Search: "北京\ufffd公司"}, "", 0, "search"},
		{ApplicationQuery{Search: strings.Repeat("科\u200b", 100)}, strings.Repeat("科", 100), DefaultPageSize, ""},
	}
	for _, tt := range tests {
		got, err := tt.q.Normal()
		if tt.bad != "" {
			if ErrorCode(err) != EINVALID || ErrorFields(err)[tt.bad] == "" {
				t.Errorf("%+v: got %v, want EINVALID for %s", tt.q, err, tt.bad)
			}
			continue
		}
		if err != nil || got.Search != tt.search || got.Limit != tt.limit {
			t.Errorf("%+v: got %+v, %v, want search %q, limit %d", tt.q, got, err, tt.search, tt.limit)
		}
	}
	if n := (ApplicationQuery{Search: "sq2026-000001"}).SearchNumber(); n != "SQ2026-000001" {
		t.Errorf("SearchNumber: got %q", n)
	}
	if n := (ApplicationQuery{Search: "北京"}).SearchNumber(); n != "" {
		t.Errorf("SearchNumber of a name: got %q, want none", n)
	}
}

func TestPageOf(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	apps := []ApplicationSummary{
		{Number: "SQ2026-000003", OrgName: "杭州丁卯生物医药有限公司", Status: StatusSubmitted, CreatedAt: t0.Add(2 * time.Second)},
		{Number: "SQ2026-000001", OrgName: "北京甲子科技有限公司", CreditCode: "91110000600037341L", Status: StatusSubmitted, CreatedAt: t0},
		{Number: "SQ2026-000004", OrgName: "武汉庚午光电科技有限公司", Contact: "赵敏", Status: StatusReviewed, CreatedAt: t0.Add(2 * time.Second)},
		{Number: "SQ2026-000002", OrgName: "上海乙丑信息技术有限公司", Status: StatusSubmitted, CreatedAt: t0.Add(1500 * time.Millisecond)},
	}
	numbers := func(p *ApplicationPage) []string {
		var n []string
		for _, a := range p.Applications {
			n = append(n, a.Number)
		}
		return n
	}
	p, err := ApplicationQuery{Limit: 2}.PageOf(apps)
	if err != nil || !slices.Equal(numbers(p), []string{"SQ2026-000001", "SQ2026-000002"}) || p.Next == "" {
		t.Fatalf("page 1: got %v %q, %v", numbers(p), p.Next, err)
	}
	p, err = ApplicationQuery{Limit: 2, After: p.Next}.PageOf(apps)
	if err != nil || !slices.Equal(numbers(p), []string{"SQ2026-000003", "SQ2026-000004"}) || p.Next != "" {
		t.Fatalf("page 2: got %v %q, %v, want the last two and no next page", numbers(p), p.Next, err)
	}
	for q, want := range map[ApplicationQuery][]string{
		{Limit: 5, Search: "91110000600037341l"}:                     {"SQ2026-000001"},
		{Limit: 5, Search: "科技"}:                                     {"SQ2026-000001", "SQ2026-000004"},
		{Limit: 5, Search: "赵敏"}:                                     {"SQ2026-000004"},
		{Limit: 5, Search: "科技", Status: StatusReviewed}:             {"SQ2026-000004"},
		{Limit: 5, Search: "SQ2026-000002"}:                          {"SQ2026-000002"},
		{Limit: 5, Search: "SQ2026-00000"}:                           nil, // a number matches whole
		{Limit: 5, Status: StatusSubmitted, After: apps[1].Cursor()}: {"SQ2026-000002", "SQ2026-000003"},
	} {
		p, err := q.PageOf(apps)
		if err != nil || !slices.Equal(numbers(p), want) {
			t.Errorf("%+v: got %v, %v, want %v", q, numbers(p), err, want)
		}
	}
	if _, err := (ApplicationQuery{Limit: 1, After: "bm90IGEgY3Vyc29y"}).PageOf(apps); ErrorCode(err) != EINVALID {
		t.Errorf("bad cursor: got %v, want EINVALID", err)
	}
}

func TestSessionLifetimes(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	s, secret := NewSession(actor("clerk", RoleSecretariat), t0)
	if s.ID != SecretHash(secret) || s.CSRF == "" || s.CSRF == secret || len(secret) < 26 {
		t.Fatalf("new session: %+v", s)
	}
	tests := []struct {
		seen, at time.Duration
		expired  bool
	}{
		{0, SessionIdle - time.Second, false},
		{0, SessionIdle, true},
		{SessionLifetime - time.Minute, SessionLifetime - time.Second, false},
		{SessionLifetime - time.Minute, SessionLifetime, true},
	}
	for _, tt := range tests {
		s.SeenAt = t0.Add(tt.seen)
		if got := s.Expired(t0.Add(tt.at)); got != tt.expired {
			t.Errorf("seen at +%v, asked at +%v: expired %v, want %v", tt.seen, tt.at, got, tt.expired)
		}
	}
	s.SeenAt = t0
	if s.NeedsTouch(t0.Add(SessionTouchEvery-time.Second)) || !s.NeedsTouch(t0.Add(SessionTouchEvery)) {
		t.Errorf("NeedsTouch: want a write once a minute at most")
	}
}

func TestActorTasks(t *testing.T) {
	if len(taskOrder) != len(permissions) {
		t.Fatalf("taskOrder lists %d tasks, permissions %d", len(taskOrder), len(permissions))
	}
	tests := []struct {
		who  Actor
		want []Task
	}{
		{actor("c", RoleSecretariat), []Task{TaskRead, TaskExit, TaskProposeExpulsion, TaskMarkLapsed, TaskShowcase, TaskAttendance, TaskRegistrations, TaskFees, TaskPayment, TaskMail, TaskErase}},
		{actor("c", RoleChair), []Task{TaskRead, TaskDecideExpulsion}},
		{actor("c", RoleSupervisor), []Task{TaskRead}},
		{actor("c", "guest"), []Task{}},
	}
	for _, tt := range tests {
		if got := tt.who.Tasks(); !slices.Equal(got, tt.want) {
			t.Errorf("%v: got %v, want %v", tt.who.Roles, got, tt.want)
		}
	}
}
