// Package membership is the domain of the alliance's membership work and holds
// every rule of it: applications to join (charter 第十四条), their validation,
// statuses and audit history; the members they become and how members leave
// (第十五条, the lapse rule); attendance; fees and payments (第十六~十八条);
// who may do what (access.go: the roles of each task, and the actor a request
// speaks for); and the error codes every layer uses. It knows nothing of HTTP
// or AWS.
package membership
