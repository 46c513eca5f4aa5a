package membership

import (
	"regexp"
	"strings"
)

// Verification is what anyone may learn of a certificate number (证书查询):
// what the certificate itself shows its holder's counterpart — the holder's
// name, the kind of membership, whether it is still valid and its dates —
// and nothing else of the register (no credit code, contact, phone or email).
type Verification struct {
	Certificate string       `json:"certificate"`       // LM-2026-0001
	Name        string       `json:"name"`              // the organisation; an individual's name masked (MaskName)
	Type        MemberType   `json:"type"`              // enterprise, group or individual
	TypeLabel   string       `json:"type_label"`        // 企业会员…
	Status      MemberStatus `json:"status"`            // active, exited, expelled, lapsed
	StatusLabel string       `json:"status_label"`      // 有效, 已退会, 已除名, 视为自动退会
	JoinedOn    string       `json:"joined_on"`         // YYYY-MM-DD
	LeftOn      string       `json:"left_on,omitempty"` // YYYY-MM-DD, once the member left
	Valid       bool         `json:"valid"`             // the certificate is valid today
}

// CertificateStatusLabels are what a verification says of each member
// status: a certificate is 有效 while its member is active.
var CertificateStatusLabels = map[MemberStatus]string{
	MemberActive:   "有效",
	MemberExited:   "已退会",
	MemberExpelled: "已除名",
	MemberLapsed:   "视为自动退会",
}

// VerificationFields are the attributes of a member a verification reads
// (the public function may read no other): status, type, dates and the name.
var VerificationFields = []string{"status", "type", "joined_on", "left_on", "profile.name"}

// Verify returns what a verification of the member's certificate answers. Of
// an individual member it gives the name masked (MaskName): a natural
// person's name is personal information (PIPL), and whoever checks a
// certificate shown to them already has the whole name before them and needs
// only to see that it matches, while a number tried at random should name
// nobody. An organisation's name is given whole, as on its certificate.
func (m *Member) Verify() Verification {
	name := m.Profile.Name
	if m.Type == TypeIndividual {
		name = MaskName(name)
	}
	return Verification{
		Certificate: m.Certificate, Name: name,
		Type: m.Type, TypeLabel: Label(MemberTypes, string(m.Type)),
		Status: m.Status, StatusLabel: CertificateStatusLabels[m.Status],
		JoinedOn: m.JoinedOn, LeftOn: m.LeftOn, Valid: m.Status == MemberActive,
	}
}

// MaskName keeps the first character of a person's name and writes an
// asterisk for each of the others: 张三丰 → 张**, 李四 → 李*. A name of one
// character gives that character and one asterisk, so the length of a
// masked name says no more than that it has at least two.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return ""
	}
	n := max(len(r)-1, 1)
	return string(r[0]) + strings.Repeat("*", n)
}

// certificateRE is the form of a certificate number (FormatCertificate).
var certificateRE = regexp.MustCompile(`^LM-\d{4}-\d{4,6}$`)

// ValidCertificate reports whether s, as NormalCertificate writes it, has the
// form of a certificate number.
func ValidCertificate(s string) bool { return certificateRE.MatchString(s) }

// CertificateCard is what a printed member certificate (会员证书) shows: the
// member's whole name, kind, number and the day it was issued (joined).
type CertificateCard struct {
	Certificate string     `json:"certificate"`
	Name        string     `json:"name"`
	Type        MemberType `json:"type"`
	TypeLabel   string     `json:"type_label"`
	JoinedOn    string     `json:"joined_on"` // YYYY-MM-DD
}

// Card returns what the member's certificate shows, for printing. Errors:
// ECONFLICT unless the member is active: a certificate of a member who left
// would tell whoever holds it something no longer true.
func (m *Member) Card() (*CertificateCard, error) {
	if err := m.mustBeActive("membership: certificate card", "打印会员证书"); err != nil {
		return nil, err
	}
	return &CertificateCard{Certificate: m.Certificate, Name: m.Profile.Name, Type: m.Type,
		TypeLabel: Label(MemberTypes, string(m.Type)), JoinedOn: m.JoinedOn}, nil
}
