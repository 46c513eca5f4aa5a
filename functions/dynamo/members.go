package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
)

// Partitions of the members table that the lists query.
const (
	partMembers    = "MEMBER"
	partAttendance = "ATTENDANCE"
)

// backOfficeTables defines the members and dues tables:
//
//	members  pk "pk" (S), sk "sk" (S)
//	         member:     pk "MEMBER", sk certificate number, Member's attributes
//	         attendance: pk "ATTENDANCE", sk "<certificate>#<event>", Attendance's attributes;
//	                     a voided record entered again is kept at sk "<certificate>#<event>#void#<time>"
//	         counter:    pk "COUNTER#LM<year>", sk "counter", seq (N): last certificate issued
//
// Members and attendance each live in one partition, so that a list is one
// strongly consistent, paginated Query: the alliance has hundreds of members,
// far below a partition's throughput.
//
//	dues     pk "pk" (S), sk "sk" (S)
//	         fee schedule:      pk "FEES", sk "<year>"
//	         ledger entry:      pk "PAY#<year>", sk payment id
//	         member-year claim: pk "CLAIM#<year>", sk certificate number, payment (S)
//	         receipt claim:     pk "RECEIPT#<receipt>", sk "receipt", payment (S)
func backOfficeTables(n TableNames) []Table {
	key := func(name string) Table {
		return Table{Create: dynamodb.CreateTableInput{
			TableName:   aws.String(name),
			BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
		}}
	}
	members := key(n.Members)
	members.Logical = "members"
	members.Create.AttributeDefinitions = append(members.Create.AttributeDefinitions,
		types.AttributeDefinition{AttributeName: aws.String("credit_code"), AttributeType: types.ScalarAttributeTypeS},
		types.AttributeDefinition{AttributeName: aws.String("certificate"), AttributeType: types.ScalarAttributeTypeS})
	members.Create.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{creditCodeIndex("certificate")}
	dues := key(n.Dues)
	dues.Logical = "dues"
	return []Table{members, dues}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(pk), "sk": str(sk)}
}

// marshalItem marshals v and adds the key attributes.
func marshalItem(v any, pk, sk string) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, err
	}
	item["pk"], item["sk"] = str(pk), str(sk)
	return item, nil
}

// condition builds a condition expression.
func condition(c expression.ConditionBuilder) (expression.Expression, error) {
	return expression.NewBuilder().WithCondition(c).Build()
}

func notExists() expression.ConditionBuilder {
	return expression.AttributeNotExists(expression.Name("pk"))
}

func versionIs(v int) expression.ConditionBuilder {
	return expression.Name("version").Equal(expression.Value(v))
}

// condPut is an item to put into a table on a condition.
type condPut struct {
	table string
	item  map[string]types.AttributeValue
	c     expression.ConditionBuilder
}

// conditionalPut returns a transaction Put of item under the condition.
func conditionalPut(table string, item map[string]types.AttributeValue, c expression.ConditionBuilder) (*types.Put, error) {
	e, err := condition(c)
	if err != nil {
		return nil, err
	}
	return &types.Put{TableName: aws.String(table), Item: item, ConditionExpression: e.Condition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}, nil
}

// putIf writes item to table on condition c and reports whether the condition held;
// a failed condition is not an error. Errors: EUNAVAILABLE, EINTERNAL, wrapped with op.
func (s *Store) putIf(ctx context.Context, op, table string, item map[string]types.AttributeValue, c expression.ConditionBuilder) (bool, error) {
	put, err := conditionalPut(table, item, c)
	if err != nil {
		return false, fail(op, err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
		ConditionExpression: put.ConditionExpression, ExpressionAttributeNames: put.ExpressionAttributeNames,
		ExpressionAttributeValues: put.ExpressionAttributeValues})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fail(op, err)
	}
	return true, nil
}

// failedConditions returns, for a cancelled transaction, which of its items
// failed their condition; ok is false for any other error.
func failedConditions(err error) (failed []bool, ok bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	for _, r := range tce.CancellationReasons {
		failed = append(failed, aws.ToString(r.Code) == "ConditionalCheckFailed")
	}
	return failed, true
}

