package dynamo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
)

// FeeSchedule returns the year's stored schedule, or the charter's default.
// Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) FeeSchedule(ctx context.Context, year int) (membership.FeeSchedule, error) {
	op := fmt.Sprintf("dynamo: get fee schedule %d", year)
	fs := membership.DefaultFeeSchedule(year)
	if _, err := s.getItem(ctx, op, s.tables.Dues, itemKey("FEES", strconv.Itoa(year)), &fs); err != nil {
		return membership.DefaultFeeSchedule(year), err
	}
	return fs, nil
}

// PutFeeSchedule stores the schedule on condition that the stored one is
// still at fs.Version (none stored for 0). Errors: ECONFLICT, EUNAVAILABLE, EINTERNAL.
func (s *Store) PutFeeSchedule(ctx context.Context, fs *membership.FeeSchedule) error {
	op := fmt.Sprintf("dynamo: put fee schedule %d", fs.Year)
	next := *fs
	next.Version++
	item, err := marshalItem(&next, "FEES", strconv.Itoa(fs.Year))
	if err != nil {
		return fail(op, err)
	}
	c := notExists()
	if fs.Version > 0 {
		c = versionIs(fs.Version)
	}
	ok, err := s.putIf(ctx, op, s.tables.Dues, item, c)
	if err != nil {
		return err
	}
	if !ok {
		return membership.Errorf(membership.ECONFLICT, op, "%d 年会费标准已被他人修改，请刷新后重试", fs.Year)
	}
	*fs = next
	return nil
}

func claimKey(year int, member string) map[string]types.AttributeValue {
	return itemKey("CLAIM#"+strconv.Itoa(year), member)
}

func receiptKey(receipt string) map[string]types.AttributeValue {
	return itemKey("RECEIPT#"+receipt, "receipt")
}

func paymentKey(year int, id string) map[string]types.AttributeValue {
	return itemKey("PAY#"+strconv.Itoa(year), id)
}

// RecordPayment stores a ledger entry in one TransactWriteItems with its
// member-year claim and its receipt claim (see backoffice.Store); a
// correction takes both over from the entry it corrects and releases the old
// receipt number if it changed. Errors: ECONFLICT, EUNAVAILABLE, EINTERNAL.
func (s *Store) RecordPayment(ctx context.Context, p *membership.Payment) error {
	op := "dynamo: record payment " + p.ID
	var old *membership.Payment
	if p.Corrects != "" {
		o, err := s.payment(ctx, p.Year, p.Corrects)
		if membership.ErrorCode(err) == membership.ENOTFOUND {
			return membership.Errorf(membership.ECONFLICT, op, "会员 %s %d 年没有可更正的缴费记录 %s", p.Member, p.Year, p.Corrects)
		}
		if err != nil {
			return err
		}
		old = o
	}
	payItem, err := marshalItem(p, "PAY#"+strconv.Itoa(p.Year), p.ID)
	if err != nil {
		return fail(op, err)
	}
	holder := func(id string) expression.ConditionBuilder {
		if id == "" {
			return notExists()
		}
		return expression.Name("payment").Equal(expression.Value(id))
	}
	withPayment := func(key map[string]types.AttributeValue) map[string]types.AttributeValue {
		item := map[string]types.AttributeValue{"payment": str(p.ID)}
		for k, v := range key {
			item[k] = v
		}
		return item
	}
	receiptHolder := ""
	if old != nil && old.Receipt == p.Receipt {
		receiptHolder = old.ID
	}
	var items []types.TransactWriteItem
	for _, c := range []struct {
		item map[string]types.AttributeValue
		cond expression.ConditionBuilder
	}{
		{payItem, notExists()},
		{withPayment(claimKey(p.Year, p.Member)), holder(p.Corrects)},
		{withPayment(receiptKey(p.Receipt)), holder(receiptHolder)},
	} {
		put, err := conditionalPut(s.tables.Dues, c.item, c.cond)
		if err != nil {
			return fail(op, err)
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	if old != nil && old.Receipt != p.Receipt {
		e, err := condition(holder(old.ID))
		if err != nil {
			return fail(op, err)
		}
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.tables.Dues), Key: receiptKey(old.Receipt), ConditionExpression: e.Condition(),
			ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
		}})
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if failed, ok := failedConditions(err); ok && len(failed) >= 3 {
		switch {
		case failed[0]:
			return membership.Errorf(membership.ECONFLICT, op, "缴费记录 %s 已存在", p.ID)
		case failed[1]:
			return membership.Errorf(membership.ECONFLICT, op, "会员 %s %d 年的缴费记录已被他人修改或已登记", p.Member, p.Year)
		case failed[2]:
			return membership.Errorf(membership.ECONFLICT, op, "收款凭证号 %s 已被使用", p.Receipt)
		case len(failed) > 3 && failed[3]:
			return membership.Errorf(membership.ECONFLICT, op, "原收款凭证号 %s 已被他人修改", old.Receipt)
		}
	}
	if isTransactionConflict(err) {
		return membership.Errorf(membership.ECONFLICT, op, "缴费记录正被他人修改，请刷新后重试")
	}
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// payment returns one ledger entry. Errors: ENOTFOUND, EUNAVAILABLE, EINTERNAL.
func (s *Store) payment(ctx context.Context, year int, id string) (*membership.Payment, error) {
	op := "dynamo: get payment " + id
	var p membership.Payment
	found, err := s.getItem(ctx, op, s.tables.Dues, paymentKey(year, id), &p)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到缴费记录 %s", id)
	}
	return &p, nil
}

// CurrentPayment returns the member-year's current entry. Errors: ENOTFOUND, EUNAVAILABLE, EINTERNAL.
func (s *Store) CurrentPayment(ctx context.Context, member string, year int) (*membership.Payment, error) {
	op := fmt.Sprintf("dynamo: current payment %s %d", member, year)
	var claim struct {
		Payment string `dynamodbav:"payment"`
	}
	if _, err := s.getItem(ctx, op, s.tables.Dues, claimKey(year, member), &claim); err != nil {
		return nil, err
	}
	if claim.Payment == "" {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "会员 %s %d 年没有缴费记录", member, year)
	}
	return s.payment(ctx, year, claim.Payment)
}

// Payments returns every ledger entry of the year. Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) Payments(ctx context.Context, year int) ([]membership.Payment, error) {
	op := fmt.Sprintf("dynamo: list payments %d", year)
	e, err := expression.NewBuilder().WithKeyCondition(expression.Key("pk").Equal(expression.Value("PAY#" + strconv.Itoa(year)))).Build()
	if err != nil {
		return nil, fail(op, err)
	}
	ps := []membership.Payment{}
	err = s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.tables.Dues), KeyConditionExpression: e.KeyCondition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(), ConsistentRead: aws.Bool(true),
	}, &ps)
	if err != nil {
		return nil, fail(op, err)
	}
	return ps, nil
}
