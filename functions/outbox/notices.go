package outbox

import (
	"strconv"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// applicationKinds is the message of each status an application moves to.
var applicationKinds = map[membership.Status]Kind{
	membership.StatusSubmitted: KindReceived,
	membership.StatusReviewed:  KindReviewed,
	membership.StatusApproved:  KindApproved,
	membership.StatusFiled:     KindFiled,
	membership.StatusCertified: KindCertified,
	membership.StatusRejected:  KindRejected,
	membership.StatusWithdrawn: KindWithdrawn,
}

// ForApplication returns the messages due for the application's history
// events from index since on: one to the contact's address for each move to
// another status (submission included), keyed by the application number and
// the event's index, so that one move can never write two. A store calls it
// with the length the history had before the change, after it has given the
// application its number (and, on certification, its certificate number),
// and writes what it returns in the same transaction. An application
// without an address (erased) gets none.
func ForApplication(a *membership.Application, since int) []Entry {
	if a.Email == "" {
		return nil
	}
	var out []Entry
	for i := max(since, 0); i < len(a.History); i++ {
		ev := a.History[i]
		kind, ok := applicationKinds[ev.To]
		if !ok || ev.From == ev.To {
			continue
		}
		data := map[string]string{
			"number": a.Number, "org": a.OrgName, "type": membership.Label(membership.MemberTypes, string(a.Type)),
			"status": membership.StatusLabels[ev.To], "date": chinaDate(membership.Today(ev.At)),
		}
		switch ev.To {
		case membership.StatusSubmitted:
			data["token"] = a.StatusToken // only in the request that submitted it
			data["documents"] = ""        // the templates name it: a missing field is an error
			if a.DocumentsMissing() {
				// 材料不全 at submission: the join page uploads the files just after,
				// so the mail says what is asked and where to upload it, not that it lacks.
				data["documents"] = membership.DocumentsMissingLabel
			}
		case membership.StatusRejected, membership.StatusWithdrawn:
			data["reason"] = ev.Note
		case membership.StatusFiled:
			if a.Filing != nil {
				data["filing_date"] = a.Filing.Date
			}
		case membership.StatusCertified:
			data["certificate"] = a.CertificateNumber
		}
		out = append(out, New(kind, a.Number, "h"+strconv.Itoa(i), a.Email, a.Contact, data, ev.At))
	}
	return out
}

// registrationKinds is the message of each outcome of a registration.
var registrationKinds = map[events.Status]Kind{
	events.StatusConfirmed:  KindConfirmed,
	events.StatusWaitlisted: KindWaitlisted,
}

// ForRegistration returns the message telling the registrant how the
// registration for ev came out (confirmed or waitlisted), keyed by its code;
// nil for a walk-in or without an address. The store calls it once it has
// decided the status and given the code, in the write that stores it.
func ForRegistration(ev *events.Event, r *events.Registration) []Entry {
	kind, ok := registrationKinds[r.Status]
	if !ok || r.WalkIn || r.Email == "" {
		return nil
	}
	return []Entry{registrationEntry(kind, ev, r, r.CreatedAt)}
}

// ForPromotion returns the message telling a registrant for ev that a place
// was freed for them (events.Registration.Promote), keyed by the code; the
// store writes it with the promotion.
func ForPromotion(ev *events.Event, r *events.Registration, now time.Time) []Entry {
	if r.Email == "" || r.Status != events.StatusConfirmed {
		return nil
	}
	return []Entry{registrationEntry(KindPromoted, ev, r, now)}
}

func registrationEntry(kind Kind, ev *events.Event, r *events.Registration, at time.Time) Entry {
	data := map[string]string{
		"code": r.Code, "event": ev.Title, "start": ChinaTime(ev.Start), "url": ev.URL, "org": r.Org,
	}
	tag := string(r.Status)
	if kind == KindPromoted {
		tag = "promoted"
	}
	return New(kind, r.Code, tag, r.Email, r.Name, data, at)
}

// ChinaTime writes t as a date and time in China, the way the site does:
// 2026年12月5日 14:00.
func ChinaTime(t time.Time) string {
	return t.In(membership.China).Format("2006年1月2日 15:04")
}
