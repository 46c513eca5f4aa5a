package membership

import (
	"testing"
	"time"
)

func activeMember() *Member {
	return &Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, JoinedOn: "2026-03-02", Status: MemberActive, Version: 1,
		Profile: Profile{Name: "北京某科技有限公司"}}
}

func TestNewMember(t *testing.T) {
	a := &Application{Number: "SQ2026-000001", Type: TypeEnterprise, OrgName: "北京某科技有限公司", CreditCode: "91110108MA01ABCD2X",
		Region: "北京市", Industry: "软件", Introduction: "简介", Contact: "李四", Phone: "13800138000", Email: "a@example.cn",
		Status: StatusFiled, Filing: &Filing{Date: "2026-03-01", Reference: "ZC-1"}}
	late := now.Add(15 * time.Hour) // 2026-03-03 00:30 in China
	m := NewMember(a, Actor{ID: "u-1", Name: "王秘书", Roles: []string{RoleSecretariat}}, late)
	if m.JoinedOn != "2026-03-03" {
		t.Errorf("joined on: got %s, want 2026-03-03 (China date)", m.JoinedOn)
	}
	if m.Profile.Name != a.OrgName || m.Profile.Region != "北京市" || m.Contact.Phone != a.Phone || m.Application != a.Number {
		t.Errorf("member: got %+v, want the application's profile and contact", m)
	}
	if h := m.History[0]; h.Actor != "u-1" || h.ActorName != "王秘书" {
		t.Errorf("join event: got actor %q named %q, want u-1 named 王秘书", h.Actor, h.ActorName)
	}
	if m.Status != MemberActive || m.Version != 1 || len(m.History) != 1 || m.Filing.Reference != "ZC-1" {
		t.Errorf("member: got status %s version %d history %d filing %+v, want active 1 1 ZC-1", m.Status, m.Version, len(m.History), m.Filing)
	}
	if got := FormatCertificate(2026, 1); got != "LM-2026-0001" {
		t.Errorf("FormatCertificate: got %s, want LM-2026-0001", got)
	}
}

func TestMemberLifecycle(t *testing.T) {
	sec, sec2, chair := actor("s-1", RoleSecretariat), actor("s-2", RoleSecretariat, RoleChair), actor("c-1", RoleChair)
	sup := actor("v-1", RoleSupervisor)
	lapsed := Standing{State: StandingLapsed, AbsentYears: []int{2027, 2028}, LapsedOn: "2029-01-01", AsOf: "2029-02-01"}
	later := now.AddDate(0, 3, 0) // 2026-06-02, after the exit requests below
	tests := []struct {
		name       string
		do         func(m *Member) error
		code       string
		wantStatus MemberStatus
	}{
		{"exit", func(m *Member) error { return m.Exit(sec, "2026-05-01", true, "", later) }, "", MemberExited},
		{"exit without the certificate", func(m *Member) error { return m.Exit(sec, "2026-05-01", false, "", later) }, EINVALID, MemberActive},
		{"exit without a request date", func(m *Member) error { return m.Exit(sec, "", true, "", later) }, EINVALID, MemberActive},
		{"exit by the chair", func(m *Member) error { return m.Exit(chair, "2026-05-01", true, "", later) }, EFORBIDDEN, MemberActive},
		{"exit by the supervisor", func(m *Member) error { return m.Exit(sup, "2026-05-01", true, "", later) }, EFORBIDDEN, MemberActive},
		{"exit twice", func(m *Member) error {
			m.Exit(sec, "2026-05-01", true, "", later)
			return m.Exit(sec, "2026-05-02", true, "", later)
		}, ECONFLICT, MemberExited},
		{"expel: propose then approve", func(m *Member) error {
			if err := m.ProposeExpulsion(sec, "严重违反章程", now); err != nil {
				return err
			}
			return m.DecideExpulsion(chair, true, "", now)
		}, "", MemberExpelled},
		{"expel: chair refuses", func(m *Member) error {
			m.ProposeExpulsion(sec, "严重违反章程", now)
			return m.DecideExpulsion(chair, false, "证据不足", now)
		}, "", MemberActive},
		{"expel: refusal needs a reason", func(m *Member) error {
			m.ProposeExpulsion(sec, "严重违反章程", now)
			return m.DecideExpulsion(chair, false, "", now)
		}, EINVALID, MemberActive},
		{"expel: no reason", func(m *Member) error { return m.ProposeExpulsion(sec, " ", now) }, EINVALID, MemberActive},
		{"expel: chair cannot propose", func(m *Member) error { return m.ProposeExpulsion(chair, "x", now) }, EFORBIDDEN, MemberActive},
		{"expel: secretariat cannot approve", func(m *Member) error {
			m.ProposeExpulsion(sec, "x", now)
			return m.DecideExpulsion(sec, true, "", now)
		}, EFORBIDDEN, MemberActive},
		{"expel: proposer cannot approve", func(m *Member) error {
			m.ProposeExpulsion(sec2, "x", now)
			return m.DecideExpulsion(sec2, true, "", now)
		}, EFORBIDDEN, MemberActive},
		{"expel: nothing pending", func(m *Member) error { return m.DecideExpulsion(chair, true, "", later) }, ECONFLICT, MemberActive},
		{"expel: proposed twice", func(m *Member) error {
			m.ProposeExpulsion(sec, "x", now)
			return m.ProposeExpulsion(sec, "y", now)
		}, ECONFLICT, MemberActive},
		{"lapse by the rule", func(m *Member) error { return m.MarkLapsed(sec, lapsed, now) }, "", MemberLapsed},
		{"lapse when the rule does not hold", func(m *Member) error {
			return m.MarkLapsed(sec, Standing{State: StandingAtRisk, AsOf: "2026-05-01"}, now)
		}, ECONFLICT, MemberActive},
		{"lapse by the supervisor", func(m *Member) error { return m.MarkLapsed(sup, lapsed, now) }, EFORBIDDEN, MemberActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := activeMember()
			err := tt.do(m)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("got %q (%v), want %q", got, err, tt.code)
			}
			if m.Status != tt.wantStatus {
				t.Fatalf("status: got %s, want %s", m.Status, tt.wantStatus)
			}
			if m.Status != MemberActive {
				last := m.History[len(m.History)-1]
				if m.LeftOn == "" || m.LeftNote == "" || last.To != m.Status || last.From != MemberActive {
					t.Errorf("left: got on %q note %q last event %+v, want how and when recorded", m.LeftOn, m.LeftNote, last)
				}
				if last.ActorName == "" || last.ActorName != last.Actor { // actor() names each person by their id
					t.Errorf("last event: got actor %q named %q, want the token's display name recorded", last.Actor, last.ActorName)
				}
			}
		})
	}
}

func TestShowcased(t *testing.T) {
	a := &Application{Number: "SQ2026-000002", Type: TypeEnterprise, OrgName: "北京某科技有限公司", Region: "北京市",
		Homepage: "https://www.example.cn", ShowcaseConsent: true, Status: StatusFiled}
	m := NewMember(a, Actor{ID: "u-1", Roles: []string{RoleSecretariat}}, now)
	if !m.ShowcaseConsent || m.Profile.Homepage != a.Homepage {
		t.Fatalf("member: got consent %v homepage %q, want the application's", m.ShowcaseConsent, m.Profile.Homepage)
	}
	for _, tc := range []struct {
		status  MemberStatus
		consent bool
		want    bool
	}{
		{MemberActive, true, true},
		{MemberActive, false, false},
		{MemberExited, true, false},
		{MemberExpelled, true, false},
		{MemberLapsed, true, false},
	} {
		m.Status, m.ShowcaseConsent = tc.status, tc.consent
		if got := m.Showcased(); got != tc.want {
			t.Errorf("%s, consent %v: Showcased() = %v, want %v", tc.status, tc.consent, got, tc.want)
		}
	}
}