// maxIssueTries bounds the retries of a certificate issue that lost the race
// for the next number to another issue (not to a change of the application).
const maxIssueTries = 20

// errRetryIssue says that an attempt to issue a certificate lost the race for
// its number: read the counter again.
var errRetryIssue = errors.New("dynamo: the certificate number was taken meanwhile")

// IssueCertificate certifies the application and creates its member in one
// TransactWriteItems: the application (condition: its version), the member
// (condition: new), the year's certificate counter (condition: unchanged
// since read), so numbers have no gaps and no duplicates, and the claim on the
// credit code, moved from the application to the member (condition: free or
// held by the application).
// Errors: ENOTFOUND, ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) IssueCertificate(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) (*membership.Member, error)) (*membership.Application, *membership.Member, error) {
	op := "dynamo: issue certificate " + number
	for attempt := 1; attempt <= maxIssueTries; attempt++ {
		app, m, err := s.issue(ctx, op, number, expectedVersion, fn)
		if err != errRetryIssue {
			return app, m, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, nil, fail(op, err)
		}
	}
	return nil, nil, membership.Errorf(membership.ECONFLICT, op, "证书编号分配繁忙，请重试")
}

// issue is one attempt of IssueCertificate. Errors: errRetryIssue, or those of
// IssueCertificate.
func (s *Store) issue(ctx context.Context, op, number string, expectedVersion int, fn func(*membership.Application) (*membership.Member, error)) (*membership.Application, *membership.Member, error) {
	var m *membership.Member
	app, version, mail, err := prepare(ctx, s, applicationKind, op, number, expectedVersion, func(a *membership.Application) (err error) {
		m, err = fn(a)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	year := membership.NumberYear(s.now())
	ck := "COUNTER#LM" + strconv.Itoa(year)
	seq, err := s.counter(ctx, ck)
	if err != nil {
		return nil, nil, fail(op, err)
	}
	m.Certificate, m.Version = membership.FormatCertificate(year, seq+1), 1
	app.CertificateNumber = m.Certificate

	appItem, err := attributevalue.MarshalMap(app)
	if err != nil {
		return nil, nil, fail(op, err)
	}
	memberItem, err := marshalItem(m, partMembers, m.Certificate)
	if err != nil {
		return nil, nil, fail(op, err)
	}
	counterCond := notExists()
	if seq > 0 {
		counterCond = expression.Name("seq").Equal(expression.Value(seq))
	}
	conds := []condPut{
		{s.tables.Applications, appItem, versionIs(version)},
		{s.tables.Members, memberItem, notExists()},
		{s.tables.Members, map[string]types.AttributeValue{"pk": str(ck), "sk": str("counter"), "seq": &types.AttributeValueMemberN{Value: strconv.Itoa(seq + 1)}}, counterCond},
	}
	code := m.CreditClaim()
	if code != "" {
		conds = append(conds, condPut{s.tables.Applications, claimItem(code, m.Certificate), claimFreeOr(number)})
	}
	items := make([]types.TransactWriteItem, len(conds))
	for i, c := range conds {
		if items[i].Put, err = conditionalPut(c.table, c.item, c.c); err != nil {
			return nil, nil, fail(op, err)
		}
	}
	mails, err := s.mailPuts(mail()) // after the numbers: the mail names the certificate
	if err != nil {
		return nil, nil, fail(op, err)
	}
	err = s.transact(ctx, append(items, mails...))
	switch {
	case err == nil:
		return app, m, nil
	case failedCondition(err, 0):
		return nil, nil, conflict(applicationKind, op, number)
	case failedCondition(err, 1), failedCondition(err, 2), isTransactionConflict(err):
		return nil, nil, errRetryIssue
	case code != "" && failedCondition(err, 3):
		return nil, nil, s.heldError(ctx, op, code)
	}
	return nil, nil, fail(op, err)
}

// counter returns the value of a counter item, 0 when it does not exist.
func (s *Store) counter(ctx context.Context, pk string) (int, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.tables.Members), Key: itemKey(pk, "counter"), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("get counter %s: %w", pk, err)
	}
	var c struct {
		Seq int `dynamodbav:"seq"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &c); err != nil {
		return 0, fmt.Errorf("unmarshal counter %s: %w", pk, err)
	}
	return c.Seq, nil
}

// Member returns the member with the certificate number. Errors: ENOTFOUND, EUNAVAILABLE, EINTERNAL.
func (s *Store) Member(ctx context.Context, certificate string) (*membership.Member, error) {
	op := "dynamo: get member " + certificate
	if certificate == "" {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到会员")
	}
	var m membership.Member
	found, err := s.getItem(ctx, op, s.tables.Members, itemKey(partMembers, certificate), &m)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到会员 %s", certificate)
	}
	return &m, nil
}

// queryPartition reads every item of a partition of the members table, in
// sort key order, with strongly consistent reads, following LastEvaluatedKey
// from page to page (a Query page holds at most 1 MB).
func (s *Store) queryPartition(ctx context.Context, pk string, out any) error {
	e, err := expression.NewBuilder().WithKeyCondition(expression.Key("pk").Equal(expression.Value(pk))).Build()
	if err != nil {
		return err
	}
	err = s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.tables.Members), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	}, out)
	if err != nil {
		return fmt.Errorf("query %s: %w", pk, err)
	}
	return nil
}

// queryAll reads every page of the query into out, a pointer to a slice.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput, out any) error {
	p := dynamodb.NewQueryPaginator(s.client, in)
	var items []map[string]types.AttributeValue
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		items = append(items, page.Items...)
	}
	return attributevalue.UnmarshalListOfMaps(items, out)
}

// Members lists every member by certificate number, including one certified
// a moment ago (the read is strongly consistent).
func (s *Store) Members(ctx context.Context) ([]membership.Member, error) {
	ms := []membership.Member{}
	if err := s.queryPartition(ctx, partMembers, &ms); err != nil {
		return nil, fail("dynamo: list members", err)
	}
	return ms, nil
}

// UpdateMember applies fn to the member; the put is conditional on the
// version read. Errors: ENOTFOUND, ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) UpdateMember(ctx context.Context, certificate string, expectedVersion int, fn func(*membership.Member) error) (*membership.Member, error) {
	return update(ctx, s, memberKind, "dynamo: update member "+certificate, certificate, expectedVersion, fn)
}

// AddAttendance records a member's attendance of an event, on condition that
// the member exists and the event's record does not, or was voided: a voided
// record is first kept under "<key>#void#<time>", in the same
// TransactWriteItems. Only Puts are used, which the function's policy allows.
// Errors: ENOTFOUND, ECONFLICT, EUNAVAILABLE, EINTERNAL.
func (s *Store) AddAttendance(ctx context.Context, a *membership.Attendance) error {
	op := "dynamo: add attendance " + a.Member + " " + a.Event
	sk := a.Member + "#" + a.Event
	var old membership.Attendance
	found, err := s.getItem(ctx, op, s.tables.Members, itemKey(partAttendance, sk), &old)
	if err != nil {
		return err
	}
	if found && old.Voided == nil {
		return membership.Errorf(membership.ECONFLICT, op, "会员 %s 出席活动 %s 已登记", a.Member, a.Event)
	}
	item, err := marshalItem(a, partAttendance, sk)
	if err != nil {
		return fail(op, err)
	}
	cond := notExists()
	var items []types.TransactWriteItem
	if found {
		voidedAt, err := attributevalue.Marshal(old.Voided.At)
		if err != nil {
			return fail(op, err)
		}
		cond = expression.Name("voided.at").Equal(expression.Value(voidedAt))
		kept, err := marshalItem(&old, partAttendance, voidKey(sk, old.Voided))
		if err != nil {
			return fail(op, err)
		}
		put, err := conditionalPut(s.tables.Members, kept, notExists())
		if err != nil {
			return fail(op, err)
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	put, err := conditionalPut(s.tables.Members, item, cond)
	if err != nil {
		return fail(op, err)
	}
	exists, err := condition(expression.AttributeExists(expression.Name("pk")))
	if err != nil {
		return fail(op, err)
	}
	items = append(items,
		types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.tables.Members), Key: itemKey(partMembers, a.Member),
			ConditionExpression: exists.Condition(), ExpressionAttributeNames: exists.Names()}},
		types.TransactWriteItem{Put: put})
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if failed, ok := failedConditions(err); ok && len(failed) == len(items) {
		if failed[len(items)-2] {
			return membership.Errorf(membership.ENOTFOUND, op, "未找到会员 %s", a.Member)
		}
		return membership.Errorf(membership.ECONFLICT, op, "会员 %s 出席活动 %s 已登记", a.Member, a.Event)
	}
	if isTransactionConflict(err) {
		return membership.Errorf(membership.ECONFLICT, op, "会员 %s 出席活动 %s 正被他人登记，请刷新后重试", a.Member, a.Event)
	}
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// voidKey is where a voided record is kept once the event's attendance is
// entered again.
func voidKey(sk string, v *membership.Void) string {
	return sk + "#void#" + v.At.UTC().Format(time.RFC3339Nano)
}

// VoidAttendance voids the member's current record of the event with a
// PutItem on condition that it is unchanged since read and not voided; it
// stays under its key until the attendance is entered again (see
// AddAttendance). Errors: ENOTFOUND, ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) VoidAttendance(ctx context.Context, member, event string, fn func(*membership.Attendance) error) (*membership.Attendance, error) {
	op := "dynamo: void attendance " + member + " " + event
	sk := member + "#" + event
	var a membership.Attendance
	found, err := s.getItem(ctx, op, s.tables.Members, itemKey(partAttendance, sk), &a)
	if err != nil {
		return nil, err
	}
	if !found || a.Voided != nil {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到会员 %s 出席活动 %s 的记录", member, event)
	}
	recordedAt, err := attributevalue.Marshal(a.RecordedAt)
	if err != nil {
		return nil, fail(op, err)
	}
	if err := fn(&a); err != nil {
		return nil, err
	}
	if a.Voided == nil {
		return nil, fail(op, errors.New("fn did not void the record"))
	}
	item, err := marshalItem(&a, partAttendance, sk)
	if err != nil {
		return nil, fail(op, err)
	}
	ok, err := s.putIf(ctx, op, s.tables.Members, item, expression.Name("recorded_at").Equal(expression.Value(recordedAt)).
		And(expression.AttributeNotExists(expression.Name("voided"))))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, membership.Errorf(membership.ECONFLICT, op, "会员 %s 出席活动 %s 的记录已被他人修改，请刷新后重试", member, event)
	}
	return &a, nil
}

// Attendance returns every attendance record, voided ones included, by
// certificate number.
func (s *Store) Attendance(ctx context.Context) (map[string][]membership.Attendance, error) {
	var as []membership.Attendance
	if err := s.queryPartition(ctx, partAttendance, &as); err != nil {
		return nil, fail("dynamo: list attendance", err)
	}
	all := map[string][]membership.Attendance{}
	for _, a := range as {
		all[a.Member] = append(all[a.Member], a)
	}
	for _, list := range all {
		slices.SortFunc(list, func(a, b membership.Attendance) int { return strings.Compare(a.Date+a.Event, b.Date+b.Event) })
	}
	return all, nil
}

// CertificateHolder returns the member with the certificate number with only
// the attributes a verification reads (membership.VerificationFields): the
// public function's role may read no other of a member's. Errors: ENOTFOUND,
// EUNAVAILABLE, EINTERNAL.
func (s *Store) CertificateHolder(ctx context.Context, certificate string) (*membership.Member, error) {
	op := "dynamo: certificate holder " + certificate
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.tables.Members), Key: itemKey(partMembers, certificate), ConsistentRead: aws.Bool(true),
		ProjectionExpression:     aws.String("certificate, #s, #t, joined_on, left_on, #p.#n"),
		ExpressionAttributeNames: map[string]string{"#s": "status", "#t": "type", "#p": "profile", "#n": "name"},
	})
	if err != nil {
		return nil, fail(op, err)
	}
	if len(out.Item) == 0 {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到证书")
	}
	var m membership.Member
	if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
		return nil, fail(op, fmt.Errorf("unmarshal: %w", err))
	}
	m.Certificate = certificate
	return &m, nil
}
