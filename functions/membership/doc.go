// Package membership is the domain of the alliance's membership work: applications to
// join (charter 第十四条), their statuses and audit history, the unified social credit
// code check, and the error codes every layer uses. It knows nothing of HTTP or AWS.
package membership
