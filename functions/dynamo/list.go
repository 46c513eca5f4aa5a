package dynamo

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
)

// Applications returns the page of the applications q asks for (see
// backoffice.Store) from the by_status index, without a Scan: a number is
// looked up directly; otherwise each status asked for is one stream of
// Query pages in created_at order (with the search as a filter expression),
// and the streams are merged until the page is full. A status list thus
// reads about one page per status, whatever the number of applications.
// Errors: EINVALID for a bad cursor; EUNAVAILABLE, EINTERNAL.
func (s *Store) Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error) {
	const op = "dynamo: list applications"
	if n := q.SearchNumber(); n != "" {
		app, err := s.Application(ctx, n)
		switch membership.ErrorCode(err) {
		case "":
			return q.PageOf([]membership.ApplicationSummary{app.Summary()})
		case membership.ENOTFOUND: // a name may look like a number: search on
		default:
			return nil, err
		}
	}
	after, err := membership.ParseCursor(q.After)
	if err != nil {
		return nil, err
	}
	statuses := []membership.Status{q.Status}
	if q.Status == "" {
		statuses = slices.Sorted(func(yield func(membership.Status) bool) {
			for st := range membership.StatusLabels {
				if !yield(st) {
					return
				}
			}
		})
	}
	streams := make([]*statusStream, len(statuses))
	for i, st := range statuses {
		in, err := s.statusQuery(q, st, after)
		if err != nil {
			return nil, fail(op, err)
		}
		streams[i] = &statusStream{client: s.client, in: in, after: after, from: q.After != ""}
	}
	if err := fillAll(ctx, streams); err != nil {
		return nil, fail(op, err)
	}
	page := &membership.ApplicationPage{Applications: []membership.ApplicationSummary{}}
	for {
		var first *statusStream
		for _, st := range streams {
			if h := st.head(); h != nil && (first == nil || h.Before(first.head())) {
				first = st
			}
		}
		if first == nil {
			return page, nil
		}
		if len(page.Applications) == q.Limit {
			page.Next = page.Applications[q.Limit-1].Cursor()
			return page, nil
		}
		page.Applications = append(page.Applications, first.pop())
		if err := first.fill(ctx); err != nil {
			return nil, fail(op, err)
		}
	}
}

