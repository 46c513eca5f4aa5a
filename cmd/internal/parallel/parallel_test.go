package parallel

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForRunsEachIndexOnce(t *testing.T) {
	for _, tt := range []struct{ workers, n int }{{1, 5}, {4, 1000}, {8, 3}, {3, 0}} {
		counts := make([]atomic.Int32, tt.n)
		var mu sync.Mutex
		running, most := 0, 0
		err := For(t.Context(), tt.workers, tt.n, func(i int) error {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			counts[i].Add(1)
			mu.Lock()
			running--
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatalf("%d workers, %d items: %v", tt.workers, tt.n, err)
		}
		for i := range counts {
			if c := counts[i].Load(); c != 1 {
				t.Errorf("%d workers: index %d ran %d times, want once", tt.workers, i, c)
			}
		}
		if most > tt.workers {
			t.Errorf("got %d running at once, want at most %d", most, tt.workers)
		}
	}
}

func TestForStopsAtTheFirstError(t *testing.T) {
	bad := errors.New("第 3 项失败")
	var ran atomic.Int32
	err := For(t.Context(), 1, 100, func(i int) error {
		ran.Add(1)
		if i == 3 {
			return bad
		}
		return nil
	})
	if !errors.Is(err, bad) || ran.Load() != 4 {
		t.Errorf("got %v after %d items, want the error after 4", err, ran.Load())
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := For(ctx, 2, 100, func(int) error { ran.Add(1); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v with a cancelled context, want context.Canceled", err)
	}
}

func TestForReturnsTheLowestFailure(t *testing.T) {
	low, high := errors.New("第 0 项失败"), errors.New("第 1 项失败")
	highDone := make(chan struct{})
	err := For(t.Context(), 2, 10, func(i int) error {
		switch i {
		case 0: // fails after item 1 has failed
			<-highDone
			time.Sleep(20 * time.Millisecond)
			return low
		case 1:
			defer close(highDone)
			return high
		}
		return nil
	})
	if !errors.Is(err, low) {
		t.Errorf("got %v, want the error of item 0, which failed last", err)
	}
}
