package membership

import (
	"testing"
	"time"
)

func TestFormatNumber(t *testing.T) {
	if got, want := FormatNumber(2026, 123), "SQ2026-000123"; got != want {
		t.Errorf("FormatNumber = %q, want %q", got, want)
	}
}

func TestNumberYearIsChinaTime(t *testing.T) {
	// 16:30 UTC on 31 December is already 1 January in Beijing.
	at := time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)
	if got := NumberYear(at); got != 2027 {
		t.Errorf("NumberYear(%v) = %d, want 2027", at, got)
	}
}

func TestStatusToken(t *testing.T) {
	tok, hash, err := NewStatusToken()
	if err != nil {
		t.Fatal(err)
	}
	a := &Application{TokenHash: hash}
	if !a.TokenMatches(tok) {
		t.Errorf("TokenMatches(own token) = false, want true")
	}
	for _, bad := range []string{"", tok + "x", hash} {
		if a.TokenMatches(bad) {
			t.Errorf("TokenMatches(%q) = true, want false", bad)
		}
	}
	if (&Application{}).TokenMatches(tok) {
		t.Errorf("TokenMatches on an application without hash = true, want false")
	}
}

func TestErrorHelpers(t *testing.T) {
	inv := &Error{Code: EINVALID, Op: "op", Message: "有误", Fields: map[string]string{"email": "邮箱格式不正确"}}
	tests := []struct {
		name     string
		err      error
		code     string
		message  string
		hasField bool
	}{
		{"nil", nil, "", "", false},
		{"invalid", inv, EINVALID, "有误", true},
		{"plain error is internal", errString("boom"), EINTERNAL, "内部错误", false},
		{"internal hides message", &Error{Code: EINTERNAL, Message: "secret"}, EINTERNAL, "内部错误", false},
		{"default message", &Error{Code: ENOTFOUND}, ENOTFOUND, "未找到", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
			if got := ErrorFields(tt.err) != nil; got != tt.hasField {
				t.Errorf("ErrorFields present = %v, want %v", got, tt.hasField)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }
