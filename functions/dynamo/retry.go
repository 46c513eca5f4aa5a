package dynamo

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// The store's one retry policy, in two layers, both here:
//
//  1. Every call: the SDK's standard retryer (newRetryer, which NewClient
//     installs) makes at most MaxAttempts attempts, at most MaxBackoff apart,
//     of a call DynamoDB throttled or answered with a 5xx, or whose connection
//     failed. A retried TransactWriteItems carries the same ClientRequestToken,
//     so it is applied once. The client-side retry quota is off
//     (ratelimit.None): the request's deadline already bounds the retries, and
//     a quota shared by every request of the process made concurrent requests
//     fail at once, without a retry, when a few had been throttled.
//  2. Optimistic writes: a write whose conditions failed because another write
//     came first reads again and writes again, waiting backoff between
//     attempts, up to its bound — transact (a transaction another one was
//     writing: TransactionConflict), IssueCertificate (the certificate
//     number), Register, Cancel and Promote (an event's seats; raced), CheckIn
//     and WalkIn (the attendance). Register, Cancel and Promote, which read
//     their state again before they write, also go again, at most
//     maxTransientTries times, after a
//     failure transient reports (the server gave up waiting for a lock: a 500
//     DynamoDB asks clients to retry, which DynamoDB Local answers under
//     load): the read shows whether the write that failed was applied after
//     all.
//
// What fails past both, and anything past the request's deadline, is
// EUNAVAILABLE (fail: a 503 with Retry-After); a race lost past the bound is
// ECONFLICT.

// The retryer's bounds: three attempts, at most 200 ms apart (the SDK's default
// waits up to 20 s), so that three throttled attempts take well under a second.
const (
	MaxAttempts = 3
	MaxBackoff  = 200 * time.Millisecond
)

// maxTransientTries bounds the attempts of Register, Cancel and Promote that end in a
// transient failure (each already the retryer's MaxAttempts attempts).
const maxTransientTries = 5

// newRetryer is the retryer of every client (layer 1).
func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts, o.MaxBackoff = MaxAttempts, MaxBackoff
		o.RateLimiter = ratelimit.None
	})
}

// backoff waits before attempt (from 1) of a write that lost a race, with
// jitter, longer each time up to 100 ms, or returns the context's error
// (which fail makes EUNAVAILABLE).
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(min(attempt, 10)) * 10 * time.Millisecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d/2 + rand.N(d)):
		return nil
	}
}

// isTransactionConflict reports whether a transaction was cancelled because
// another one was writing the same items, or one with the same token was in
// progress: it was not applied, and may be tried again.
func isTransactionConflict(err error) bool {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "TransactionConflict" {
				return true
			}
		}
	}
	var tip *types.TransactionInProgressException
	return errors.As(err, &tip)
}

// transient reports whether a call failed, after the retryer's attempts,
// because DynamoDB gave up waiting for the items (an InternalServerError):
// whether it was applied is unknown, so only a write that reads its state
// again first may go again (layer 2).
func transient(err error) bool {
	var ise *types.InternalServerError
	var api smithy.APIError
	return errors.As(err, &ise) || errors.As(err, &api) && api.ErrorCode() == "InternalServerError"
}
