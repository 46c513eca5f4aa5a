//go:build unix

package sysfile

import (
	"bytes"
	"io/fs"

	"golang.org/x/sys/unix"
)

// ReadFile returns the contents of the file p.
func ReadFile(p string) ([]byte, error) {
	fd, err := openRetry(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	buf := make([]byte, 0, st.Size+1) // one spare byte: the read that sees EOF
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: p, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// Rewrite makes the file p hold data, writing only when its bytes differ.
// It overwrites and then shortens rather than truncating first: ext4
// flushes a file truncated to zero and rewritten as soon as it is closed.
func Rewrite(p string, data []byte) error {
	fd, err := openRetry(p, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	if st.Size == int64(len(data)) && sameBytes(fd, data) {
		return closeErr(p, fd)
	}
	for off := 0; off < len(data); {
		n, err := unix.Pwrite(fd, data[off:], int64(off))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return &fs.PathError{Op: "write", Path: p, Err: err}
		}
		off += n
	}
	if st.Size > int64(len(data)) {
		if err := unix.Ftruncate(fd, int64(len(data))); err != nil {
			unix.Close(fd)
			return &fs.PathError{Op: "truncate", Path: p, Err: err}
		}
	}
	return closeErr(p, fd)
}

// sameBytes reports whether the open file fd, as long as data, holds data.
func sameBytes(fd int, data []byte) bool {
	bp := readPool.Get().(*[]byte)
	defer readPool.Put(bp)
	if cap(*bp) < len(data) {
		*bp = make([]byte, len(data))
	}
	old := (*bp)[:len(data)]
	for off := 0; off < len(old); {
		n, err := unix.Pread(fd, old[off:], int64(off))
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return false
		}
		off += n
	}
	return bytes.Equal(old, data)
}

func openRetry(p string, mode int, perm uint32) (int, error) {
	for {
		fd, err := unix.Open(p, mode, perm)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

func closeErr(p string, fd int) error {
	if err := unix.Close(fd); err != nil {
		return &fs.PathError{Op: "close", Path: p, Err: err}
	}
	return nil
}
