// Package dynamo stores the membership domain in Amazon DynamoDB with aws-sdk-go-v2.
//
// Table layout (definitions in Tables, used by CreateTables, dynamotest and the
// deployment tests that compare them with template.yaml; all on-demand billing):
//
//	applications   pk "number" (S)
//	               items: one per application, attributes as membership.Application's
//	               dynamodbav tags (status, created_at, history list, version, token_hash, …);
//	               number counters: pk "COUNTER#SQ2026", attribute "seq" (N), one per year,
//	               incremented with an atomic ADD;
//	               GSI "by_status": pk "status" (S), sk "created_at" (S, RFC 3339 UTC), all
//	               attributes, for the back office's lists (counters have no status, so
//	               they are not in the index);
//	               claims on credit codes (one organisation, one membership): pk
//	               "CREDIT#<code>", holder (S): the application or certificate number
//	               holding it, absent once released (claims.go);
//	               GSI "by_credit_code": pk "credit_code" (S), sk "created_at", all
//	               attributes: the applications of one organisation (related.go).
//	idempotency    pk "key" (S); attributes request_hash (SHA-256 of the request body),
//	               number, token (the status token, so that a retry gets the first answer;
//	               the application itself keeps only its hash), expires_at (N, Unix
//	               seconds, 24 hours after the submission, the table's TTL attribute).
//	               Conditions check expires_at themselves, since DynamoDB deletes
//	               expired items late.
//	members, dues  defined by the back office in the same Tables list (members.go); the
//	               members table has its own GSI "by_credit_code" (sk "certificate").
//	limits         per-client request counters (limits.go).
//	sessions       the console's sign-ins and sessions (sessionsTable), TTL expires_at.
//	registrations  event registrations, their seats and claims (events.go).
//	outbox         the mail to send, written with the changes that cause it (outbox.go).
//
// Writes are conditional: an application is put with attribute_not_exists(number) in one
// TransactWriteItems with its claim on its credit code (attribute_not_exists(holder))
// and its idempotency record (attribute_not_exists(key) OR expires_at <= now), and
// updated with version = expected, together with the release, move or taking of a
// claim when the change makes the record hold another one (membership.CreditClaim).
// Request paths use GetItem, Query and transactions, never Scan. Transactions need
// DynamoDB or DynamoDB Local; dynalite rejects them.
//
// Failures (errors.go): a call DynamoDB throttles, answers with a 5xx, or that cannot
// reach it or outlives its context's deadline is EUNAVAILABLE, after the client's
// bounded retries (NewClient); any other failure is EINTERNAL.
package dynamo
