// Package samtest holds the deployment tests: template.yaml read with goformation and
// checked against the code (function folders, environment variables, tables, routes,
// policies, site security headers), and each function's real bootstrap run under the
// AWS Lambda Runtime Interface Emulator against DynamoDB Local on 127.0.0.1.
//
// It has no code of its own besides this comment; run it with
//
//	go test ./functions/samtest/
package samtest
