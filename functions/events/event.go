package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// CatalogFile is the file of the published site that lists every event with
// registration settings (the generator writes it; the API reads it from the
// site's bucket, or `alliance serve` from its build).
const CatalogFile = "api-events.json"

// Registration modes of an event (front matter registration).
const (
	ModeOpen     = "open"     // registration on the event page, up to the capacity, then a waitlist
	ModeClosed   = "closed"   // no more registrations; those made stay valid and are checked in
	ModeExternal = "external" // registration on another site (ExternalURL)
)

// AssemblyKind is the content kind of the alliance's assembly (理事大会): its
// attendance counts as membership.EventGeneralAssembly, any other kind's as
// membership.EventActivity.
const AssemblyKind = "assembly"

// Event is what the API knows of an event: its page and its registration
// settings, as published.
type Event struct {
	Slug         string    `json:"slug"`
	Title        string    `json:"title"`
	URL          string    `json:"url"`
	Kind         string    `json:"kind"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end,omitzero"`
	Registration string    `json:"registration"`
	Capacity     int       `json:"capacity,omitempty"`
	RegisterBy   time.Time `json:"register_by,omitzero"`
	ExternalURL  string    `json:"external_url,omitempty"`
	Fee          string    `json:"fee,omitempty"`
}

// MaxCapacity is the most places an event may offer.
const MaxCapacity = 100000

var slugRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Check returns an EINVALID error naming the settings that are wrong, keyed
// by their front matter names: an open event needs a capacity; the deadline
// (registerBy) cannot be after the event ends; an external registration
// needs an https:// address.
func (e *Event) Check() error {
	fields := map[string]string{}
	if !slugRE.MatchString(e.Slug) {
		fields["slug"] = "活动的 slug 须为 1 至 100 个英文字母、数字、点、下划线或连字符（在线报名的地址用到它）"
	}
	if e.Title == "" {
		fields["title"] = "请填写活动名称"
	}
	if e.Start.IsZero() {
		fields["start"] = "请填写活动开始时间"
	} else if !e.End.IsZero() && e.End.Before(e.Start) {
		fields["end"] = "结束时间不能早于开始时间"
	}
	switch e.Registration {
	case ModeOpen, ModeClosed:
		if e.Capacity < 1 || e.Capacity > MaxCapacity {
			fields["capacity"] = fmt.Sprintf("在线报名须填写名额 capacity（1 至 %d 的整数）", MaxCapacity)
		}
	case ModeExternal:
		if u, err := url.Parse(e.ExternalURL); err != nil || u.Scheme != "https" || u.Host == "" {
			fields["registrationURL"] = "外部报名须填写 https:// 开头的报名网址 registrationURL"
		}
	default:
		fields["registration"] = "registration 须为 open（在线报名）、closed（报名已关闭）或 external（外部报名）"
	}
	if e.Registration != ModeExternal && e.ExternalURL != "" {
		fields["registrationURL"] = "registrationURL 只用于 registration: external"
	}
	if e.Registration == ModeExternal && e.Capacity != 0 {
		fields["capacity"] = "外部报名的名额由报名网站管理，此处不填 capacity"
	}
	if !e.RegisterBy.IsZero() && !e.Start.IsZero() && e.RegisterBy.After(e.Ends()) {
		fields["registerBy"] = "报名截止时间 registerBy 不能晚于活动结束时间"
	}
	if len([]rune(e.Fee)) > 100 {
		fields["fee"] = "会务费说明不能超过 100 个字"
	}
	if len(fields) > 0 {
		return &membership.Error{Code: membership.EINVALID, Op: "events: check event " + e.Slug, Message: "活动的报名设置有误", Fields: fields}
	}
	return nil
}

// Ends returns when the event ends: its end, or its start when it has none.
func (e *Event) Ends() time.Time {
	if e.End.IsZero() {
		return e.Start
	}
	return e.End
}

// Deadline returns when registration closes: registerBy, or the start.
func (e *Event) Deadline() time.Time {
	if e.RegisterBy.IsZero() {
		return e.Start
	}
	return e.RegisterBy
}

