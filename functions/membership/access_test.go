package membership

import (
	"testing"
)

// TestMay checks every task against every role, written out from the charter
// independently of the code's table: who may do it, everyone else refused.
func TestMay(t *testing.T) {
	may := map[Task][]string{
		TaskRead:             {RoleSecretariat, RoleChair, RoleSupervisor},
		TaskExit:             {RoleSecretariat},
		TaskProposeExpulsion: {RoleSecretariat},
		TaskDecideExpulsion:  {RoleChair},
		TaskMarkLapsed:       {RoleSecretariat},
		TaskShowcase:         {RoleSecretariat},
		TaskAttendance:       {RoleSecretariat},
		TaskRegistrations:    {RoleSecretariat},
		TaskFees:             {RoleSecretariat},
		TaskPayment:          {RoleSecretariat},
		TaskMail:             {RoleSecretariat},
		TaskErase:            {RoleSecretariat},
	}
	if len(may) != len(permissions) {
		t.Fatalf("got %d tasks in the code's table, want the %d listed here", len(permissions), len(may))
	}
	roles := []string{RoleSecretariat, RoleChair, RoleSupervisor, RoleApplicant, "member", ""}
	for task, allowed := range may {
		for _, role := range roles {
			want := EFORBIDDEN
			for _, r := range allowed {
				if r == role {
					want = ""
				}
			}
			err := actor("p-1", role).May(task)
			if got := ErrorCode(err); got != want {
				t.Errorf("%s by %q: got %q (%v), want %q", task, role, got, err, want)
			}
			if err != nil && ErrorMessage(err) == codeMessages[EFORBIDDEN] {
				t.Errorf("%s by %q: the refusal %q does not say who may", task, role, ErrorMessage(err))
			}
		}
	}
	if got := ErrorCode(actor("p-1", RoleSecretariat, RoleChair).May("unknown")); got != EFORBIDDEN {
		t.Errorf("unknown task: got %q, want %q", got, EFORBIDDEN)
	}
}

func TestMayTake(t *testing.T) {
	tests := []struct {
		act   Action
		roles []string
		want  string
	}{
		{ActionReview, []string{RoleSecretariat}, ""},
		{ActionReview, []string{RoleChair}, EFORBIDDEN},
		{ActionReject, []string{RoleChair}, ""}, // at the chairman's office step
		{ActionApprove, []string{RoleSupervisor}, EFORBIDDEN},
		{ActionCertify, nil, EFORBIDDEN},
		{ActionWithdraw, []string{RoleApplicant}, ""},
		{"publish", []string{RoleSecretariat}, EINVALID},
	}
	for _, tt := range tests {
		if got := ErrorCode(actor("p-1", tt.roles...).MayTake(tt.act)); got != tt.want {
			t.Errorf("%s by %v: got %q, want %q", tt.act, tt.roles, got, tt.want)
		}
	}
}

func TestActorFromContext(t *testing.T) {
	if _, err := ActorFrom(t.Context()); ErrorCode(err) != EUNAUTHORIZED {
		t.Errorf("no actor: got %v, want %s", err, EUNAUTHORIZED)
	}
	want := actor("clerk-1", RoleSecretariat)
	got, err := ActorFrom(NewContext(t.Context(), want))
	if err != nil || got.ID != want.ID || !got.Has(RoleSecretariat) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	if _, err := ActorFrom(NewContext(t.Context(), Actor{})); ErrorCode(err) != EUNAUTHORIZED {
		t.Errorf("actor without an id: got %v, want %s", err, EUNAUTHORIZED)
	}
}

func TestNormalCertificate(t *testing.T) {
	for in, want := range map[string]string{
		"LM-2026-0001":   "LM-2026-0001",
		" lm-2026-0001 ": "LM-2026-0001",
		"ＬＭ－２０２６－０００１":   "LM-2026-0001",
	} {
		if got := NormalCertificate(in); got != want {
			t.Errorf("NormalCertificate(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestCheckYear(t *testing.T) {
	for y, want := range map[int]string{1999: EINVALID, 2000: "", 2026: "", 2100: "", 2101: EINVALID} {
		if got := ErrorCode(CheckYear(y)); got != want {
			t.Errorf("CheckYear(%d): got %q, want %q", y, got, want)
		}
	}
}

// TestAttendanceRecord checks that only the secretariat enters attendance, and
// that the record is stamped and checked.
func TestAttendanceRecord(t *testing.T) {
	rec := func() *Attendance {
		return &Attendance{Member: "LM-2026-0001", Event: "2026-forum", Kind: EventActivity, Date: "2026-03-01"}
	}
	a := rec()
	if err := a.Record(actor("clerk-1", RoleSecretariat), now); err != nil {
		t.Fatalf("secretariat: %v", err)
	}
	if a.RecordedBy != "clerk-1" || !a.RecordedAt.Equal(now) {
		t.Errorf("stamp: got %q at %v, want clerk-1 at %v", a.RecordedBy, a.RecordedAt, now)
	}
	if err := rec().Record(actor("chair-1", RoleChair), now); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("chair: got %v, want %s", err, EFORBIDDEN)
	}
	late := rec()
	late.Date = "2026-03-03"
	if err := late.Record(actor("clerk-1", RoleSecretariat), now); ErrorCode(err) != EINVALID {
		t.Errorf("after today: got %v, want %s", err, EINVALID)
	}
}
