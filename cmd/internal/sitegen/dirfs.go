package sitegen

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/smelisting/alliance/cmd/internal/sysfile"
)

// DirFS is os.DirFS(dir) with a faster ReadFile (see package sysfile), for the
// content and templates folders.
func DirFS(dir string) fs.FS { return dirFS{os.DirFS(dir), dir} }

type dirFS struct {
	fs.FS
	dir string
}

// ReadFile reads the named file (slash-separated, relative to the folder).
func (d dirFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	data, err := sysfile.ReadFile(filepath.Join(d.dir, filepath.FromSlash(name)))
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name // as os.DirFS names it
	}
	return data, err
}

// ReadDir and Stat keep os.DirFS's fast paths, which embedding fs.FS hides.
func (d dirFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(d.FS, name) }

// Stat returns the file info of the named file.
func (d dirFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(d.FS, name) }
