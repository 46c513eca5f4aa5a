package membership

import (
	"slices"
	"testing"
	"time"
)

func TestLapseRule(t *testing.T) {
	att := func(dates ...string) []Attendance {
		var as []Attendance
		for i, d := range dates {
			as = append(as, Attendance{Member: "LM-2024-0001", Event: "e" + string(rune('a'+i)), Kind: EventActivity, Date: d})
		}
		return as
	}
	tests := []struct {
		name     string
		joined   string
		attended []Attendance
		asOf     string
		state    StandingState
		absent   []int
		lapsedOn string
		lapsesOn string
	}{
		{"joined 1 Jan: the join year counts", "2024-01-01", nil, "2026-01-01", StandingLapsed, []int{2024, 2025}, "2026-01-01", ""},
		{"joined 1 Jan: last day of the second year", "2024-01-01", nil, "2025-12-31", StandingAtRisk, []int{2024}, "", "2026-01-01"},
		{"joined 2 Jan: the join year does not count", "2024-01-02", nil, "2026-01-01", StandingAtRisk, []int{2025}, "", "2027-01-01"},
		{"joined 2 Jan: last day before lapsing", "2024-01-02", nil, "2026-12-31", StandingAtRisk, []int{2025}, "", "2027-01-01"},
		{"joined 2 Jan: first day of lapse", "2024-01-02", nil, "2027-01-01", StandingLapsed, []int{2025, 2026}, "2027-01-01", ""},
		{"joined 31 Dec: first counted year is the next", "2024-12-31", nil, "2025-12-31", StandingOK, nil, "", ""},
		{"new member in the first full year", "2025-06-01", nil, "2026-06-01", StandingOK, nil, "", ""},
		{"attending in the join year does not count", "2024-03-01", att("2024-05-01"), "2027-01-01", StandingLapsed, []int{2025, 2026}, "2027-01-01", ""},
		{"attended on 31 Dec breaks the run", "2023-06-01", att("2025-12-31"), "2026-12-31", StandingOK, nil, "", ""},
		{"attended on 31 Dec, then two empty years", "2023-06-01", att("2025-12-31"), "2028-01-01", StandingLapsed, []int{2026, 2027}, "2028-01-01", ""},
		{"attended on 31 Dec, at risk in the second empty year", "2023-06-01", att("2025-12-31"), "2027-12-31", StandingAtRisk, []int{2026}, "", "2028-01-01"},
		{"attending on 1 Jan after two empty years is too late", "2023-06-01", att("2026-01-01"), "2026-01-01", StandingLapsed, []int{2024, 2025}, "2026-01-01", ""},
		{"attending early this year clears the risk", "2024-06-01", att("2026-01-01"), "2026-01-01", StandingOK, nil, "", ""},
		{"alternate years never lapse", "2020-01-01", att("2020-07-01", "2022-07-01", "2024-07-01", "2026-07-01"), "2027-06-30", StandingOK, nil, "", ""},
		{"alternate years: at risk once a year is missed", "2020-01-01", att("2020-07-01", "2022-07-01", "2024-07-01"), "2026-06-30", StandingAtRisk, []int{2025}, "", "2027-01-01"},
		{"the earliest run is reported", "2018-01-01", att("2021-03-01"), "2026-03-01", StandingLapsed, []int{2018, 2019}, "2020-01-01", ""},
		{"attendance after the report date is ignored", "2025-01-01", att("2026-03-01"), "2026-02-28", StandingAtRisk, []int{2025}, "", "2027-01-01"},
		{"attendance on the report date counts", "2025-01-01", att("2026-03-01"), "2026-03-01", StandingOK, nil, "", ""},
		{"leap day join", "2024-02-29", nil, "2027-01-01", StandingLapsed, []int{2025, 2026}, "2027-01-01", ""},
		{"report before joining", "2026-05-01", nil, "2026-01-01", StandingOK, nil, "", ""},
		{"voided attendance does not count", "2024-01-01", []Attendance{{Member: "LM-2024-0001", Event: "x", Date: "2025-03-01",
			Voided: &Void{Reason: "误录", By: "clerk-1"}}}, "2026-01-01", StandingLapsed, []int{2024, 2025}, "2026-01-01", ""},
		{"other members' attendance is ignored", "2024-01-01", []Attendance{{Member: "LM-2024-0002", Event: "x", Date: "2025-03-01"}}, "2026-01-01", StandingLapsed, []int{2024, 2025}, "2026-01-01", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Member{Certificate: "LM-2024-0001", JoinedOn: tt.joined, Status: MemberActive}
			st, err := Lapse(m, tt.attended, tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if st.State != tt.state || !slices.Equal(st.AbsentYears, tt.absent) || st.LapsedOn != tt.lapsedOn || st.LapsesOn != tt.lapsesOn {
				t.Fatalf("got %s absent %v lapsed on %q lapses on %q, want %s absent %v lapsed on %q lapses on %q",
					st.State, st.AbsentYears, st.LapsedOn, st.LapsesOn, tt.state, tt.absent, tt.lapsedOn, tt.lapsesOn)
			}
		})
	}
}

