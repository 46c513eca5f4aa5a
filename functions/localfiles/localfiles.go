// Package localfiles is the uploads bucket of `alliance serve`: files in a
// folder under the data folder, with the same methods as uploadbucket.Bucket
// and an HTTP handler that plays the bucket's part. The browser posts a file
// to it with the fields PresignUpload gave, exactly as it posts to S3; the
// handler enforces what the S3 policy says (this key, this media type, 1 to
// the maximum bytes, before the expiry), checked by an HMAC signature over
// them with a key made at start. Downloads are GETs signed the same way,
// valid for DownloadExpiry.
package localfiles

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// Expiries of what the folder signs, as uploadbucket's.
const (
	UploadExpiry   = 15 * time.Minute
	DownloadExpiry = 5 * time.Minute
)

// Files is the folder of uploaded files and its HTTP face at a base URL.
type Files struct {
	dir  string
	base string // absolute URL of the handler, ending in "/"
	key  []byte
	now  func() time.Time
}

// Open returns the files kept under dir (created if missing), whose handler
// (Handler) is served at base, e.g. http://127.0.0.1:1313/api/files/.
func Open(dir, base string) (*Files, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localfiles: open %s: %w", dir, err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("localfiles: new signing key: %w", err)
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &Files{dir: dir, base: base, key: key, now: time.Now}, nil
}

func (f *Files) sign(parts ...string) string {
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(m.Sum(nil))
}

