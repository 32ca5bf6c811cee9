package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"clinic/internal/apperr"
)

// S3PartSize is the size of the parts S3 uploads objects in. Objects up to
// this size go up in a single PUT from one buffer of this size; larger ones
// stream as a multipart upload of unknown length, buffering two parts at a
// time (10 MiB), which S3 limits to 10,000 parts (about 48 GiB at this size).
const S3PartSize = 5 << 20

// s3MaxRetries bounds the client's retries of a failed request (its default
// of 10 keeps an upload waiting about 12 s for a server that is down).
const s3MaxRetries = 3

// S3 is a Store in a bucket of an S3-compatible server (AWS S3, MinIO,
// versitygw, Ceph RGW, …), optionally under a key prefix.
//
// Put reads the first S3PartSize bytes into memory. If the object ends within
// them it is sent in one PUT; otherwise the rest is streamed with unknown size
// (-1) as a multipart upload that is aborted when the reader fails or passes
// MaxSize, so nothing is stored. The sniffed content type is stored as the
// object's Content-Type. An upload interrupted so hard that the abort request
// cannot be sent (a killed process) leaves parts behind that are invisible to
// readers but billed: give the bucket a lifecycle rule that aborts incomplete
// multipart uploads after a day.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // "" or ends with "/"
}

var (
	_ Store  = (*S3)(nil)
	_ Pinger = (*S3)(nil)
	_ Lister = (*S3)(nil)
)

// S3Options configures NewS3.
type S3Options struct {
	// Endpoint is the server's base URL; https:// turns TLS on, http:// off.
	// Empty means https://s3.amazonaws.com.
	Endpoint string
	// Region is the bucket's region; empty lets the client look it up.
	Region string
	// AccessKeyID and SecretAccessKey are static credentials. When both are
	// empty the environment (AWS_* or MINIO_* variables), the AWS credentials
	// file and the instance's IAM role are tried in that order.
	AccessKeyID     string
	SecretAccessKey string
	// PathStyle forces path-style requests; false lets the client choose
	// (virtual-host style on AWS, path style for IP addresses and localhost).
	PathStyle bool
	// Bucket holds the objects; it must exist and follow today's S3 naming
	// rules (lowercase letters, digits, dots and hyphens).
	Bucket string
	// Prefix is prepended to every key (a "/" is added between them); slashes
	// around it are ignored. Empty means the bucket's root.
	Prefix string
	// Transport overrides the HTTP transport, e.g. in tests; nil means the
	// client's default.
	Transport http.RoundTripper
}

// NewS3 returns an S3 store. It makes no request; call Ping to check that
// the bucket exists and the credentials work.
func NewS3(o S3Options) (*S3, error) {
	if o.Bucket == "" {
		return nil, errors.New("blob s3: no bucket (want s3://bucket[/prefix])")
	}
	if err := s3utils.CheckValidBucketNameStrict(o.Bucket); err != nil {
		return nil, fmt.Errorf("blob s3: bucket %q: %w", o.Bucket, err)
	}
	prefix := strings.Trim(o.Prefix, "/")
	if prefix != "" {
		if p := keyProblem(prefix); p != "" {
			return nil, fmt.Errorf("blob s3: prefix %q: %s", prefix, p)
		}
		prefix += "/"
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = "https://s3.amazonaws.com"
	}
	if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
		return nil, fmt.Errorf("blob s3: endpoint %q: scheme must be http:// or https://", endpoint)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("blob s3: endpoint %q: %w", endpoint, err)
	}
	secure := u.Scheme == "https"
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("blob s3: endpoint %q: want scheme://host[:port] only", endpoint)
	}
	if (o.AccessKeyID == "") != (o.SecretAccessKey == "") {
		return nil, errors.New("blob s3: set both the access key id and the secret access key, or neither")
	}
	var creds *credentials.Credentials
	if o.AccessKeyID != "" {
		creds = credentials.NewStaticV4(o.AccessKeyID, o.SecretAccessKey, "")
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.EnvMinio{},
			&credentials.FileAWSCredentials{},
			&credentials.IAM{},
		})
	}
	lookup := minio.BucketLookupAuto
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Region:       o.Region,
		BucketLookup: lookup,
		Transport:    o.Transport,
		MaxRetries:   s3MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("blob s3: client: %w", err)
	}
	return &S3{client: client, bucket: o.Bucket, prefix: prefix}, nil
}