func TestLapseReport(t *testing.T) {
	members := []Member{
		{Certificate: "LM-2024-0003", JoinedOn: "2024-01-01", Status: MemberActive},                       // lapsed
		{Certificate: "LM-2024-0001", JoinedOn: "2024-01-01", Status: MemberActive},                       // attended 2025: ok
		{Certificate: "LM-2024-0002", JoinedOn: "2024-06-01", Status: MemberActive},                       // at risk
		{Certificate: "LM-2024-0004", JoinedOn: "2024-01-01", Status: MemberExited, LeftOn: "2025-01-01"}, // gone: not examined
	}
	att := map[string][]Attendance{"LM-2024-0001": {{Member: "LM-2024-0001", Event: "a", Date: "2025-04-01"}}}
	r, err := BuildLapseReport(members, att, "2026-05-01")
	if err != nil {
		t.Fatal(err)
	}
	certs := func(ss []Standing) []string {
		var c []string
		for _, s := range ss {
			c = append(c, s.Certificate)
		}
		return c
	}
	if got := certs(r.Lapsed); !slices.Equal(got, []string{"LM-2024-0003"}) {
		t.Errorf("lapsed: got %v, want [LM-2024-0003]", got)
	}
	if got := certs(r.AtRisk); !slices.Equal(got, []string{"LM-2024-0002"}) {
		t.Errorf("at risk: got %v, want [LM-2024-0002]", got)
	}
	if r.Active != 3 {
		t.Errorf("active: got %d, want 3", r.Active)
	}
	if _, err := BuildLapseReport(members, att, "2026/05/01"); ErrorCode(err) != EINVALID {
		t.Errorf("bad date: got %v, want EINVALID", err)
	}
}

func TestAttendanceVoid(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)
	clerk := Actor{ID: "clerk-1", Roles: []string{RoleSecretariat}}
	tests := []struct {
		name   string
		actor  Actor
		voided bool
		reason string
		code   string
	}{
		{"secretariat with a reason", clerk, false, "会员未到场，误录", ""},
		{"no reason", clerk, false, "  ", EINVALID},
		{"already void", clerk, true, "再次作废", ECONFLICT},
		{"chair", Actor{ID: "chair-1", Roles: []string{RoleChair}}, false, "误录", EFORBIDDEN},
		{"supervisor", Actor{ID: "sup-1", Roles: []string{RoleSupervisor}}, false, "误录", EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Attendance{Member: "LM-2026-0001", Event: "2026-assembly", Kind: EventGeneralAssembly, Date: "2026-06-18"}
			if tt.voided {
				a.Voided = &Void{Reason: "误录", By: "clerk-2"}
			}
			err := a.Void(tt.actor, tt.reason, t0)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("Void: got code %q (%v), want %q", got, err, tt.code)
			}
			if tt.code == "" && (a.Voided == nil || a.Voided.By != "clerk-1" || a.Voided.Reason != tt.reason || !a.Voided.At.Equal(t0)) {
				t.Errorf("Voided: got %+v, want by clerk-1 at %v for %q", a.Voided, t0, tt.reason)
			}
		})
	}
}

func TestAttendanceCheck(t *testing.T) {
	now := time.Date(2026, 6, 18, 20, 0, 0, 0, time.UTC) // 2026-06-19 04:00 in China
	ok := Attendance{Member: "LM-2026-0001", Event: "2026-assembly", Kind: EventGeneralAssembly, Date: "2026-06-19"}
	tests := []struct {
		name  string
		mut   func(*Attendance)
		field string
	}{
		{"today in China", func(*Attendance) {}, ""},
		{"after today", func(a *Attendance) { a.Date = "2026-06-20" }, "date"},
		{"not a date", func(a *Attendance) { a.Date = "2026-02-30" }, "date"},
		{"event with a slash", func(a *Attendance) { a.Event = "2026/assembly" }, "event"},
		{"unknown kind", func(a *Attendance) { a.Kind = "dinner" }, "kind"},
		{"no member", func(a *Attendance) { a.Member = " " }, "member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.mut(&a)
			err := a.Check(now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Check: got %v, want nil", err)
				}
				return
			}
			if _, found := ErrorFields(err)[tt.field]; !found {
				t.Fatalf("Check: got %v, want an error on %q", err, tt.field)
			}
		})
	}
}
