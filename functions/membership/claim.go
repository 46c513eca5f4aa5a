package membership

// One organisation, one membership: an enterprise or a group, known by its unified
// social credit code, has at most one open application or one active member at a
// time. The record that stands for it holds a claim on its credit code; the stores
// keep the claims and change them in the same atomic write as the record, so two
// applications of one company submitted at once cannot both be stored, and a
// second certificate cannot be issued to a company that is already a member.
//
// Which records hold the claim is decided here (CreditClaim); the stores only
// compare what a record held before a change with what it holds after, and take,
// move or release the claim accordingly.

// claimingStatuses are the statuses of an application that holds its credit code:
// from submission until it is rejected, withdrawn or certified (then its member
// holds the code).
var claimingStatuses = map[Status]bool{
	StatusSubmitted: true,
	StatusReviewed:  true,
	StatusApproved:  true,
	StatusFiled:     true,
}

// CreditClaim returns the credit code the application holds a claim on, "" when
// it holds none: individuals have no code, and a rejected, withdrawn or certified
// application holds nothing.
func (a *Application) CreditClaim() string {
	if a.CreditCode == "" || !claimingStatuses[a.Status] {
		return ""
	}
	return a.CreditCode
}

// CreditClaim returns the credit code the member holds a claim on: its own while
// it is active, "" after it exited, was expelled or lapsed (the organisation may
// then apply again), and for individuals.
func (m *Member) CreditClaim() string {
	if m.CreditCode == "" || m.Status != MemberActive {
		return ""
	}
	return m.CreditCode
}

// creditCodeTakenMessage is what an applicant is told, whoever they are: it names
// no record, since the other application may be someone else's.
const creditCodeTakenMessage = "该统一社会信用代码已有在册会员或正在办理中的入会申请，同一单位不能重复申请；如需查询或更正，请联系秘书处"

// CreditCodeTaken is the ECONFLICT error of a new application whose credit code
// another record holds. It names neither that record nor its number, and carries
// the message on the field credit_code as well, so the form shows it there.
func CreditCodeTaken(op string) *Error {
	return &Error{Code: ECONFLICT, Op: op, Message: creditCodeTakenMessage,
		Fields: map[string]string{"credit_code": creditCodeTakenMessage}}
}

// CreditCodeHeld is the ECONFLICT error, for the secretariat, of a change that
// would give a credit code to a record while holder (an application number or a
// certificate number) holds it.
func CreditCodeHeld(op, code, holder string) *Error {
	return Errorf(ECONFLICT, op, "统一社会信用代码 %s 已由 %s 占用（在册会员或办理中的申请），同一单位只能有一个会员资格", code, holder)
}
