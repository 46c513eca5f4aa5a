package membership

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestChangeShowcaseConsent(t *testing.T) {
	clerk, chair := actor("clerk", RoleSecretariat), actor("chair", RoleChair)
	tests := []struct {
		name        string
		typ         MemberType
		status      MemberStatus
		consent     bool // stored before
		who         Actor
		give        bool
		requestedBy string
		requestedOn string
		code        string // "" for success
		field       string
	}{
		{"withdraw", TypeEnterprise, MemberActive, true, clerk, false, "联系人李四来函", "2026-03-01", "", ""},
		{"give later", TypeGroup, MemberActive, false, clerk, true, "秘书长王五电话", "2026-03-02", "", ""},
		{"withdraw after exit", TypeEnterprise, MemberExited, true, clerk, false, "原联系人来函", "2026-03-01", "", ""},
		{"give after exit", TypeEnterprise, MemberExited, false, clerk, true, "来函", "2026-03-01", ECONFLICT, ""},
		{"give to an individual", TypeIndividual, MemberActive, false, clerk, true, "本人来电", "2026-03-01", EINVALID, "consent"},
		{"already withdrawn", TypeEnterprise, MemberActive, false, clerk, false, "来函", "2026-03-01", ECONFLICT, ""},
		{"chair", TypeEnterprise, MemberActive, true, chair, false, "来函", "2026-03-01", EFORBIDDEN, ""},
		{"no requester", TypeEnterprise, MemberActive, true, clerk, false, " ", "2026-03-01", EINVALID, "requested_by"},
		{"no date", TypeEnterprise, MemberActive, true, clerk, false, "来函", "", EINVALID, "requested_on"},
		{"before joining", TypeEnterprise, MemberActive, true, clerk, false, "来函", "2025-12-31", EINVALID, "requested_on"},
		{"tomorrow", TypeEnterprise, MemberActive, true, clerk, false, "来函", "2026-03-03", EINVALID, "requested_on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Member{Certificate: "LM-2026-0001", Type: tt.typ, JoinedOn: "2026-01-05", Status: tt.status,
				ShowcaseConsent: tt.consent, History: []MemberEvent{{Action: "join"}}}
			err := m.ChangeShowcaseConsent(tt.who, tt.give, tt.requestedBy, tt.requestedOn, "附函存档", now)
			if tt.code != "" {
				if ErrorCode(err) != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				if tt.field != "" && ErrorFields(err)[tt.field] == "" {
					t.Errorf("fields %v, want a message on %s", ErrorFields(err), tt.field)
				}
				if m.ShowcaseConsent != tt.consent || len(m.History) != 1 {
					t.Errorf("refused, yet the member changed: consent %v, %d history entries", m.ShowcaseConsent, len(m.History))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.ShowcaseConsent != tt.give {
				t.Errorf("consent %v, want %v", m.ShowcaseConsent, tt.give)
			}
			h := m.History[len(m.History)-1]
			if h.Actor != "clerk" || !h.At.Equal(now.UTC()) || h.Role != RoleSecretariat || h.To != tt.status ||
				!strings.Contains(h.Note, tt.requestedBy) || !strings.Contains(h.Note, tt.requestedOn) || !strings.Contains(h.Note, "附函存档") {
				t.Errorf("history entry %+v: want who, when, on whose request and the note", h)
			}
		})
	}
}

func TestShowcasedNeverIndividuals(t *testing.T) {
	m := &Member{Type: TypeIndividual, Status: MemberActive, ShowcaseConsent: true}
	if m.Showcased() {
		t.Error("an individual member with consent stored: Showcased() = true, want false")
	}
	a := validApplication()
	a.Type, a.CreditCode, a.Representative, a.RepresentativeKind = TypeIndividual, "", "", ""
	a.ShowcaseConsent, a.Homepage = true, "https://zhangsan.example.cn"
	err := a.ValidateAt(now)
	if f := ErrorFields(err); !strings.Contains(f["showcase_consent"], "个人会员") || !strings.Contains(f["homepage"], "个人会员") {
		t.Errorf("individual with consent and homepage: fields %v, want both refused", f)
	}
}

