package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/smelisting/alliance/functions/membership"
)

// fail wraps a failed call of the store as the domain error the caller should
// see: EUNAVAILABLE when DynamoDB, or the way to it, is down, throttled or slower
// than the request's deadline (see unavailable), so that the request is answered
// 503 and tried again later; EUNAVAILABLE, EINTERNAL for anything else (a bug, a missing
// table, a permission the role lacks). A domain error passes unchanged.
func fail(op string, err error) error {
	var e *membership.Error
	switch {
	case errors.As(err, &e):
		return err
	case unavailable(err):
		return membership.Unavailable(op, err)
	}
	return membership.Internal(op, err)
}

// throttled are the error codes of DynamoDB refusing a request for its rate or
// for a passing fault of its own, and the reasons of a transaction cancelled
// for the same causes.
var throttled = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"ThrottlingError":                        true, // cancellation reasons
	"ProvisionedThroughputExceeded":          true,
}

// unavailable reports whether err says that DynamoDB could not be reached or
// could not serve the request now: the request's deadline passed (a frozen or
// slow server: the SDK gives up with the context), the connection was refused,
// reset or dropped (a stopped server), DynamoDB answered with a 5xx, throttled
// the request or cancelled a transaction for throttling. The SDK's retryer has
// already retried these (see NewClient) before the error comes here.
func unavailable(err error) bool {
	var (
		api  smithy.APIError
		resp *smithyhttp.ResponseError
		send *smithyhttp.RequestSendError
		tce  *types.TransactionCanceledException
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &send):
		return true // refused, reset, closed before the answer, timed out
	case errors.As(err, &tce):
		for _, r := range tce.CancellationReasons {
			if throttled[aws.ToString(r.Code)] {
				return true
			}
		}
		return false
	case errors.As(err, &api) && throttled[api.ErrorCode()]:
		return true
	case errors.As(err, &resp) && resp.HTTPStatusCode() >= 500:
		return true
	}
	return false
}
