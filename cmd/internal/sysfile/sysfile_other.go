//go:build !unix

package sysfile

import (
	"bytes"
	"io"
	"os"
)

// ReadFile returns the contents of the file p.
func ReadFile(p string) ([]byte, error) { return os.ReadFile(p) }

// Rewrite makes the file p hold data, writing only when its bytes differ.
func Rewrite(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if fi.Size() == int64(len(data)) {
		bp := readPool.Get().(*[]byte)
		if cap(*bp) < len(data) {
			*bp = make([]byte, len(data))
		}
		old := (*bp)[:len(data)]
		_, rerr := io.ReadFull(f, old)
		same := rerr == nil && bytes.Equal(old, data)
		readPool.Put(bp)
		if same {
			return f.Close()
		}
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return err
	}
	if fi.Size() > int64(len(data)) {
		if err := f.Truncate(int64(len(data))); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
