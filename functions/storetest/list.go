package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// listed stores applications created at the given offsets from t0, each
// with its own name and credit code, and returns their numbers in creation
// order. Offsets within one second test the order a store lists them in:
// RFC 3339 strings with trimmed fractions ("…02.12Z", "…02.123Z", "…02Z")
// do not sort like the times they stand for.
func listed(t *testing.T, s AdminStore, offsets []time.Duration) []string {
	t.Helper()
	var numbers []string
	for i, off := range offsets {
		a := Sample(t0.Add(off))
		a.OrgName = names[i%len(names)]
		a.Contact = contacts[i%len(contacts)]
		a.CreditCode = listCodes[i%len(listCodes)]
		if err := s.CreateApplication(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateApplication: %v", err)
		}
		numbers = append(numbers, a.Number)
	}
	return numbers
}

var (
	names     = []string{"北京甲子科技有限公司", "上海乙丑信息技术有限公司", "深圳丙寅电子股份有限公司", "杭州丁卯生物医药有限公司", "成都戊辰软件有限公司", "苏州己巳精密制造有限公司", "武汉庚午光电科技有限公司"}
	contacts  = []string{"王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏"}
	listCodes = []string{"91110000600037341L", "91310000MA1FL8XQ30", "914403001922038216", "91330100MA28XJ4T6Q", "91510100MA61RWQ16P", "91320500MA1MXR8E2W", "91420100MA4KUN3F9R"}
)

// pageAll reads every page of q with the given page size and returns the
// numbers in the order listed.
func pageAll(t *testing.T, s AdminStore, q membership.ApplicationQuery) []string {
	t.Helper()
	var got []string
	for range 100 {
		p, err := s.Applications(t.Context(), q)
		if err != nil {
			t.Fatalf("Applications(%+v): %v", q, err)
		}
		if len(p.Applications) > q.Limit {
			t.Fatalf("Applications(%+v): got %d on a page, want at most %d", q, len(p.Applications), q.Limit)
		}
		for _, a := range p.Applications {
			got = append(got, a.Number)
		}
		if p.Next == "" {
			return got
		}
		if len(p.Applications) == 0 {
			t.Fatalf("Applications(%+v): an empty page with a next page", q)
		}
		q.After = p.Next
	}
	t.Fatalf("Applications(%+v): more than 100 pages", q)
	return nil
}

func testApplicationList(t *testing.T, s AdminStore) {
	n := listed(t, s, []time.Duration{0, time.Second, 2120 * time.Millisecond, 2123 * time.Millisecond, 2 * time.Second,
		3 * time.Second, 3 * time.Second})
	advance(t, s, n[1], membership.StatusReviewed)
	// Oldest first, then by number: the fraction of a second counts, equal times go by number.
	inOrder := []string{n[0], n[1], n[4], n[2], n[3], n[5], n[6]}
	submitted := slices.DeleteFunc(slices.Clone(inOrder), func(x string) bool { return x == n[1] })
	tests := []struct {
		name string
		q    membership.ApplicationQuery
		want []string
	}{
		{"all, one page", membership.ApplicationQuery{Limit: 50}, inOrder},
		{"all, pages of 2", membership.ApplicationQuery{Limit: 2}, inOrder},
		{"all, pages of 1", membership.ApplicationQuery{Limit: 1}, inOrder},
		{"status, pages of 2", membership.ApplicationQuery{Status: membership.StatusSubmitted, Limit: 2}, submitted},
		{"status, none", membership.ApplicationQuery{Status: membership.StatusCertified, Limit: 2}, nil},
		{"number", membership.ApplicationQuery{Search: strings.ToLower(n[3]), Limit: 2}, []string{n[3]}},
		{"number, other status", membership.ApplicationQuery{Search: n[3], Status: membership.StatusReviewed, Limit: 2}, nil},
		{"credit code", membership.ApplicationQuery{Search: strings.ToLower(listCodes[2]), Limit: 2}, []string{n[2]}},
		{"part of a name", membership.ApplicationQuery{Search: "科技", Limit: 1}, []string{n[0], n[6]}},
		{"part of a name and status", membership.ApplicationQuery{Search: "有限公司", Status: membership.StatusReviewed, Limit: 5}, []string{n[1]}},
		{"contact", membership.ApplicationQuery{Search: "刘洋", Limit: 5}, []string{n[3]}},
		{"nothing matches", membership.ApplicationQuery{Search: "不存在的单位", Limit: 5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.q.Normal()
			if err != nil {
				t.Fatal(err)
			}
			if got := pageAll(t, s, q); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	p, err := s.Applications(t.Context(), membership.ApplicationQuery{Limit: 1})
	if err != nil || len(p.Applications) != 1 {
		t.Fatalf("first page: %v, %v", p, err)
	}
	if a := p.Applications[0]; a.Number != n[0] || a.OrgName != names[0] || a.CreditCode != listCodes[0] || a.Contact != contacts[0] ||
		a.Status != membership.StatusSubmitted || a.Version != 1 || !a.CreatedAt.Equal(t0) || a.Type != membership.TypeEnterprise || a.Region != "北京市" {
		t.Errorf("summary: got %+v, want %s as stored", a, n[0])
	}
	_, err = s.Applications(t.Context(), membership.ApplicationQuery{Limit: 1, After: "not-a-cursor"})
	wantCode(t, "a bad cursor", err, membership.EINVALID)
}

func testApplicationCounts(t *testing.T, s AdminStore) {
	empty, err := s.ApplicationCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for st, c := range empty {
		if c != 0 {
			t.Errorf("empty store: got %d %s, want 0", c, st)
		}
	}
	n := created(t, s, 4)
	advance(t, s, n[1], membership.StatusReviewed)
	advance(t, s, n[2], membership.StatusFiled)
	got, err := s.ApplicationCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[membership.Status]int{membership.StatusSubmitted: 2, membership.StatusReviewed: 1, membership.StatusFiled: 1}
	for st := range membership.StatusLabels {
		if got[st] != want[st] {
			t.Errorf("%s: got %d, want %d", st, got[st], want[st])
		}
	}
}

// testListsPastDeadline: the lists and counts of the console fail with
// EUNAVAILABLE once the request's deadline has passed (a 503, not a 500).
func testListsPastDeadline(t *testing.T, s AdminStore) {
	listed(t, s, []time.Duration{0, time.Second})
	late, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	for _, q := range []membership.ApplicationQuery{{Limit: 10}, {Status: membership.StatusSubmitted, Limit: 10}, {Search: "科技", Limit: 10}} {
		_, err := s.Applications(late, q)
		wantCode(t, fmt.Sprintf("Applications(%+v) past the deadline", q), err, membership.EUNAVAILABLE)
	}
	_, err := s.ApplicationCounts(late)
	wantCode(t, "ApplicationCounts past the deadline", err, membership.EUNAVAILABLE)
}
