// Package events is the domain of event registration and check-in: an event's
// registration settings as the site publishes them (Event, Catalog), the
// registrations visitors make on the event page (Registration, Input), the
// rules of capacity, waitlist and promotion (Admit, Promotions), of
// cancellation, and of the check-in at the door, which records the attendance
// the lapse rule of 第十五条 reads (membership.Attendance). Like package
// membership it knows no HTTP and no AWS: handlers translate, stores persist
// (atomically, so that N places never hold N+1 confirmed registrations).
//
// Content is the one source of truth about events: the generator writes the
// settings of every event with registration into CatalogFile, which the API
// reads from the published site and never from the browser.
package events
