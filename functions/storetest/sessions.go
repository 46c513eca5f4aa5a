package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// NewSessionStore returns an empty session store for one test.
type NewSessionStore func(t *testing.T) httpapi.SessionStore

// RunSessions runs the contract suite of the console's sign-ins and sessions
// against stores made by newStore.
func RunSessions(t *testing.T, newStore NewSessionStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s httpapi.SessionStore)
	}{
		{"SignInTakenOnce", testSignInOnce},
		{"SignInTakenOnceConcurrently", testSignInConcurrent},
		{"SessionStoredTouchedDeleted", testSession},
		{"PastTheDeadlineUnavailable", testSessionsPastDeadline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func signIn(state string) *membership.SignIn {
	return &membership.SignIn{State: membership.SecretHash(state), Nonce: "nonce-" + state, Verifier: "verifier-" + state,
		Return: "/admin/applications/?status=submitted", ExpiresAt: t0.Add(membership.SignInLifetime).Truncate(time.Second)}
}

func testSignInOnce(t *testing.T, s httpapi.SessionStore) {
	ctx := t.Context()
	want := signIn("state-1")
	if err := s.PutSignIn(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSignIn(ctx, signIn("state-2")); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeSignIn(ctx, want.State)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != want.State || got.Nonce != want.Nonce || got.Verifier != want.Verifier || got.Return != want.Return || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	_, err = s.TakeSignIn(ctx, want.State)
	wantCode(t, "the same sign-in taken again", err, membership.ENOTFOUND)
	_, err = s.TakeSignIn(ctx, membership.SecretHash("never-started"))
	wantCode(t, "an unknown sign-in", err, membership.ENOTFOUND)
	if other, err := s.TakeSignIn(ctx, membership.SecretHash("state-2")); err != nil || other.Nonce != "nonce-state-2" {
		t.Errorf("the other sign-in: got %+v, %v, want it untouched", other, err)
	}
}

func testSignInConcurrent(t *testing.T, s httpapi.SessionStore) {
	in := signIn("raced")
	if err := s.PutSignIn(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	const n = 8
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := s.TakeSignIn(t.Context(), in.State)
			codes[i] = membership.ErrorCode(err)
		})
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case membership.ENOTFOUND:
		default:
			t.Errorf("got code %q, want none or %q", c, membership.ENOTFOUND)
		}
	}
	if won != 1 {
		t.Errorf("%d callbacks took the sign-in, want exactly 1 (codes %v)", won, codes)
	}
}

func testSession(t *testing.T, s httpapi.SessionStore) {
	ctx := t.Context()
	a := membership.Actor{ID: "sub-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}
	ss, secret := membership.NewSession(a, t0)
	if ss.ID != membership.SecretHash(secret) {
		t.Fatalf("session id: got %s, want the hash of its secret", ss.ID)
	}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ss.ID || got.CSRF != ss.CSRF || got.Actor.ID != a.ID || got.Actor.Name != a.Name ||
		len(got.Actor.Roles) != 1 || got.Actor.Roles[0] != a.Roles[0] || !got.CreatedAt.Equal(t0) || !got.SeenAt.Equal(t0) {
		t.Errorf("got %+v, want %+v", got, ss)
	}
	_, err = s.Session(ctx, membership.SecretHash("another"))
	wantCode(t, "an unknown session", err, membership.ENOTFOUND)

	got.SeenAt = t0.Add(20 * time.Minute)
	if err := s.TouchSession(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, err := s.Session(ctx, ss.ID); err != nil || !again.SeenAt.Equal(got.SeenAt) || !again.CreatedAt.Equal(t0) || again.CSRF != ss.CSRF {
		t.Errorf("after touch: got %+v, %v, want seen at %v", again, err, got.SeenAt)
	}
	if err := s.DeleteSession(ctx, ss.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Session(ctx, ss.ID)
	wantCode(t, "a deleted session", err, membership.ENOTFOUND)
	wantCode(t, "touching a deleted session", s.TouchSession(ctx, got), membership.ENOTFOUND)
	if _, err := s.Session(ctx, ss.ID); membership.ErrorCode(err) != membership.ENOTFOUND {
		t.Errorf("a touch after the delete brought the session back: %v", err)
	}
	if err := s.DeleteSession(ctx, ss.ID); err != nil {
		t.Errorf("deleting a deleted session: %v, want no error", err)
	}
}

// testSessionsPastDeadline: every call made once the request's deadline has
// passed fails with EUNAVAILABLE (the console answers 503 or "sign-in
// unavailable", never 500 or "state wrong") and changes nothing: the
// sign-in is still there to take, the session still there to read.
func testSessionsPastDeadline(t *testing.T, s httpapi.SessionStore) {
	in := signIn("late")
	if err := s.PutSignIn(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	ss, _ := membership.NewSession(membership.Actor{ID: "sub-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}, t0)
	if err := s.CreateSession(t.Context(), ss); err != nil {
		t.Fatal(err)
	}
	late, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	other, _ := membership.NewSession(membership.Actor{ID: "sub-2", Roles: []string{membership.RoleChair}}, t0)
	wantCode(t, "PutSignIn past the deadline", s.PutSignIn(late, signIn("later")), membership.EUNAVAILABLE)
	_, err := s.TakeSignIn(late, in.State)
	wantCode(t, "TakeSignIn past the deadline", err, membership.EUNAVAILABLE)
	wantCode(t, "CreateSession past the deadline", s.CreateSession(late, other), membership.EUNAVAILABLE)
	_, err = s.Session(late, ss.ID)
	wantCode(t, "Session past the deadline", err, membership.EUNAVAILABLE)
	touched := *ss
	touched.SeenAt = t0.Add(time.Minute)
	wantCode(t, "TouchSession past the deadline", s.TouchSession(late, &touched), membership.EUNAVAILABLE)
	wantCode(t, "DeleteSession past the deadline", s.DeleteSession(late, ss.ID), membership.EUNAVAILABLE)

	if got, err := s.TakeSignIn(t.Context(), in.State); err != nil || got.Nonce != in.Nonce {
		t.Errorf("the sign-in after a late take: got %+v, %v; want it still there", got, err)
	}
	if got, err := s.Session(t.Context(), ss.ID); err != nil || !got.SeenAt.Equal(t0) {
		t.Errorf("the session after a late touch and delete: got %+v, %v; want it as created", got, err)
	}
}
