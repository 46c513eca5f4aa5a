package storetest

import (
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// CertificateStore is a store of both halves that also answers the public
// certificate lookup (httpapi.CertificateStore). dynamo.Store and
// localstore.Store are both.
type CertificateStore interface {
	AdminStore
	httpapi.CertificateStore
}

// RunCertificates runs the contract of the showcase consent and the
// certificate lookup against stores made by newStore: the consent and the
// homepage an application carries reach the member and survive a later
// change; the lookup gives the fields a verification reads and nothing else,
// follows the member's status, and an unknown number is ENOTFOUND.
func RunCertificates(t *testing.T, newStore func(t *testing.T) CertificateStore) {
	t.Run("ShowcaseConsentCarriedAndChanged", func(t *testing.T) { testShowcaseConsent(t, newStore(t)) })
	t.Run("CertificateHolderPublicFieldsOnly", func(t *testing.T) { testCertificateHolder(t, newStore(t)) })
}

func testShowcaseConsent(t *testing.T, s CertificateStore) {
	ctx := t.Context()
	a := Sample(t0)
	a.ShowcaseConsent, a.Homepage = true, "https://www.shili-keji.example.cn"
	if err := s.CreateApplication(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	advance(t, s, a.Number, membership.StatusFiled)
	_, m, err := certify(t, s, a.Number, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Member(ctx, m.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ShowcaseConsent || got.Profile.Homepage != a.Homepage || !got.Showcased() {
		t.Fatalf("stored member: consent %v, homepage %q, want the application's (true, %q)", got.ShowcaseConsent, got.Profile.Homepage, a.Homepage)
	}
	up, err := s.UpdateMember(ctx, m.Certificate, got.Version, func(m *membership.Member) error {
		return m.ChangeShowcaseConsent(clerk, false, "联系人李四来函", membership.Today(t0), "", t0.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.Member(ctx, m.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	last := got.History[len(got.History)-1]
	if got.ShowcaseConsent || got.Showcased() || got.Version != up.Version || last.Action != "showcase-withdraw" || last.Actor != clerk.ID {
		t.Errorf("after the withdrawal: consent %v, v%d (update gave v%d), last entry %+v", got.ShowcaseConsent, got.Version, up.Version, last)
	}
}

func testCertificateHolder(t *testing.T, s CertificateStore) {
	ctx := t.Context()
	m := members(t, s, 1)[0]
	got, err := s.CertificateHolder(ctx, m.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	want := membership.Member{Certificate: m.Certificate, Type: m.Type, JoinedOn: m.JoinedOn, Status: membership.MemberActive,
		Profile: membership.Profile{Name: m.Profile.Name}}
	if got.Verify() != want.Verify() || got.CreditCode != "" || got.Contact != (membership.Contact{}) ||
		got.Profile.Introduction != "" || got.Application != "" || len(got.History) != 0 {
		t.Errorf("holder: got %+v, want only %+v", got, want)
	}
	if _, err := s.UpdateMember(ctx, m.Certificate, m.Version, func(m *membership.Member) error {
		return m.Exit(clerk, membership.Today(t0), true, "", t0)
	}); err != nil {
		t.Fatal(err)
	}
	got, err = s.CertificateHolder(ctx, m.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Verify(); v.Status != membership.MemberExited || v.LeftOn != membership.Today(t0) || v.Valid {
		t.Errorf("after the exit: %+v, want exited on %s, not valid", v, membership.Today(t0))
	}
	_, err = s.CertificateHolder(ctx, "LM-1999-0001")
	wantCode(t, "unknown certificate", err, membership.ENOTFOUND)
}
