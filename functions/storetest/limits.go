package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
)

// Limits is the contract of an httpapi.ClientCounter: a key lets exactly limit takes
// through, also when they arrive at once from many instances, and keys count apart.
func Limits(t *testing.T, c httpapi.ClientCounter) {
	ctx := context.Background()
	expires := time.Now().Add(10 * time.Minute)
	t.Run("SequentialUpToLimit", func(t *testing.T) {
		for i := range 4 {
			ok, err := c.Take(ctx, "POST /api/join|seq|1", 3, expires)
			if err != nil {
				t.Fatalf("take %d: %v", i+1, err)
			}
			if want := i < 3; ok != want {
				t.Errorf("take %d: got %v, want %v", i+1, ok, want)
			}
		}
		ok, err := c.Take(ctx, "POST /api/join|seq|2", 3, expires)
		if err != nil || !ok {
			t.Errorf("take of another key: got %v, %v, want true, nil", ok, err)
		}
	})
	t.Run("ConcurrentExactlyLimit", func(t *testing.T) {
		const takes, limit = 40, 10
		var allowed atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, takes)
		for range takes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := c.Take(ctx, "POST /api/join|race|1", limit, expires)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("take: %v", err)
		}
		if got := allowed.Load(); got != limit {
			t.Errorf("%d concurrent takes with limit %d: %d allowed, want exactly %d", takes, limit, got, limit)
		}
	})
}