// Bucket returns the store's bucket.
func (s *S3) Bucket() string { return s.bucket }

// Prefix returns the prefix prepended to keys: "" or a string ending in "/".
func (s *S3) Prefix() string { return s.prefix }

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("blob s3: put: %w", err)
	}
	lr := &limitReader{r: ctxReader{ctx: ctx, r: r}, max: opts.MaxSize}
	first := make([]byte, S3PartSize)
	n, err := io.ReadFull(lr, first)
	ended := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if lr.exceeded {
		return Info{}, tooLarge("blob s3: put", key, opts.MaxSize)
	}
	if err != nil && !ended {
		return Info{}, s3Err("put", key, err)
	}
	first = first[:n]
	contentType := http.DetectContentType(first) // looks at no more than 512 bytes
	putOpts := minio.PutObjectOptions{ContentType: contentType, PartSize: S3PartSize}

	var up minio.UploadInfo
	if ended {
		up, err = s.client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(first), int64(n), putOpts)
	} else {
		// On failure, including ctx ending mid-stream, the client aborts the
		// multipart upload on a context detached from ctx.
		body := io.MultiReader(bytes.NewReader(first), lr)
		up, err = s.client.PutObject(ctx, s.bucket, s.prefix+key, body, -1, putOpts)
	}
	if lr.exceeded {
		return Info{}, tooLarge("blob s3: put", key, opts.MaxSize)
	}
	if err != nil {
		return Info{}, s3Err("put", key, err)
	}
	size := int64(n)
	if !ended {
		size = lr.n
	}
	mod := up.LastModified
	if mod.IsZero() {
		mod = time.Now()
	}
	return Info{Key: key, Size: size, ContentType: contentType, ModTime: mod}, nil
}

// Open implements Store. The object is fetched with one GET whose body the
// returned reader streams.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, fmt.Errorf("blob s3: open: %w", err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s3Err("open", key, err)
	}
	oi, err := obj.Stat() // sends the GET and reads the response headers
	if err != nil {
		_ = obj.Close()
		return nil, Info{}, s3Err("open", key, err)
	}
	return obj, s.info(key, oi), nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("blob s3: stat: %w", err)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s3Err("stat", key, err)
	}
	return s.info(key, oi), nil
}

// Delete implements Store. S3 itself treats deleting a missing key as success.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("blob s3: delete: %w", err)
	}
	err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{})
	if err != nil && !isS3NotFound(err) {
		return s3Err("delete", key, err)
	}
	return nil
}

// Ping implements Pinger: it checks that the bucket exists and that the
// credentials may see it.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s3Err("ping", "", err)
	}
	if !ok {
		return fmt.Errorf("blob s3: ping: bucket %q does not exist", s.bucket)
	}
	return nil
}

// List implements Lister with ListObjects (V2) under the store's prefix.
// Objects whose names are no valid keys (folder markers ending in "/",
// objects written by other tools) are skipped.
func (s *S3) List(ctx context.Context, prefix string, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx) // stops the listing when fn fails
	defer cancel()
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if obj.Err != nil {
			return s3Err("list", "", obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, s.prefix)
		if keyProblem(key) != "" {
			continue
		}
		if err := fn(Info{Key: key, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *S3) info(key string, oi minio.ObjectInfo) Info {
	return Info{Key: key, Size: oi.Size, ContentType: oi.ContentType, ModTime: oi.LastModified}
}

// s3Err wraps a client error: a missing object becomes ErrNotFound, an
// unreachable or overloaded server an apperr.Unavailable.
func s3Err(op, key string, err error) error {
	if isS3NotFound(err) {
		return notFound("blob s3: "+op, key)
	}
	var wrapped error
	if key == "" {
		wrapped = fmt.Errorf("blob s3: %s: %w", op, err)
	} else {
		wrapped = fmt.Errorf("blob s3: %s %q: %w", op, key, err)
	}
	if isS3Unavailable(err) {
		return apperr.Wrap(wrapped, apperr.Unavailable,
			"File storage is temporarily unavailable. Please try again shortly.")
	}
	return wrapped
}

// isS3NotFound reports whether err says the object does not exist.
func isS3NotFound(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && er.Code == minio.NoSuchKey
}

// isS3Unavailable reports whether err means the server could not be reached
// or is overloaded, so that retrying later may succeed.
func isS3Unavailable(err error) bool {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		return er.StatusCode == http.StatusServiceUnavailable || er.Code == "SlowDown"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}
