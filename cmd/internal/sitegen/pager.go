package sitegen

import (
	"fmt"
	"time"
)

// splitEvents sets Upcoming and Past on the pagers of an events list.
func splitEvents(pagers []*Pager, now time.Time) {
	for _, pg := range pagers {
		for _, it := range pg.Items {
			if it.Upcoming(now) {
				pg.Upcoming = append(pg.Upcoming, it)
			} else {
				pg.Past = append(pg.Past, it)
			}
		}
	}
}

// pagerURL is the URL of page n of the list at base: base, base/page/2/ ….
func pagerURL(base string, n int) string {
	if n <= 1 {
		return base
	}
	return fmt.Sprintf("%spage/%d/", base, n)
}

// paginate splits items into pages of per items, at least one (empty) page.
func paginate(base string, items []*Page, per int) []*Pager {
	total := (len(items) + per - 1) / per
	if total == 0 {
		total = 1
	}
	pagers := make([]*Pager, total)
	var links []PagerLink
	for i := 1; i <= total; i++ {
		links = append(links, PagerLink{Number: i, URL: pagerURL(base, i)})
	}
	for i := range pagers {
		lo, hi := i*per, min((i+1)*per, len(items))
		pg := &Pager{Number: i + 1, Total: total, Items: items[lo:hi]}
		if i > 0 {
			pg.PrevURL = pagerURL(base, i)
		}
		if i+1 < total {
			pg.NextURL = pagerURL(base, i+2)
		}
		if total > 1 {
			pg.Links = pagerWindow(links, i)
		}
		pagers[i] = pg
	}
	return pagers
}

// pagerWindow returns the first and last page and two pages either side of
// the current one (index cur), with gaps between.
func pagerWindow(all []PagerLink, cur int) []PagerLink {
	var r []PagerLink
	last := -1
	for i, l := range all {
		if i == 0 || i == len(all)-1 || (i >= cur-2 && i <= cur+2) {
			if last >= 0 && i > last+1 {
				r = append(r, PagerLink{Gap: true})
			}
			l.Current = i == cur
			r = append(r, l)
			last = i
		}
	}
	return r
}
