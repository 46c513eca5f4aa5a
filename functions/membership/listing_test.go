package membership

import "testing"

func TestListing(t *testing.T) {
	base := func() *Member {
		m := activeMember()
		m.ShowcaseConsent = true
		m.CreditCode, m.Contact = "91110108MA01ABCD2X", Contact{Person: "李四", Phone: "13800138000", Email: "a@example.cn"}
		m.Profile = Profile{Name: "北京某科技有限公司", Region: "北京市", Industry: "信息技术", Introduction: "工业软件。", Homepage: "https://www.example.cn/"}
		return m
	}
	for _, tc := range []struct {
		name     string
		change   func(m *Member)
		shown    bool
		homepage string
	}{
		{"active and consenting", func(*Member) {}, true, "https://www.example.cn/"},
		{"no consent", func(m *Member) { m.ShowcaseConsent = false }, false, ""},
		{"expelled", func(m *Member) { m.Status = MemberExpelled }, false, ""},
		{"lapsed", func(m *Member) { m.Status = MemberLapsed }, false, ""},
		{"an individual", func(m *Member) { m.Type = TypeIndividual }, false, ""},
		{"a script address", func(m *Member) { m.Profile.Homepage = "javascript:alert(1)" }, true, ""},
		{"an address without a host", func(m *Member) { m.Profile.Homepage = "https:///x" }, true, ""},
		{"an address with a user", func(m *Member) { m.Profile.Homepage = "http://u:p@www.example.cn/" }, true, ""},
		{"plain http", func(m *Member) { m.Profile.Homepage = "http://www.example.cn" }, true, "http://www.example.cn"},
	} {
		m := base()
		tc.change(m)
		l := m.Listing()
		if l.Certificate != "LM-2026-0001" || l.Shown != tc.shown || l.Profile.Homepage != tc.homepage {
			t.Errorf("%s: got certificate %s shown %v homepage %q, want LM-2026-0001 %v %q", tc.name, l.Certificate, l.Shown, l.Profile.Homepage, tc.shown, tc.homepage)
		}
		if !l.Shown && (l.Profile != Profile{} || l.Type != "" || l.JoinedYear != 0) {
			t.Errorf("%s: got %+v, want nothing but the certificate of a member not shown", tc.name, l)
		}
		if l.Shown && (l.JoinedYear != 2026 || l.Profile.Name != "北京某科技有限公司" || l.Type != TypeEnterprise) {
			t.Errorf("%s: got %+v, want the profile, kind and join year 2026", tc.name, l)
		}
	}
}