// path returns the file of key, refusing keys that would leave the folder.
func (f *Files) path(key string) (string, error) {
	if !fs.ValidPath(key) || strings.Contains(key, `\`) {
		return "", membership.Errorf(membership.EINVALID, "localfiles: key", "文件键不正确")
	}
	return filepath.Join(f.dir, filepath.FromSlash(key)), nil
}

// PresignUpload returns the form with which a browser posts one file of the
// media type, of 1 to maxSize bytes, to key and nowhere else.
func (f *Files) PresignUpload(_ context.Context, key, contentType string, maxSize int64) (*membership.UploadForm, error) {
	exp := f.now().Add(UploadExpiry).UTC()
	e, max := strconv.FormatInt(exp.Unix(), 10), strconv.FormatInt(maxSize, 10)
	return &membership.UploadForm{URL: f.base + "upload", Expires: exp, Fields: map[string]string{
		"key": key, "Content-Type": contentType, "x-max-size": max, "x-expires": e,
		"x-signature": f.sign("upload", key, contentType, max, e),
	}}, nil
}

// Stat returns the size of the file at key and its first n bytes.
// Errors: ENOTFOUND.
func (f *Files) Stat(_ context.Context, key string, n int) (int64, []byte, error) {
	const op = "localfiles: stat"
	p, err := f.path(key)
	if err != nil {
		return 0, nil, err
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil, membership.Errorf(membership.ENOTFOUND, op, "未收到文件，请重新上传")
	}
	if err != nil {
		return 0, nil, membership.Internal(op, err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return 0, nil, membership.Internal(op, err)
	}
	head, err := io.ReadAll(io.LimitReader(file, int64(n)))
	if err != nil {
		return 0, nil, membership.Internal(op, err)
	}
	return fi.Size(), head, nil
}

// Move renames the file at from to to. Errors: ENOTFOUND.
func (f *Files) Move(_ context.Context, from, to string) error {
	const op = "localfiles: move"
	src, err := f.path(from)
	if err != nil {
		return err
	}
	dst, err := f.path(to)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return membership.Internal(op, err)
	}
	err = os.Rename(src, dst)
	if errors.Is(err, fs.ErrNotExist) {
		return membership.Errorf(membership.ENOTFOUND, op, "未收到文件，请重新上传")
	}
	if err != nil {
		return membership.Internal(op, err)
	}
	return nil
}

// Delete deletes the file at key; a missing file is no error.
func (f *Files) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return membership.Internal("localfiles: delete", err)
	}
	return nil
}

// DownloadURL returns a GET of the file at key valid for DownloadExpiry,
// which the browser saves as name, with the media type.
func (f *Files) DownloadURL(_ context.Context, key, name, contentType string) (string, error) {
	e := strconv.FormatInt(f.now().Add(DownloadExpiry).Unix(), 10)
	q := url.Values{"key": {key}, "name": {name}, "type": {contentType}, "expires": {e}, "signature": {f.sign("get", key, name, contentType, e)}}
	return f.base + "get?" + q.Encode(), nil
}

// Handler serves POST upload (the browser's form) and GET get (a signed
// download). It answers like S3 does where that matters to a browser: 204
// for a stored file, 400 or 403 with a short text otherwise.
func (f *Files) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", f.upload)
	mux.HandleFunc("GET /get", f.get)
	base, _ := url.Parse(f.base)
	return http.StripPrefix(strings.TrimSuffix(base.Path, "/"), mux)
}

func (f *Files) upload(w http.ResponseWriter, r *http.Request) {
	// The form's fields, then the file: read at most the size the policy allows.
	r.Body = http.MaxBytesReader(w, r.Body, membership.MaxAttachmentSize+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, "MalformedPOSTRequest", http.StatusBadRequest)
		return
	}
	fields := map[string]string{}
	for range 20 {
		part, err := mr.NextPart()
		if err != nil {
			http.Error(w, "MalformedPOSTRequest: no file", http.StatusBadRequest)
			return
		}
		if part.FormName() != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 4096))
			fields[part.FormName()] = string(b)
			continue
		}
		f.store(w, fields, part)
		return
	}
	http.Error(w, "MalformedPOSTRequest: too many fields", http.StatusBadRequest)
}

// store checks the policy the fields carry and writes the file.
func (f *Files) store(w http.ResponseWriter, fields map[string]string, file io.Reader) {
	key, typ, max, e := fields["key"], fields["Content-Type"], fields["x-max-size"], fields["x-expires"]
	exp, _ := strconv.ParseInt(e, 10, 64)
	maxSize, _ := strconv.ParseInt(max, 10, 64)
	if !hmac.Equal([]byte(fields["x-signature"]), []byte(f.sign("upload", key, typ, max, e))) {
		http.Error(w, "AccessDenied: Invalid according to Policy: Policy Condition failed", http.StatusForbidden)
		return
	}
	if f.now().Unix() > exp {
		http.Error(w, "AccessDenied: Invalid according to Policy: Policy expired", http.StatusForbidden)
		return
	}
	p, err := f.path(key)
	if err != nil {
		http.Error(w, "InvalidArgument", http.StatusBadRequest)
		return
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		http.Error(w, "InternalError", http.StatusInternalServerError)
		return
	}
	tmp := p + ".part"
	out, err := os.Create(tmp)
	if err != nil {
		http.Error(w, "InternalError", http.StatusInternalServerError)
		return
	}
	n, err := io.Copy(out, io.LimitReader(file, maxSize+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		os.Remove(tmp)
		http.Error(w, "IncompleteBody", http.StatusBadRequest)
	case n < 1 || n > maxSize:
		os.Remove(tmp)
		http.Error(w, "EntityTooLarge: Your proposed upload exceeds the maximum allowed size", http.StatusBadRequest)
	default:
		if err := os.Rename(tmp, p); err != nil {
			http.Error(w, "InternalError", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *Files) get(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key, name, typ, e := q.Get("key"), q.Get("name"), q.Get("type"), q.Get("expires")
	exp, _ := strconv.ParseInt(e, 10, 64)
	if !hmac.Equal([]byte(q.Get("signature")), []byte(f.sign("get", key, name, typ, e))) || f.now().Unix() > exp {
		http.Error(w, "AccessDenied: Request has expired or the signature does not match", http.StatusForbidden)
		return
	}
	p, err := f.path(key)
	if err != nil {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	file, err := os.Open(p)
	if err != nil {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	defer file.Close()
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	io.Copy(w, file)
}
