package localstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/membership"
)

// The dues buckets, created on first write.
var (
	bucketFees     = []byte("fees")           // year → fee schedule (JSON)
	bucketPayments = []byte("payments")       // payment id → ledger entry (JSON)
	bucketPaidYear = []byte("payment_claims") // year/certificate → id of the current entry
	bucketReceipts = []byte("receipts")       // receipt number → id of the entry holding it
)

// FeeSchedule returns the year's stored schedule, or the charter's default.
func (s *Store) FeeSchedule(ctx context.Context, year int) (membership.FeeSchedule, error) {
	fs := membership.DefaultFeeSchedule(year)
	err := s.read(ctx, fmt.Sprintf("localstore: get fee schedule %d", year), func(tx *bolt.Tx) error {
		if bk := readBucket(tx, bucketFees); bk != nil {
			if b := bk.Get([]byte(strconv.Itoa(year))); b != nil {
				return json.Unmarshal(b, &fs)
			}
		}
		return nil
	})
	return fs, wrap(err, fmt.Sprintf("localstore: get fee schedule %d", year))
}

// PutFeeSchedule stores the schedule if nobody changed it since s.Version.
// Errors: ECONFLICT.
func (s *Store) PutFeeSchedule(ctx context.Context, fs *membership.FeeSchedule) error {
	op := fmt.Sprintf("localstore: put fee schedule %d", fs.Year)
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		bk, err := writeBucket(tx, bucketFees)
		if err != nil {
			return err
		}
		key := strconv.Itoa(fs.Year)
		stored := 0
		if b := bk.Get([]byte(key)); b != nil {
			var old membership.FeeSchedule
			if err := json.Unmarshal(b, &old); err != nil {
				return err
			}
			stored = old.Version
		}
		if stored != fs.Version {
			return membership.Errorf(membership.ECONFLICT, op, "%d 年会费标准已被他人修改，请刷新后重试", fs.Year)
		}
		next := *fs
		next.Version++
		if err := putJSON(bk, key, &next); err != nil {
			return err
		}
		*fs = next
		return nil
	})
	return wrap(err, op)
}

// RecordPayment stores a ledger entry with its member-year and receipt claims
// in one transaction. Errors: ECONFLICT.
func (s *Store) RecordPayment(ctx context.Context, p *membership.Payment) error {
	op := "localstore: record payment " + p.ID
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		var bks [3]*bolt.Bucket
		for i, name := range [][]byte{bucketPayments, bucketPaidYear, bucketReceipts} {
			var err error
			if bks[i], err = writeBucket(tx, name); err != nil {
				return err
			}
		}
		pays, claims, receipts := bks[0], bks[1], bks[2]
		if pays.Get([]byte(p.ID)) != nil {
			return membership.Errorf(membership.ECONFLICT, op, "缴费记录 %s 已存在", p.ID)
		}
		claimKey := []byte(fmt.Sprintf("%d/%s", p.Year, p.Member))
		if held := string(claims.Get(claimKey)); held != p.Corrects {
			if held == "" {
				return membership.Errorf(membership.ECONFLICT, op, "会员 %s %d 年没有可更正的缴费记录", p.Member, p.Year)
			}
			return membership.Errorf(membership.ECONFLICT, op, "会员 %s %d 年已登记缴费（记录 %s）", p.Member, p.Year, held)
		}
		if held := string(receipts.Get([]byte(p.Receipt))); held != "" && (p.Corrects == "" || held != p.Corrects) {
			return membership.Errorf(membership.ECONFLICT, op, "收款凭证号 %s 已用于缴费记录 %s", p.Receipt, held)
		}
		if p.Corrects != "" {
			// The receipt of the corrected entry is released unless the correction keeps it.
			var old membership.Payment
			if err := json.Unmarshal(pays.Get([]byte(p.Corrects)), &old); err != nil {
				return err
			}
			if old.Receipt != p.Receipt {
				if err := receipts.Delete([]byte(old.Receipt)); err != nil {
					return err
				}
			}
		}
		if err := putJSON(pays, p.ID, p); err != nil {
			return err
		}
		if err := claims.Put(claimKey, []byte(p.ID)); err != nil {
			return err
		}
		return receipts.Put([]byte(p.Receipt), []byte(p.ID))
	})
	return wrap(err, op)
}

// CurrentPayment returns the member-year's current entry. Errors: ENOTFOUND.
func (s *Store) CurrentPayment(ctx context.Context, member string, year int) (*membership.Payment, error) {
	op := fmt.Sprintf("localstore: current payment %s %d", member, year)
	var p *membership.Payment
	err := s.read(ctx, op, func(tx *bolt.Tx) error {
		claims, pays := readBucket(tx, bucketPaidYear), readBucket(tx, bucketPayments)
		if claims == nil || pays == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "会员 %s %d 年没有缴费记录", member, year)
		}
		id := claims.Get([]byte(fmt.Sprintf("%d/%s", year, member)))
		if id == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "会员 %s %d 年没有缴费记录", member, year)
		}
		p = &membership.Payment{}
		return json.Unmarshal(pays.Get(id), p)
	})
	if err != nil {
		return nil, wrap(err, op)
	}
	return p, nil
}

// Payments returns every ledger entry of the year.
func (s *Store) Payments(ctx context.Context, year int) ([]membership.Payment, error) {
	ps := []membership.Payment{}
	err := s.read(ctx, fmt.Sprintf("localstore: list payments %d", year), func(tx *bolt.Tx) error {
		bk := readBucket(tx, bucketPayments)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			var p membership.Payment
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			if p.Year == year {
				ps = append(ps, p)
			}
			return nil
		})
	})
	if err != nil {
		return nil, wrap(err, fmt.Sprintf("localstore: list payments %d", year))
	}
	return ps, nil
}
