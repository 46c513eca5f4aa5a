package sitegen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// The events' registration settings reach the API through one generated file,
// events.CatalogFile (/api-events.json): every published event whose front
// matter sets registration, as events.Event. The API reads it from the
// published site (functions/sitebucket; `alliance serve` from its build), so
// content stays the one source of truth and nothing about an event is taken
// from the browser.

// checkRegistration checks an event's registration settings with the rules
// of package events, naming the file and line of the first wrong field.
func checkRegistration(p *Page, line func(field string) string) error {
	if p.Registration == "" {
		for field, set := range map[string]bool{"capacity": p.Capacity != 0, "registerBy": !p.RegisterBy.IsZero(),
			"registrationURL": p.RegistrationURL != "", "fee": p.Fee != ""} {
			if set {
				return fmt.Errorf("%s: %s needs registration: open, closed or external", line(field), field)
			}
		}
		return nil
	}
	err := p.RegistrationEvent().Check()
	fields := membership.ErrorFields(err)
	if err == nil || len(fields) == 0 {
		return err
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var msgs []string
	for _, k := range keys {
		msgs = append(msgs, fmt.Sprintf("%s: %s: %s", line(k), k, fields[k]))
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

// eventCatalog renders events.CatalogFile for the site's published events
// with registration, soonest first.
func eventCatalog(site *Site) ([]byte, error) {
	c := events.Catalog{Events: []events.Event{}}
	for _, p := range site.Section("events") {
		if p.Registration != "" {
			c.Events = append(c.Events, *p.RegistrationEvent())
		}
	}
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return nil, fmt.Errorf("render /%s: %w", events.CatalogFile, err)
	}
	return append(b, '\n'), nil
}
