package membership

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 2, 9, 30, 0, 0, China)

func actor(id string, roles ...string) Actor { return Actor{ID: id, Name: id, Roles: roles} }

// allowed is the charter's table (第十四条), written out independently of the
// code's table: status, action, role → new status.
var allowed = map[[3]string]Status{
	{"submitted", "review", "secretariat"}: StatusReviewed,
	{"submitted", "reject", "secretariat"}: StatusRejected,
	{"reviewed", "approve", "chair"}:       StatusApproved,
	{"reviewed", "reject", "chair"}:        StatusRejected,
	{"approved", "file", "secretariat"}:    StatusFiled,
	{"filed", "certify", "secretariat"}:    StatusCertified,
	{"submitted", "withdraw", "applicant"}: StatusWithdrawn,
	{"reviewed", "withdraw", "applicant"}:  StatusWithdrawn,
}

// wantCode says which error an unlisted move must get: 403 when the role can
// never take the action or another role is needed at this status, 409 when the
// action is impossible from the status.
func wantCode(st Status, act Action, role string) string {
	roleEver, statusOK := false, false
	for k := range allowed {
		if k[1] == string(act) && k[2] == role {
			roleEver = true
		}
		if k[0] == string(st) && k[1] == string(act) {
			statusOK = true
		}
	}
	switch {
	case !roleEver:
		return EFORBIDDEN
	case !statusOK:
		return ECONFLICT
	default:
		return EFORBIDDEN
	}
}

func TestApplyEveryMoveByRole(t *testing.T) {
	statuses := []Status{StatusSubmitted, StatusReviewed, StatusApproved, StatusFiled, StatusCertified, StatusRejected, StatusWithdrawn}
	actions := []Action{ActionReview, ActionApprove, ActionReject, ActionFile, ActionCertify, ActionWithdraw}
	roles := []string{RoleApplicant, RoleSecretariat, RoleChair, RoleSupervisor, "guest"}
	for _, st := range statuses {
		for _, act := range actions {
			for _, role := range roles {
				name := string(st) + "/" + string(act) + "/" + role
				t.Run(name, func(t *testing.T) {
					a := &Application{Number: "SQ2026-000001", Status: st, Version: 3,
						History: []Event{{To: StatusSubmitted, Actor: "applicant", Role: RoleApplicant, At: now}}}
					if st != StatusSubmitted {
						// Someone else reviewed it, so the same-person rule does not interfere.
						a.History = append(a.History, Event{From: StatusSubmitted, To: StatusReviewed, Actor: "clerk-0", Role: RoleSecretariat, At: now})
					}
					c := Change{Action: act, Note: "理由", Filing: &Filing{Date: "2026-03-01", Reference: "ZC-2026-17"}}
					err := a.Apply(actor("p-1", role), c, now)
					want, ok := allowed[[3]string{string(st), string(act), role}]
					if ok {
						if err != nil {
							t.Fatalf("got %v, want move to %s", err, want)
						}
						if a.Status != want {
							t.Fatalf("status: got %s, want %s", a.Status, want)
						}
						last := a.History[len(a.History)-1]
						if last.From != st || last.To != want || last.Actor != "p-1" || last.Role != role || !last.At.Equal(now) {
							t.Errorf("history: got %+v, want %s→%s by p-1 as %s at %v", last, st, want, role, now)
						}
						if a.Version != 3 {
							t.Errorf("version: got %d, want 3 (the store increments it)", a.Version)
						}
						return
					}
					if got, want := ErrorCode(err), wantCode(st, act, role); got != want {
						t.Fatalf("error code: got %q (%v), want %q", got, err, want)
					}
					if ErrorCode(err) == ECONFLICT && !strings.Contains(ErrorMessage(err), StatusLabels[st]) {
						t.Errorf("conflict message %q does not name the current status %q", ErrorMessage(err), StatusLabels[st])
					}
					if a.Status != st || a.Version != 3 {
						t.Errorf("refused move changed the application: status %s version %d", a.Status, a.Version)
					}
				})
			}
		}
	}
}

