package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// File is a Store in a local directory: key "a/b/c" is the file dir/a/b/c.
//
// Put writes to a temporary file (".upload-*", a name no valid key can take)
// in the target's directory, fsyncs it, renames it over the target and fsyncs
// the directory, so an object is either fully there or not at all, even after
// a crash. No metadata is kept beside the content: Open and Stat derive the
// content type by sniffing the file's first 512 bytes, which yields exactly
// what Put sniffed. Directories are created as needed (mode 0700, files 0600:
// clinical data is for clinic's user only) and left in place by Delete.
//
// Because keys map onto paths, a key cannot be both an object and a "directory"
// of other objects ("a" and "a/b"): the second Put fails. Keys from NewKey
// never collide this way.
type File struct {
	dir string
}

var (
	_ Store  = (*File)(nil)
	_ Pinger = (*File)(nil)
	_ Lister = (*File)(nil)
)

// NewFile returns a File store in dir, creating it if needed. A relative dir
// is resolved against the working directory now.
func NewFile(_ context.Context, dir string) (*File, error) {
	if dir == "" {
		return nil, errors.New("blob file: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob file: resolve %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("blob file: create directory: %w", err)
	}
	return &File{dir: abs}, nil
}

// Dir returns the store's absolute directory.
func (f *File) Dir() string { return f.dir }

func (f *File) path(key string) string {
	return filepath.Join(f.dir, filepath.FromSlash(key))
}

// Put implements Store.
func (f *File) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("blob file: put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: %w", key, err)
	}
	dst := f.path(key)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: create directory: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: create temp file: %w", key, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	lr := &limitReader{r: ctxReader{ctx: ctx, r: r}, max: opts.MaxSize}
	head, contentType, err := sniff(lr)
	if err == nil {
		if _, err = tmp.Write(head); err == nil {
			_, err = io.Copy(tmp, lr)
		}
	}
	if lr.exceeded {
		return Info{}, tooLarge("blob file: put", key, opts.MaxSize)
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: sync: %w", key, err)
	}
	st, err := tmp.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: stat: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: close: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: rename: %w", key, err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return Info{}, fmt.Errorf("blob file: put %q: sync directory: %w", key, err)
	}
	return Info{Key: key, Size: st.Size(), ContentType: contentType, ModTime: st.ModTime()}, nil
}

// Open implements Store. The returned reader is the open file, positioned at
// its start.
func (f *File) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, fmt.Errorf("blob file: open: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, fmt.Errorf("blob file: open %q: %w", key, err)
	}
	file, info, err := f.open(key, "blob file: open")
	if err != nil {
		return nil, Info{}, err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		_ = file.Close()
		return nil, Info{}, fmt.Errorf("blob file: open %q: seek: %w", key, err)
	}
	return file, info, nil
}

// Stat implements Store.
func (f *File) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("blob file: stat: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob file: stat %q: %w", key, err)
	}
	file, info, err := f.open(key, "blob file: stat")
	if err != nil {
		return Info{}, err
	}
	_ = file.Close()
	return info, nil
}

// open opens key's file and describes it, sniffing its content type; the
// file's offset is left after the sniffed bytes.
func (f *File) open(key, op string) (*os.File, Info, error) {
	file, err := os.Open(f.path(key))
	if err != nil {
		if isMissing(err) {
			return nil, Info{}, notFound(op, key)
		}
		return nil, Info{}, fmt.Errorf("%s %q: %w", op, key, err)
	}
	st, err := file.Stat()
	if err != nil {
		_ = file.Close()
		return nil, Info{}, fmt.Errorf("%s %q: stat: %w", op, key, err)
	}
	if !st.Mode().IsRegular() {
		// A directory left by keys below this one: there is no object here.
		_ = file.Close()
		return nil, Info{}, notFound(op, key)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(file, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		_ = file.Close()
		return nil, Info{}, fmt.Errorf("%s %q: read: %w", op, key, err)
	}
	return file, Info{Key: key, Size: st.Size(), ContentType: http.DetectContentType(head[:n]), ModTime: st.ModTime()}, nil
}

// Delete implements Store.
func (f *File) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("blob file: delete: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob file: delete %q: %w", key, err)
	}
	p := f.path(key)
	st, err := os.Lstat(p)
	if err != nil {
		if isMissing(err) {
			return nil
		}
		return fmt.Errorf("blob file: delete %q: %w", key, err)
	}
	if st.IsDir() {
		return nil // no object here, only other objects' directory
	}
	if err := os.Remove(p); err != nil && !isMissing(err) {
		return fmt.Errorf("blob file: delete %q: %w", key, err)
	}
	return nil
}

// Ping implements Pinger: it creates, writes, syncs and removes a temporary
// file in the store's directory.
func (f *File) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob file: ping: %w", err)
	}
	tmp, err := os.CreateTemp(f.dir, ".ping-*")
	if err != nil {
		return fmt.Errorf("blob file: ping: directory %s is not writable: %w", f.dir, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	_, err = tmp.WriteString("ping")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("blob file: ping: write to %s: %w", f.dir, err)
	}
	return nil
}

// List implements Lister: it walks the directory. Names starting with a dot
// (uploads in progress, ping files) are no keys and are skipped.
func (f *File) List(ctx context.Context, prefix string, fn func(Info) error) error {
	err := filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != f.dir && isMissing(err) {
				return nil // removed while walking
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == f.dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(f.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			// Skip a directory no key under prefix can be in.
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			if isMissing(err) {
				return nil
			}
			return err
		}
		return fn(Info{Key: key, Size: st.Size(), ModTime: st.ModTime()})
	})
	if err != nil {
		return fmt.Errorf("blob file: list %q: %w", prefix, err)
	}
	return nil
}

// isMissing reports whether err means the path does not exist, including
// when a parent "directory" is a regular file (another key's object).
func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// syncDir fsyncs a directory so a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	// Some file systems cannot fsync a directory; the rename is still done.
	if err != nil && (errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)) {
		return nil
	}
	return err
}
