// Package sysfile reads and rewrites whole files with plain system calls.
//
// A site build opens some 25,000 files at 10,000 pages. os.Open also offers
// each one to the runtime's poller (four fcntl and a failing epoll_ctl on
// Linux, a quarter of the build's system calls), so the two hot paths,
// reading content ([ReadFile]) and rewriting output ([Rewrite]), skip it on
// Unix; elsewhere they use package os.
package sysfile

import "sync"

// readPool holds buffers for comparing a file with its new bytes (Rewrite).
var readPool = sync.Pool{New: func() any { return new([]byte) }}
