package membership

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// How long a sign-in to the secretariat's console lasts: a working day at
// most, and half an hour without any request. After either the person signs
// in again (the console keeps what they were typing).
const (
	SessionLifetime = 10 * time.Hour
	SessionIdle     = 30 * time.Minute
	// SessionTouchEvery is how stale SeenAt may get before a request writes
	// it again: each request does not need its own write.
	SessionTouchEvery = time.Minute
	// SignInLifetime is how long a started sign-in may take at the issuer.
	SignInLifetime = 10 * time.Minute
)

// Session is a person signed in to the console. The browser holds only the
// session's secret, in an HttpOnly cookie; the store keeps its hash as the
// key, the actor the issuer vouched for, and the token every change must
// carry against cross-site request forgery (CSRF).
type Session struct {
	ID        string    `json:"id" dynamodbav:"-"` // SecretHash of the cookie's secret
	Actor     Actor     `json:"actor" dynamodbav:"actor"`
	CSRF      string    `json:"csrf" dynamodbav:"csrf"`
	CreatedAt time.Time `json:"created_at" dynamodbav:"created_at"`
	SeenAt    time.Time `json:"seen_at" dynamodbav:"seen_at"`
}

// NewSession starts a session of the actor at now and returns it with the
// secret for the cookie.
func NewSession(a Actor, now time.Time) (*Session, string) {
	secret := rand.Text()
	now = now.UTC()
	return &Session{ID: SecretHash(secret), Actor: a, CSRF: rand.Text(), CreatedAt: now, SeenAt: now}, secret
}

// ExpiresAt is when the session ends unless it is used again before: the
// earlier of its absolute and its idle end.
func (s *Session) ExpiresAt() time.Time {
	end, idle := s.CreatedAt.Add(SessionLifetime), s.SeenAt.Add(SessionIdle)
	if idle.Before(end) {
		return idle
	}
	return end
}

// Expired reports whether the session has ended at now.
func (s *Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt()) }

// NeedsTouch reports whether a request at now should record itself in SeenAt.
func (s *Session) NeedsTouch(now time.Time) bool { return now.Sub(s.SeenAt) >= SessionTouchEvery }

// SignIn is a sign-in started at the issuer and not yet come back: the
// random state that ties the issuer's answer to this browser (kept as its
// hash, the store's key), the nonce the ID token must carry, the PKCE code
// verifier, and the console page to return to.
type SignIn struct {
	State     string    `json:"state" dynamodbav:"-"` // SecretHash of the state parameter
	Nonce     string    `json:"nonce" dynamodbav:"nonce"`
	Verifier  string    `json:"verifier" dynamodbav:"verifier"`
	Return    string    `json:"return" dynamodbav:"return"`
	ExpiresAt time.Time `json:"expires_at" dynamodbav:"expires_at,unixtime"`
}

// Expired reports whether the sign-in has run out at now.
func (s *SignIn) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// SecretHash returns the hex SHA-256 of a secret the browser holds (a session
// or the state of a sign-in): stores keep only this, so that reading a store
// gives nobody a session.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