// AttendanceKind is the kind of attendance a check-in records (the lapse rule
// counts both).
func (e *Event) AttendanceKind() string {
	if e.Kind == AssemblyKind {
		return membership.EventGeneralAssembly
	}
	return membership.EventActivity
}

// Date is the day the event starts, in China (YYYY-MM-DD): the date of the
// attendance its check-in records.
func (e *Event) Date() string { return membership.Today(e.Start) }

// State is where an event's registration stands at a moment.
type State string

// States of an event's registration.
const (
	StateOpen     State = "open"     // 报名中
	StateFull     State = "full"     // 名额已满，可候补
	StateDeadline State = "deadline" // 报名已截止
	StateClosed   State = "closed"   // 报名已关闭
	StateExternal State = "external" // 通过外部网站报名
	StateEnded    State = "ended"    // 活动已结束
)

// StateLabels are the Chinese labels of the states.
var StateLabels = map[State]string{
	StateOpen:     "报名中",
	StateFull:     "已满（可候补）",
	StateDeadline: "报名截止",
	StateClosed:   "报名已关闭",
	StateExternal: "外部报名",
	StateEnded:    "活动已结束",
}

// State returns the state of the event's registration at now with the seats
// taken.
func (e *Event) State(now time.Time, s Seats) State {
	switch {
	case !now.Before(e.Ends()):
		return StateEnded
	case e.Registration == ModeExternal:
		return StateExternal
	case e.Registration != ModeOpen:
		return StateClosed
	case !now.Before(e.Deadline()):
		return StateDeadline
	case s.Confirmed >= e.Capacity || len(s.Queue) > 0:
		return StateFull
	}
	return StateOpen
}

// CheckOpen returns nil when the event takes registrations at now, else an
// ECONFLICT error saying why not (ended, past the deadline, closed, or
// registered elsewhere).
func (e *Event) CheckOpen(now time.Time) error {
	const op = "events: check open"
	switch e.State(now, Seats{}) {
	case StateEnded:
		return membership.Errorf(membership.ECONFLICT, op, "活动「%s」已结束，不能再报名", e.Title)
	case StateExternal:
		return membership.Errorf(membership.ECONFLICT, op, "活动「%s」通过外部网站报名：%s", e.Title, e.ExternalURL)
	case StateClosed:
		return membership.Errorf(membership.ECONFLICT, op, "活动「%s」的报名已关闭", e.Title)
	case StateDeadline:
		return membership.Errorf(membership.ECONFLICT, op, "活动「%s」的报名已于 %s 截止", e.Title, cnTime(e.Deadline()))
	}
	return nil
}

// cnTime writes a moment as 2026年12月5日 14:00 (Beijing time).
func cnTime(t time.Time) string { return t.In(membership.China).Format("2006年1月2日 15:04") }

// Catalog is the published list of events with registration settings
// (CatalogFile), by slug.
type Catalog struct {
	Events []Event `json:"events"`
	bySlug map[string]*Event
}

// ParseCatalog reads a catalog as the generator writes it and checks every
// event in it. Errors: EINTERNAL for a file that is not a valid catalog.
func ParseCatalog(b []byte) (*Catalog, error) {
	const op = "events: parse catalog"
	c := &Catalog{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, membership.Internal(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, membership.Internal(op, fmt.Errorf("data after the catalog"))
	}
	c.bySlug = make(map[string]*Event, len(c.Events))
	for i := range c.Events {
		e := &c.Events[i]
		if err := e.Check(); err != nil {
			return nil, membership.Internal(op, fmt.Errorf("event %q: %w", e.Slug, err))
		}
		if c.bySlug[e.Slug] != nil {
			return nil, membership.Internal(op, fmt.Errorf("event %q listed twice", e.Slug))
		}
		c.bySlug[e.Slug] = e
	}
	return c, nil
}

// Event returns the event with the slug. Errors: ENOTFOUND when the published
// site has no such event with registration.
func (c *Catalog) Event(slug string) (*Event, error) {
	if e := c.bySlug[slug]; e != nil {
		return e, nil
	}
	return nil, membership.Errorf(membership.ENOTFOUND, "events: find event", "没有找到这个活动的报名（活动可能已取消，或链接有误）")
}
