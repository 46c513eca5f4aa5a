package membership

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Page sizes of the application lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ApplicationQuery asks for one page of the applications: those with the
// status ("" for every status), those matching the search, oldest first,
// after the cursor of the previous page.
type ApplicationQuery struct {
	Status Status
	// Search is an application number or a credit code (matched whole) or
	// part of the organisation's or the contact's name.
	Search string
	// After is the Next of the previous page ("" for the first page); its
	// format is the store's.
	After string
	Limit int // 1 to MaxPageSize; 0 means DefaultPageSize
}

// ApplicationSummary is what a list shows of an application.
type ApplicationSummary struct {
	Number     string     `json:"number" dynamodbav:"number"`
	Type       MemberType `json:"type" dynamodbav:"type"`
	OrgName    string     `json:"org_name" dynamodbav:"org_name,omitempty"`
	CreditCode string     `json:"credit_code,omitempty" dynamodbav:"credit_code,omitempty"`
	Contact    string     `json:"contact" dynamodbav:"contact,omitempty"`
	Region     string     `json:"region" dynamodbav:"region,omitempty"`
	Status     Status     `json:"status" dynamodbav:"status"`
	CreatedAt  time.Time  `json:"created_at" dynamodbav:"created_at"`
	Version    int        `json:"version" dynamodbav:"version"`
}

// SummaryAttributes are the stored attributes (JSON and DynamoDB names) an
// ApplicationSummary is read from.
var SummaryAttributes = []string{"number", "type", "org_name", "credit_code", "contact", "region", "status", "created_at", "version"}

// ApplicationPage is one page of an application list.
type ApplicationPage struct {
	Applications []ApplicationSummary `json:"applications"`
	// Next is the After of the next page, "" when this page is the last.
	Next string `json:"next,omitempty"`
}

// Summary returns what a list shows of the application.
func (a *Application) Summary() ApplicationSummary {
	return ApplicationSummary{Number: a.Number, Type: a.Type, OrgName: a.OrgName, CreditCode: a.CreditCode,
		Contact: a.Contact, Region: a.Region, Status: a.Status, CreatedAt: a.CreatedAt, Version: a.Version}
}

var numberRE = regexp.MustCompile(`^SQ\d{4}-\d{6}$`)

// Normal returns the query with its search rid of invisible characters
// (Visible), trimmed and folded to half-width, its page size defaulted, and
// checks it. Errors: EINVALID for an unknown status, a search that is not
// text (invalid UTF-8, U+FFFD) or longer than 100 characters, or a page size
// out of range.
func (q ApplicationQuery) Normal() (ApplicationQuery, error) {
	const op = "membership: application query"
	fields := map[string]string{}
	if _, ok := StatusLabels[q.Status]; q.Status != "" && !ok {
		fields["status"] = "未知状态 " + string(q.Status)
	}
	switch {
	case !utf8.ValidString(q.Search) || strings.ContainsRune(q.Search, utf8.RuneError):
		fields["search"] = "搜索内容中有无法识别的字符，请重新输入"
	default:
		// Invisible characters pasted with a name are dropped: no stored text
		// holds one (CleanText), so the search is for what is visible.
		q.Search = width.Fold.String(strings.TrimSpace(Visible(q.Search)))
		if utf8.RuneCountInString(q.Search) > 100 {
			fields["search"] = "搜索内容不能超过 100 个字"
		}
	}
	if q.Limit == 0 {
		q.Limit = DefaultPageSize
	}
	if q.Limit < 1 || q.Limit > MaxPageSize {
		fields["limit"] = "每页条数应在 1 至 200 之间"
	}
	if len(fields) > 0 {
		return q, &Error{Code: EINVALID, Op: op, Message: "查询条件有误", Fields: fields}
	}
	return q, nil
}

// SearchNumber returns the search as an application number, or "" when it
// is not one. A store can look the number up directly.
func (q ApplicationQuery) SearchNumber() string {
	if n := strings.ToUpper(q.Search); numberRE.MatchString(n) {
		return n
	}
	return ""
}

// SearchCode returns the search in upper case, as a number or a credit code
// is stored.
func (q ApplicationQuery) SearchCode() string { return strings.ToUpper(q.Search) }

// Matches reports whether the application is one the query asks for, page
// aside: its status, and a search equal to its number or credit code or
// contained in its organisation's or contact's name. Stores that filter
// elsewhere (a DynamoDB filter expression) must agree with it; the contract
// suite checks that they do.
func (q ApplicationQuery) Matches(a *ApplicationSummary) bool {
	if q.Status != "" && a.Status != q.Status {
		return false
	}
	if q.Search == "" {
		return true
	}
	code := q.SearchCode()
	return a.Number == code || (a.CreditCode != "" && a.CreditCode == code) ||
		strings.Contains(a.OrgName, q.Search) || strings.Contains(a.Contact, q.Search)
}

// Before reports whether a comes before b in a list: oldest first, then by number.
func (a *ApplicationSummary) Before(b *ApplicationSummary) bool {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c < 0
	}
	return a.Number < b.Number
}

// WaitingStatuses are the statuses at which an application waits for one of
// the actor's roles to move it on (审核, 批准, 备案, 颁发证书), in the order of
// the workflow: the work queue of the console's 工作台.
func WaitingStatuses(a Actor) []Status {
	var out []Status
	for _, m := range moves {
		if m.Action != ActionReject && m.Action != ActionWithdraw && a.Has(m.Role) && !slices.Contains(out, m.From) {
			out = append(out, m.From)
		}
	}
	return out
}

// Cursor returns the After of the page that follows this application.
func (a *ApplicationSummary) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(a.CreatedAt.UTC().Format(time.RFC3339Nano) + " " + a.Number))
}

// ParseCursor returns the position a cursor made by Cursor stands for: the
// created time and number of the last application of a page (zero for "").
// Errors: EINVALID.
func ParseCursor(s string) (ApplicationSummary, error) {
	var pos ApplicationSummary
	if s == "" {
		return pos, nil
	}
	bad := &Error{Code: EINVALID, Op: "membership: parse cursor", Message: "翻页参数无效，请从第一页重新查询",
		Fields: map[string]string{"after": "翻页参数无效"}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return pos, bad
	}
	at, number, ok := strings.Cut(string(b), " ")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || !numberRE.MatchString(number) {
		return pos, bad
	}
	return ApplicationSummary{CreatedAt: t, Number: number}, nil
}

// PageOf returns the page q asks for out of apps, given in any order: those
// that match it and come after its cursor, oldest first, at most q.Limit of
// them (q as returned by Normal). Errors: EINVALID for a bad cursor.
func (q ApplicationQuery) PageOf(apps []ApplicationSummary) (*ApplicationPage, error) {
	after, err := ParseCursor(q.After)
	if err != nil {
		return nil, err
	}
	var hits []ApplicationSummary
	for i := range apps {
		if q.Matches(&apps[i]) && (q.After == "" || after.Before(&apps[i])) {
			hits = append(hits, apps[i])
		}
	}
	slices.SortFunc(hits, func(a, b ApplicationSummary) int {
		if a.Before(&b) {
			return -1
		}
		if b.Before(&a) {
			return 1
		}
		return 0
	})
	page := &ApplicationPage{Applications: []ApplicationSummary{}}
	for i := range hits {
		if len(page.Applications) == q.Limit {
			page.Next = page.Applications[q.Limit-1].Cursor()
			break
		}
		page.Applications = append(page.Applications, hits[i])
	}
	return page, nil
}
