package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// AdminClient calls the secretariat routes (AdminRoutes) with a bearer token.
// It has the methods of backoffice.Service, with the same request and answer
// types, so that `alliance admin` speaks the API's contract in Go types; the
// actor is the token's, not the context's. Errors are *APIError.
type AdminClient struct {
	base  string
	token string
	http  *http.Client
}

// NewAdminClient returns a client of the API at base (e.g.
// http://127.0.0.1:1313) acting with the token.
func NewAdminClient(base, token string) *AdminClient {
	return &AdminClient{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// maxAnswer bounds the answers the client reads.
const maxAnswer = 32 << 20

// do sends in (nil: no body) to the route and decodes the JSON answer into out.
func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	return c.send(ctx, method, path, in, "application/json", func(b []byte) error {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("httpapi: decode answer of %s %s: %w", method, path, err)
		}
		return nil
	})
}

// send sends in (nil: no body) to the route, accepting the media type, and passes a
// successful answer's body to read; an error answer is an *APIError.
func (c *AdminClient) send(ctx context.Context, method, path string, in any, accept string, read func([]byte) error) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("httpapi: encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("httpapi: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", accept)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("httpapi: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("httpapi: read answer of %s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		var e errorBody
		if json.Unmarshal(b, &e) != nil || e.Error.Code == "" {
			return fmt.Errorf("httpapi: %s %s: %s", method, path, res.Status)
		}
		e.Error.Status = res.StatusCode
		return &e.Error
	}
	return read(b)
}