func TestApplyRules(t *testing.T) {
	reviewedBy := func(id string) *Application {
		return &Application{Number: "SQ2026-000002", Status: StatusReviewed, History: []Event{
			{To: StatusSubmitted, Actor: "applicant", Role: RoleApplicant},
			{From: StatusSubmitted, To: StatusReviewed, Actor: id, Role: RoleSecretariat},
		}}
	}
	tests := []struct {
		name   string
		app    *Application
		actor  Actor
		change Change
		code   string
		field  string
	}{
		{"the reviewer cannot approve", reviewedBy("u-7"), actor("u-7", RoleSecretariat, RoleChair), Change{Action: ActionApprove}, EFORBIDDEN, ""},
		{"the reviewer cannot reject as chair", reviewedBy("u-7"), actor("u-7", RoleSecretariat, RoleChair), Change{Action: ActionReject, Note: "x"}, EFORBIDDEN, ""},
		{"another chair may approve", reviewedBy("u-7"), actor("u-8", RoleChair), Change{Action: ActionApprove}, "", ""},
		{"reject needs a reason", &Application{Status: StatusSubmitted}, actor("u-1", RoleSecretariat), Change{Action: ActionReject, Note: "  "}, EINVALID, "note"},
		{"file needs the filing", &Application{Status: StatusApproved}, actor("u-1", RoleSecretariat), Change{Action: ActionFile}, EINVALID, "filing.date"},
		{"file needs a real date", &Application{Status: StatusApproved}, actor("u-1", RoleSecretariat), Change{Action: ActionFile, Filing: &Filing{Date: "2026-02-30", Reference: "R"}}, EINVALID, "filing.date"},
		{"file cannot be dated after today", &Application{Status: StatusApproved}, actor("u-1", RoleSecretariat), Change{Action: ActionFile, Filing: &Filing{Date: "2026-03-03", Reference: "R"}}, EINVALID, "filing.date"},
		{"file needs a reference", &Application{Status: StatusApproved}, actor("u-1", RoleSecretariat), Change{Action: ActionFile, Filing: &Filing{Date: "2026-02-28"}}, EINVALID, "filing.reference"},
		{"unknown action", &Application{Status: StatusSubmitted}, actor("u-1", RoleSecretariat), Change{Action: "delete"}, EINVALID, "action"},
		{"no roles at all", &Application{Status: StatusSubmitted}, actor("u-1"), Change{Action: ActionReview}, EFORBIDDEN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.app.Apply(tt.actor, tt.change, now)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("got %q (%v), want %q", got, err, tt.code)
			}
			if tt.field != "" {
				if _, ok := ErrorFields(err)[tt.field]; !ok {
					t.Errorf("fields: got %v, want one for %q", ErrorFields(err), tt.field)
				}
			}
		})
	}
}

func TestApplyFilingIsKept(t *testing.T) {
	a := &Application{Status: StatusApproved}
	err := a.Apply(actor("u-1", RoleSecretariat), Change{Action: ActionFile, Filing: &Filing{Date: "2026-03-01", Reference: " ZC-9 "}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if a.Filing == nil || *a.Filing != (Filing{Date: "2026-03-01", Reference: "ZC-9"}) {
		t.Fatalf("filing: got %+v, want 2026-03-01 ZC-9", a.Filing)
	}
}

// TestApplyRecordsWhoActed checks that a transition's history entry names the actor by
// subject and display name, the role, the time and the note.
func TestApplyRecordsWhoActed(t *testing.T) {
	a := &Application{Status: StatusSubmitted}
	clerk := Actor{ID: "8f3a-opaque", Name: "王秘书", Roles: []string{RoleSecretariat}}
	if err := a.Apply(clerk, Change{Action: ActionReview, Note: "材料齐全"}, now); err != nil {
		t.Fatal(err)
	}
	got := a.History[len(a.History)-1]
	want := Event{From: StatusSubmitted, To: StatusReviewed, Actor: "8f3a-opaque", ActorName: "王秘书", Role: RoleSecretariat, At: now.UTC(), Note: "材料齐全"}
	if got != want {
		t.Errorf("history entry: got %+v, want %+v", got, want)
	}
}
