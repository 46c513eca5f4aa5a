package membership

import (
	"net/url"
	"strconv"
	"strings"
)

// Listing is what the public site may know of a member: never its contact,
// credit code, filing or history. Shown says whether it appears in 会员风采;
// a member not shown keeps only its certificate number here (its old page
// says it is no longer shown, without its name).
type Listing struct {
	Certificate string
	Shown       bool
	Type        MemberType
	JoinedYear  int
	Profile     Profile // empty unless Shown; Homepage only when http(s)
}

// Listing returns the public view of the member, shown when Showcased (which
// leaves out individual members: their name is a person's).
func (m *Member) Listing() Listing {
	l := Listing{Certificate: m.Certificate}
	if !m.Showcased() {
		return l
	}
	l.Shown, l.Type, l.Profile = true, m.Type, m.Profile
	l.Profile.Homepage = webAddress(m.Profile.Homepage)
	if y, err := strconv.Atoi(strings.SplitN(m.JoinedOn, "-", 2)[0]); err == nil {
		l.JoinedYear = y
	}
	return l
}

// webAddress returns s when it is an absolute http or https address with a
// host, else "".
func webAddress(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}