// call sends in to the route and returns its JSON answer.
func call[T any](ctx context.Context, c *AdminClient, method, path string, in any) (*T, error) {
	var v T
	if err := c.do(ctx, method, path, in, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// query encodes the non-empty parameters, "" when there are none.
func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func applicationPath(number string) string {
	return "/api/admin/applications/" + url.PathEscape(number)
}
func memberPath(cert string) string { return "/api/admin/members/" + url.PathEscape(cert) }

// WhoAmI returns the token's identity, roles and the tasks they may do.
func (c *AdminClient) WhoAmI(ctx context.Context) (*backoffice.Me, error) {
	return call[backoffice.Me](ctx, c, http.MethodGet, "/api/admin/me", nil)
}

// Dashboard returns the reader's 工作台.
func (c *AdminClient) Dashboard(ctx context.Context) (*backoffice.Dashboard, error) {
	return call[backoffice.Dashboard](ctx, c, http.MethodGet, "/api/admin/dashboard", nil)
}

// Applications returns one page of the applications the query asks for.
func (c *AdminClient) Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error) {
	limit := ""
	if q.Limit != 0 {
		limit = strconv.Itoa(q.Limit)
	}
	return call[membership.ApplicationPage](ctx, c, http.MethodGet, "/api/admin/applications"+
		query("status", string(q.Status), "search", q.Search, "after", q.After, "limit", limit), nil)
}

// Application returns one application with its history, the actions the
// token's holder may take on it and the other records of its organisation.
func (c *AdminClient) Application(ctx context.Context, number string) (*backoffice.ApplicationDetail, error) {
	return call[backoffice.ApplicationDetail](ctx, c, http.MethodGet, applicationPath(number), nil)
}

// ChangeApplication reviews, approves, rejects or files the application.
func (c *AdminClient) ChangeApplication(ctx context.Context, number string, act membership.Action, q backoffice.ChangeRequest) (*membership.Application, error) {
	if act == membership.ActionCertify {
		return nil, errors.New("httpapi: certify with Certify")
	}
	return call[membership.Application](ctx, c, http.MethodPost, applicationPath(number)+"/"+url.PathEscape(string(act)), q)
}

// Certify issues the member certificate of a filed application.
func (c *AdminClient) Certify(ctx context.Context, number string, q backoffice.ChangeRequest) (*backoffice.Certified, error) {
	return call[backoffice.Certified](ctx, c, http.MethodPost, applicationPath(number)+"/certify", q)
}

// AttachmentURL returns a short-lived link to a document of the application.
func (c *AdminClient) AttachmentURL(ctx context.Context, number, id string) (*backoffice.Download, error) {
	return call[backoffice.Download](ctx, c, http.MethodGet, applicationPath(number)+"/attachments/"+url.PathEscape(id), nil)
}

// ErasePerson erases a person's data from the records named, on their request.
func (c *AdminClient) ErasePerson(ctx context.Context, q backoffice.ErasureRequest) (*backoffice.Erased, error) {
	return call[backoffice.Erased](ctx, c, http.MethodPost, "/api/admin/erasures", q)
}

// Members lists the members with the status ("" for all).
func (c *AdminClient) Members(ctx context.Context, status membership.MemberStatus) ([]membership.Member, error) {
	l, err := call[memberList](ctx, c, http.MethodGet, "/api/admin/members"+query("status", string(status)), nil)
	if err != nil {
		return nil, err
	}
	return l.Members, nil
}

// Member returns one member with its history, standing, the tasks the
// token's holder may carry out and the other records of its organisation.
func (c *AdminClient) Member(ctx context.Context, certificate string) (*backoffice.MemberDetail, error) {
	return call[backoffice.MemberDetail](ctx, c, http.MethodGet, memberPath(certificate), nil)
}

// Exit records a member's voluntary exit.
func (c *AdminClient) Exit(ctx context.Context, certificate string, q backoffice.ExitRequest) (*membership.Member, error) {
	return call[membership.Member](ctx, c, http.MethodPost, memberPath(certificate)+"/exit", q)
}

// ProposeExpulsion proposes to expel the member.
func (c *AdminClient) ProposeExpulsion(ctx context.Context, certificate string, q backoffice.ExpulsionRequest) (*membership.Member, error) {
	return call[membership.Member](ctx, c, http.MethodPost, memberPath(certificate)+"/expulsion", q)
}

// DecideExpulsion approves or refuses a proposed expulsion.
func (c *AdminClient) DecideExpulsion(ctx context.Context, certificate string, q backoffice.DecisionRequest) (*membership.Member, error) {
	return call[membership.Member](ctx, c, http.MethodPost, memberPath(certificate)+"/expulsion/decision", q)
}

// MarkLapsed records that the member lapsed by the rule.
func (c *AdminClient) MarkLapsed(ctx context.Context, certificate string, q backoffice.LapseRequest) (*membership.Member, error) {
	return call[membership.Member](ctx, c, http.MethodPost, memberPath(certificate)+"/lapse", q)
}

// ChangeShowcase records a later change of the member's consent to be shown in 会员风采.
func (c *AdminClient) ChangeShowcase(ctx context.Context, certificate string, q backoffice.ShowcaseRequest) (*membership.Member, error) {
	return call[membership.Member](ctx, c, http.MethodPost, memberPath(certificate)+"/showcase", q)
}

// CertificateURL is the address of the member's printable certificate on the API at base.
func CertificateURL(base, certificate string) string {
	return strings.TrimRight(base, "/") + memberPath(certificate) + "/certificate"
}

// CertificatePage returns the HTML page of the member's printable certificate.
func (c *AdminClient) CertificatePage(ctx context.Context, certificate string) ([]byte, error) {
	var page []byte
	err := c.send(ctx, http.MethodGet, memberPath(certificate)+"/certificate", nil, "text/html", func(b []byte) error {
		page = b
		return nil
	})
	return page, err
}

// Attendance lists the attendance records of one member or ("") of all.
func (c *AdminClient) Attendance(ctx context.Context, member string) ([]membership.Attendance, error) {
	l, err := call[attendanceList](ctx, c, http.MethodGet, "/api/admin/attendance"+query("member", member), nil)
	if err != nil {
		return nil, err
	}
	return l.Attendance, nil
}

// RecordAttendance enters the members' attendance of an event.
func (c *AdminClient) RecordAttendance(ctx context.Context, q backoffice.AttendanceRequest) (*backoffice.AttendanceAdded, error) {
	q.Void = false
	return call[backoffice.AttendanceAdded](ctx, c, http.MethodPost, "/api/admin/attendance", q)
}

// VoidAttendance voids the members' records of an event entered by mistake.
func (c *AdminClient) VoidAttendance(ctx context.Context, q backoffice.AttendanceRequest) (*backoffice.AttendanceVoided, error) {
	q.Void = true
	return call[backoffice.AttendanceVoided](ctx, c, http.MethodPost, "/api/admin/attendance", q)
}

// LapseReport applies the lapse rule on the date ("" for today).
func (c *AdminClient) LapseReport(ctx context.Context, date string) (*membership.LapseReport, error) {
	return call[membership.LapseReport](ctx, c, http.MethodGet, "/api/admin/lapse-report"+query("date", date), nil)
}

// FeeSchedule returns the year's fee schedule.
func (c *AdminClient) FeeSchedule(ctx context.Context, year int) (*membership.FeeSchedule, error) {
	return call[membership.FeeSchedule](ctx, c, http.MethodGet, "/api/admin/fees/"+strconv.Itoa(year), nil)
}

// ChangeFees sets the year's fee schedule.
func (c *AdminClient) ChangeFees(ctx context.Context, year int, q backoffice.FeesRequest) (*membership.FeeSchedule, error) {
	return call[membership.FeeSchedule](ctx, c, http.MethodPost, "/api/admin/fees/"+strconv.Itoa(year), q)
}

// RecordPayment enters a payment of dues or its correction.
func (c *AdminClient) RecordPayment(ctx context.Context, q membership.PaymentInput) (*membership.Payment, error) {
	return call[membership.Payment](ctx, c, http.MethodPost, "/api/admin/payments", q)
}

// Payments lists the ledger of a year (0: this year), of one member or ("") of all.
func (c *AdminClient) Payments(ctx context.Context, year int, member string) ([]membership.Payment, error) {
	y := ""
	if year != 0 {
		y = strconv.Itoa(year)
	}
	l, err := call[paymentList](ctx, c, http.MethodGet, "/api/admin/payments"+query("year", y, "member", member), nil)
	if err != nil {
		return nil, err
	}
	return l.Payments, nil
}

// DuesReport returns every member's dues position for the year.
func (c *AdminClient) DuesReport(ctx context.Context, year int) (*membership.DuesReport, error) {
	return call[membership.DuesReport](ctx, c, http.MethodGet, "/api/admin/dues/"+strconv.Itoa(year), nil)
}

func eventPath(slug string) string { return "/api/admin/events/" + url.PathEscape(slug) }

// Events lists the published events with registration and their counts.
func (c *AdminClient) Events(ctx context.Context) ([]backoffice.EventSummary, error) {
	l, err := call[eventList](ctx, c, http.MethodGet, "/api/admin/events", nil)
	if err != nil {
		return nil, err
	}
	return l.Events, nil
}

// Roster lists an event's registrations with their counts.
func (c *AdminClient) Roster(ctx context.Context, slug string) (*events.Roster, error) {
	return call[events.Roster](ctx, c, http.MethodGet, eventPath(slug)+"/registrations", nil)
}

// CheckIn checks a registrant in at the door, by code or phone.
func (c *AdminClient) CheckIn(ctx context.Context, slug string, q backoffice.CheckInRequest) (*backoffice.CheckedIn, error) {
	return call[backoffice.CheckedIn](ctx, c, http.MethodPost, eventPath(slug)+"/checkins", q)
}

// VoidCheckIn voids a check-in entered by mistake, and the attendance it recorded.
func (c *AdminClient) VoidCheckIn(ctx context.Context, slug string, q backoffice.VoidCheckInRequest) (*backoffice.CheckInVoided, error) {
	return call[backoffice.CheckInVoided](ctx, c, http.MethodPost, eventPath(slug)+"/checkins/void", q)
}

// WalkIn registers and checks in at once a person who arrived without a registration.
func (c *AdminClient) WalkIn(ctx context.Context, slug string, q backoffice.WalkInRequest) (*backoffice.CheckedIn, error) {
	return call[backoffice.CheckedIn](ctx, c, http.MethodPost, eventPath(slug)+"/walk-ins", q)
}

// CancelRegistration cancels a registration on the registrant's behalf, with the reason.
func (c *AdminClient) CancelRegistration(ctx context.Context, slug, code string, q backoffice.CancelRegistrationRequest) (*backoffice.RegistrationCancelled, error) {
	return call[backoffice.RegistrationCancelled](ctx, c, http.MethodPost, eventPath(slug)+"/registrations/"+url.PathEscape(code)+"/cancel", q)
}

// Promote gives an event's free places to the first waiting (补位).
func (c *AdminClient) Promote(ctx context.Context, slug string) (*backoffice.Promoted, error) {
	return call[backoffice.Promoted](ctx, c, http.MethodPost, eventPath(slug)+"/promotions", backoffice.PromoteRequest{})
}

// Mail lists the messages in the state (failed or pending) of the outbox.
func (c *AdminClient) Mail(ctx context.Context, state outbox.State) (*backoffice.MailList, error) {
	return call[backoffice.MailList](ctx, c, http.MethodGet, "/api/admin/mail"+query("state", string(state)), nil)
}

// RetryMail puts a failed message back in the queue, to q.To if given.
func (c *AdminClient) RetryMail(ctx context.Context, q outbox.RetryRequest) (*backoffice.MailItem, error) {
	return call[backoffice.MailItem](ctx, c, http.MethodPost, "/api/admin/mail/retry", q)
}
