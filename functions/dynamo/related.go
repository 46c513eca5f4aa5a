package dynamo

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
)

// IndexByCreditCode is the index of the applications and of the members by
// credit code (pk credit_code; sk created_at, certificate), for the records of
// one organisation. Individuals have no code and are not in it; neither are
// the claims, counters and attendance records.
const IndexByCreditCode = "by_credit_code"

// creditCodeIndex defines IndexByCreditCode with the sort key sk.
func creditCodeIndex(sk string) types.GlobalSecondaryIndex {
	return types.GlobalSecondaryIndex{
		IndexName: aws.String(IndexByCreditCode),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("credit_code"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
	}
}

// queryCreditCode reads every item of table's IndexByCreditCode with the code
// into out, in the index's order. The index is eventually consistent: a record
// written a moment ago may be missing.
func (s *Store) queryCreditCode(ctx context.Context, table, code string, out any) error {
	e, err := expression.NewBuilder().WithKeyCondition(expression.Key("credit_code").Equal(expression.Value(code))).Build()
	if err != nil {
		return err
	}
	return s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String(IndexByCreditCode),
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	}, out)
}

// ApplicationsByCreditCode lists the applications with the credit code, oldest
// first. Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) ApplicationsByCreditCode(ctx context.Context, code string) ([]membership.Application, error) {
	apps := []membership.Application{}
	if code == "" {
		return apps, nil
	}
	if err := s.queryCreditCode(ctx, s.tables.Applications, code, &apps); err != nil {
		return nil, fail("dynamo: applications by credit code", err)
	}
	return apps, nil
}

// MembersByCreditCode lists the members with the credit code, by certificate
// number. Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) MembersByCreditCode(ctx context.Context, code string) ([]membership.Member, error) {
	ms := []membership.Member{}
	if code == "" {
		return ms, nil
	}
	if err := s.queryCreditCode(ctx, s.tables.Members, code, &ms); err != nil {
		return nil, fail("dynamo: members by credit code", err)
	}
	slices.SortFunc(ms, func(a, b membership.Member) int { return strings.Compare(a.Certificate, b.Certificate) })
	return ms, nil
}
