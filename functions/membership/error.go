package membership

import (
	"errors"
	"fmt"
)

// Error codes: the few kinds of failure the rest of the system must tell apart.
// The HTTP layer maps each to one status code.
const (
	EINVALID      = "invalid"      // the input breaks a rule; Fields says which
	ENOTFOUND     = "not_found"    // no such thing, or the caller may not know it exists
	ECONFLICT     = "conflict"     // the thing changed meanwhile or already exists
	EUNAUTHORIZED = "unauthorized" // the caller is not signed in
	EFORBIDDEN    = "forbidden"    // the caller may not do this
	EUNAVAILABLE  = "unavailable"  // the store is down, throttled or too slow: try again shortly
	EINTERNAL     = "internal"     // a bug; details go to the log only
)

// Error is a failure with a code, the operation that failed, a Chinese message for the
// user and, for EINVALID (and an ECONFLICT about one field), one Chinese message per
// field (keyed by the JSON field name).
// Err is the underlying cause, kept for the log.
type Error struct {
	Code    string
	Op      string
	Message string
	Fields  map[string]string
	Err     error
}

// Error returns the text for the log: operation, code, message and cause.
func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code, the operation and a formatted Chinese message.
func Errorf(code, op, format string, args ...any) *Error {
	return &Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps err as an EINTERNAL error of the operation op.
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Op: op, Err: err}
}

// Unavailable wraps err, a failure of the store that a retry a little later may not
// meet (down, throttled, past the request's deadline), as an EUNAVAILABLE error of
// the operation op.
func Unavailable(op string, err error) *Error {
	return &Error{Code: EUNAVAILABLE, Op: op, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the Chinese message for the user. Internal errors and errors
// without a message read "内部错误", and EUNAVAILABLE errors "系统繁忙，请稍后再试",
// so that no detail leaks.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code == EUNAVAILABLE {
		return codeMessages[EUNAVAILABLE]
	}
	if errors.As(err, &e) && e.Code != EINTERNAL {
		if e.Message != "" {
			return e.Message
		}
		return codeMessages[e.Code]
	}
	return "内部错误"
}

// ErrorFields returns the per-field messages of an EINVALID or ECONFLICT error, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) && (e.Code == EINVALID || e.Code == ECONFLICT) {
		return e.Fields
	}
	return nil
}

var codeMessages = map[string]string{
	EINVALID:      "提交的内容有误",
	ENOTFOUND:     "未找到",
	ECONFLICT:     "操作冲突，请刷新后重试",
	EUNAUTHORIZED: "请先登录",
	EFORBIDDEN:    "无权执行此操作",
	EUNAVAILABLE:  "系统繁忙，请稍后再试",
	EINTERNAL:     "内部错误",
}