func TestHomepage(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"https://www.example.cn", true},
		{" http://www.example.cn/about ", true},
		{"javascript:alert(1)", false},
		{"ftp://www.example.cn", false},
		{"www.example.cn", false},
		{"https://www.exa\u200bmple.cn", false},
	} {
		a := validApplication()
		a.Homepage = tt.in
		a.Normalize()
		err := a.ValidateAt(now)
		if got := ErrorFields(err)["homepage"] == ""; got != tt.ok {
			t.Errorf("%q: accepted %v, want %v (%v)", tt.in, got, tt.ok, err)
		}
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		m    Member
		want Verification
	}{
		{Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, JoinedOn: "2026-03-02", Status: MemberActive,
			Profile: Profile{Name: "北京某科技有限公司", Introduction: "不公开"}, Contact: Contact{Phone: "13800138000"}, CreditCode: "91110000MA0000000X"},
			Verification{Certificate: "LM-2026-0001", Name: "北京某科技有限公司", Type: TypeEnterprise, TypeLabel: "企业会员",
				Status: MemberActive, StatusLabel: "有效", JoinedOn: "2026-03-02", Valid: true}},
		{Member{Certificate: "LM-2026-0002", Type: TypeIndividual, JoinedOn: "2026-03-02", Status: MemberExited, LeftOn: "2026-09-01",
			Profile: Profile{Name: "张三丰"}},
			Verification{Certificate: "LM-2026-0002", Name: "张**", Type: TypeIndividual, TypeLabel: "个人会员",
				Status: MemberExited, StatusLabel: "已退会", JoinedOn: "2026-03-02", LeftOn: "2026-09-01"}},
	}
	for _, tt := range tests {
		if got := tt.m.Verify(); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.m.Certificate, got, tt.want)
		}
	}
	for st := range MemberStatusLabels {
		if CertificateStatusLabels[st] == "" {
			t.Errorf("status %s has no label for verification", st)
		}
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张三丰": "张**", "李四": "李*", "欧阳娜娜": "欧***", "王": "王*", "": ""} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidCertificate(t *testing.T) {
	for _, s := range []string{"LM-2026-0001", "LM-2026-12345"} {
		if !ValidCertificate(s) {
			t.Errorf("%s: want valid", s)
		}
	}
	for _, s := range []string{"", "LM-2026-01", "LM-2026-0001 ", "SQ2026-000001", "LM-2026-0001/../x", "lm-2026-0001"} {
		if ValidCertificate(s) {
			t.Errorf("%q: want not valid", s)
		}
	}
	if !slices.Contains(VerificationFields, "profile.name") {
		t.Error("VerificationFields without the name")
	}
}

func TestCard(t *testing.T) {
	m := &Member{Certificate: "LM-2026-0003", Type: TypeGroup, JoinedOn: "2026-03-02", Status: MemberActive, Profile: Profile{Name: "某省中小企业协会"}}
	c, err := m.Card()
	if err != nil || *c != (CertificateCard{Certificate: "LM-2026-0003", Name: "某省中小企业协会", Type: TypeGroup, TypeLabel: "团体会员", JoinedOn: "2026-03-02"}) {
		t.Errorf("card of an active member: %+v, %v", c, err)
	}
	for _, st := range []MemberStatus{MemberExited, MemberExpelled, MemberLapsed} {
		m.Status = st
		if _, err := m.Card(); ErrorCode(err) != ECONFLICT {
			t.Errorf("card of a %s member: %v, want a conflict", st, err)
		}
	}
}

// An erasure of the member's personal data takes who asked for a consent
// change, and its note, out of the history: they often name the contact.
func TestEraseContactShowcaseRequesters(t *testing.T) {
	m := &Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, Status: MemberActive, JoinedOn: "2026-01-05",
		ShowcaseConsent: true, Profile: Profile{Name: "北京某某科技有限公司"}, Contact: Contact{Person: "李四"}}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	if err := m.ChangeShowcaseConsent(actor("c1", RoleSecretariat), false, "联系人李四来函", "2026-03-01", "李四另称电话 13800138000", now); err != nil {
		t.Fatal(err)
	}
	m.EraseContact(Erasure{Reason: ErasedRequest, By: "c1", Role: RoleSecretariat, Note: "本人书面申请"})
	for _, e := range m.History {
		if strings.Contains(e.Note, "李四") || strings.Contains(e.Note, "13800138000") {
			t.Errorf("history keeps the requester: %+v", e)
		}
	}
	if e := m.History[0]; e.Action != "showcase-withdraw" || !strings.Contains(e.Note, "2026-03-01") || !strings.Contains(e.Note, ErasedMark) {
		t.Errorf("consent change after erasure: %+v", e)
	}
}
