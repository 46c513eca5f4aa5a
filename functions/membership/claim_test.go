package membership

import "testing"

// TestCreditClaim: which records hold their organisation's credit code — an
// open application, an active member — and which let it go.
func TestCreditClaim(t *testing.T) {
	const code = "91110000600037341L"
	for st, want := range map[Status]bool{
		StatusSubmitted: true, StatusReviewed: true, StatusApproved: true, StatusFiled: true,
		StatusCertified: false, StatusRejected: false, StatusWithdrawn: false,
	} {
		a := &Application{CreditCode: code, Status: st}
		if got := a.CreditClaim() == code; got != want {
			t.Errorf("application %s: holds the code %v, want %v", st, got, want)
		}
		a.CreditCode = ""
		if a.CreditClaim() != "" {
			t.Errorf("application %s without a code (an individual) holds %q, want nothing", st, a.CreditClaim())
		}
	}
	for st, want := range map[MemberStatus]bool{MemberActive: true, MemberExited: false, MemberExpelled: false, MemberLapsed: false} {
		m := &Member{CreditCode: code, Status: st}
		if got := m.CreditClaim() == code; got != want {
			t.Errorf("member %s: holds the code %v, want %v", st, got, want)
		}
	}
	if len(claimingStatuses)+3 != len(StatusLabels) {
		t.Errorf("claimingStatuses names %d statuses, want every status but certified, rejected and withdrawn", len(claimingStatuses))
	}
	err := CreditCodeTaken("test")
	if ErrorCode(err) != ECONFLICT || ErrorFields(err)["credit_code"] == "" || ErrorMessage(err) != ErrorFields(err)["credit_code"] {
		t.Errorf("CreditCodeTaken: got %v (fields %v), want a conflict with its message on credit_code", err, ErrorFields(err))
	}
}