// statusQuery is the Query of one status partition of the by_status index
// for q: from the second of the cursor on, the search as a filter, only the
// summary's attributes.
func (s *Store) statusQuery(q membership.ApplicationQuery, st membership.Status, after membership.ApplicationSummary) (*dynamodb.QueryInput, error) {
	key := expression.Key("status").Equal(expression.Value(string(st)))
	if !after.CreatedAt.IsZero() {
		// Every created_at string of that second starts with this prefix and
		// sorts after it (the attribute is RFC 3339 with a trimmed fraction).
		key = key.And(expression.Key("created_at").GreaterThanEqual(expression.Value(secondOf(after.CreatedAt))))
	}
	var proj expression.ProjectionBuilder
	for _, a := range membership.SummaryAttributes {
		proj = proj.AddNames(expression.Name(a))
	}
	b := expression.NewBuilder().WithKeyCondition(key).WithProjection(proj)
	limit := aws.Int32(int32(q.Limit) + 1)
	if q.Search != "" {
		code := expression.Value(q.SearchCode())
		b = b.WithFilter(expression.Contains(expression.Name("org_name"), q.Search).
			Or(expression.Contains(expression.Name("contact"), q.Search)).
			Or(expression.Name("credit_code").Equal(code)).
			Or(expression.Name("number").Equal(code)))
		limit = nil // a filter drops items after Limit counts them: read whole pages
	}
	e, err := b.Build()
	if err != nil {
		return nil, err
	}
	return &dynamodb.QueryInput{
		TableName: aws.String(s.tables.Applications), IndexName: aws.String(IndexByStatus),
		KeyConditionExpression: e.KeyCondition(), FilterExpression: e.Filter(), ProjectionExpression: e.Projection(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(), Limit: limit,
	}, nil
}

// secondOf returns t in UTC as RFC 3339 up to its seconds, without a zone.
func secondOf(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// statusStream reads one status partition in list order. DynamoDB orders
// the partition by the created_at string, which is not time order within
// one second ("…05.12Z" sorts after "…05.123Z") and leaves equal times in
// any order; so the stream hands out a second's applications only once it
// has read all of them, sorted by time and number.
type statusStream struct {
	client *dynamodb.Client
	in     *dynamodb.QueryInput
	after  membership.ApplicationSummary // the cursor: only what comes after it
	from   bool                          // whether there is a cursor
	read   []membership.ApplicationSummary
	ready  []membership.ApplicationSummary // whole seconds, sorted
	done   bool                            // no more pages
}

func (st *statusStream) head() *membership.ApplicationSummary {
	if len(st.ready) == 0 {
		return nil
	}
	return &st.ready[0]
}

func (st *statusStream) pop() membership.ApplicationSummary {
	a := st.ready[0]
	st.ready = st.ready[1:]
	return a
}

// fill reads pages until a whole second is ready or the partition ends.
func (st *statusStream) fill(ctx context.Context) error {
	for len(st.ready) == 0 {
		if i := st.secondEnd(); i > 0 {
			st.take(i)
			continue
		}
		if st.done {
			if len(st.read) == 0 {
				return nil
			}
			st.take(len(st.read))
			continue
		}
		out, err := st.client.Query(ctx, st.in)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		var page []membership.ApplicationSummary
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
			return err
		}
		st.read = append(st.read, page...)
		st.in.ExclusiveStartKey = out.LastEvaluatedKey
		st.done = out.LastEvaluatedKey == nil
	}
	return nil
}

// secondEnd returns the index of the first read application of a later
// second than the first one's, or 0 when every read one is of that second.
func (st *statusStream) secondEnd() int {
	for i := range st.read {
		if secondOf(st.read[i].CreatedAt) != secondOf(st.read[0].CreatedAt) {
			return i
		}
	}
	return 0
}

// take makes the first n read applications ready, in list order, leaving
// out those not after the cursor.
func (st *statusStream) take(n int) {
	sec := st.read[:n:n]
	st.read = st.read[n:]
	slices.SortFunc(sec, func(a, b membership.ApplicationSummary) int {
		if a.Before(&b) {
			return -1
		}
		if b.Before(&a) {
			return 1
		}
		return 0
	})
	for _, a := range sec {
		if !st.from || st.after.Before(&a) {
			st.ready = append(st.ready, a)
		}
	}
}

// fillAll fills the streams' first pages at once.
func fillAll(ctx context.Context, streams []*statusStream) error {
	errs := make([]error, len(streams))
	var wg sync.WaitGroup
	for i, st := range streams {
		wg.Go(func() { errs[i] = st.fill(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ApplicationCounts returns how many applications there are of each status,
// counting each partition of the by_status index. Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) ApplicationCounts(ctx context.Context) (map[membership.Status]int, error) {
	const op = "dynamo: count applications"
	counts := map[membership.Status]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(membership.StatusLabels))
	for st := range membership.StatusLabels {
		wg.Go(func() {
			n, err := s.countStatus(ctx, st)
			if err != nil {
				errs <- fmt.Errorf("count %s: %w", st, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if n > 0 {
				counts[st] = n
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fail(op, err)
	}
	return counts, nil
}

func (s *Store) countStatus(ctx context.Context, st membership.Status) (int, error) {
	e, err := expression.NewBuilder().WithKeyCondition(expression.Key("status").Equal(expression.Value(string(st)))).Build()
	if err != nil {
		return 0, err
	}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName: aws.String(s.tables.Applications), IndexName: aws.String(IndexByStatus), Select: types.SelectCount,
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += int(out.Count)
	}
	return n, nil
}
