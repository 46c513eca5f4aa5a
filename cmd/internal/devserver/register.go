package devserver

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"time"

	"github.com/smelisting/alliance/cmd/site/sitegen"
)

// WatchRegister rebuilds the site when what the site shows of the
// register changes: every interval it reads the members and compares the
// fingerprint of their public views (membership.Listing) with the last one,
// so a certification, an expulsion or a consent change made through the
// API (in this process or another on the same DynamoDB) shows within an
// interval, and edits that change nothing public rebuild nothing. The
// first poll rebuilds once (the register may have changed since the first
// build). It runs until ctx ends; a failed read is logged and tried again.
func (s *Server) WatchRegister(ctx context.Context, r sitegen.Register, interval time.Duration) {
	var last [32]byte
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp, err := fingerprint(ctx, r)
		if err != nil {
			s.log.Warn("read the register", "err", err)
			continue
		}
		if fp != last {
			last = fp
			_, _ = s.Rebuild(ctx)
		}
	}
}

// fingerprint hashes the public views of the register's members.
func fingerprint(ctx context.Context, r sitegen.Register) ([32]byte, error) {
	ms, err := r.Members(ctx)
	if err != nil {
		return [32]byte{}, err
	}
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range ms {
		if err := enc.Encode(ms[i].Listing()); err != nil {
			return [32]byte{}, err
		}
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
