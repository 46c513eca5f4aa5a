package dynamo_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestAdminContract runs the back office's contract suite against DynamoDB
// Local, which supports the transactions the store uses.
func TestAdminContract(t *testing.T) {
	storetest.RunAdmin(t, func(t *testing.T) storetest.AdminStore { return newStore(t) })
}

func TestAdminFullPath(t *testing.T) {
	storetest.FullPath(t, newStore(t))
}

func benchStore(b *testing.B) *dynamo.Store {
	n, err := server.NewTables(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	return dynamo.New(server.Client, n)
}

func BenchmarkAdminTransition(b *testing.B) { storetest.BenchTransition(b, benchStore(b)) }

func BenchmarkAdminPayment(b *testing.B) { storetest.BenchPayment(b, benchStore(b)) }

func BenchmarkTransitionMail(b *testing.B) { storetest.BenchTransitionMail(b, benchStore(b)) }

func TestAdminConcurrentHTTP(t *testing.T) {
	storetest.ConcurrentHTTP(t, newStore(t))
}

// TestListsFollowPages fills the member and attendance lists past the 1 MB a
// Query page holds: Members and Attendance must return every item, not the
// first page.
func TestListsFollowPages(t *testing.T) {
	ctx := t.Context()
	n, err := server.NewTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := dynamo.New(server.Client, n)
	const count = 250 // × ~5 KB each: about 1.2 MB per list, two pages at least
	pad := strings.Repeat("联盟", 800)
	var reqs []types.WriteRequest
	flush := func() {
		if len(reqs) == 0 {
			return
		}
		out, err := server.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{n.Members: reqs}})
		if err != nil {
			t.Fatalf("batch write: %v", err)
		}
		if len(out.UnprocessedItems) > 0 {
			t.Fatalf("batch write: %d unprocessed", len(out.UnprocessedItems))
		}
		reqs = reqs[:0]
	}
	put := func(v any, pk, sk string) {
		item, err := attributevalue.MarshalMap(v)
		if err != nil {
			t.Fatal(err)
		}
		item["pk"], item["sk"] = &types.AttributeValueMemberS{Value: pk}, &types.AttributeValueMemberS{Value: sk}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(reqs) == 25 {
			flush()
		}
	}
	for i := range count {
		cert := membership.FormatCertificate(2026, i+1)
		put(membership.Member{Certificate: cert, Application: "SQ2026-000001", Type: membership.TypeEnterprise, JoinedOn: "2026-01-05",
			Profile: membership.Profile{Name: "会员", Introduction: pad}, Status: membership.MemberActive, Version: 1}, "MEMBER", cert)
		put(membership.Attendance{Member: cert, Event: "2026-assembly", Title: pad, Kind: membership.EventGeneralAssembly,
			Date: "2026-03-01", RecordedBy: "clerk-1"}, "ATTENDANCE", cert+"#2026-assembly")
	}
	flush()
	ms, err := st.Members(ctx)
	if err != nil || len(ms) != count {
		t.Fatalf("Members: got %d, %v; want %d", len(ms), err, count)
	}
	att, err := st.Attendance(ctx)
	if err != nil || len(att) != count {
		t.Fatalf("Attendance: got %d members, %v; want %d", len(att), err, count)
	}
}

// TestSessionContract runs the contract suite of the console's sessions
// against DynamoDB Local.
func TestSessionContract(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) httpapi.SessionStore { return newStore(t) })
}

func BenchmarkAdminList(b *testing.B) {
	for name, q := range storetest.ListQueries {
		b.Run(name, func(b *testing.B) { storetest.BenchList(b, benchStore(b), q) })
	}
}
