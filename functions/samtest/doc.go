// Package samtest holds the deployment tests: template.yaml, its China variant and the
// us-east-1 stack (functions/deploy/edge.yaml) read with goformation in several scenarios,
// evaluated as CloudFormation would (conditions, Rules, parameter patterns), and checked
// against the code (function folders, environment variables, routes, tables, the DynamoDB
// calls of the store contract suites, CORS) and against conventions that hold for every
// function, route, table, bucket and log group (own role and log group, reserved
// concurrency, alarms, WAF and per-client limits, backups, retention, TLS-only buckets, the
// stack policy); cfn-lint on every template; the README's list of `sam deploy --guided`
// questions; and each function's real bootstrap run under the AWS Lambda Runtime Interface
// Emulator against DynamoDB Local on 127.0.0.1.
//
// It has no code of its own besides this comment; run it with
//
//	go test ./functions/samtest/
package samtest
