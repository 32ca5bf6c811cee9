package blob_test

import (
	"bytes"
	"context"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/blob"
	"clinic/internal/platform/blob/blobtest"
	"clinic/internal/platform/testenv"
)

func TestFile(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store {
		store, err := blob.New(t.Context(), blob.Config{URL: "file://" + t.TempDir()})
		require.NoError(t, err)
		require.IsType(t, &blob.File{}, store)
		return store
	})
}

func TestS3(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t.Cleanup(func() {
		// Runs after every subtest, before the bucket is removed: failed and
		// too-large uploads must have aborted their multipart uploads.
		ctx := context.WithoutCancel(t.Context())
		for up := range env.client.ListIncompleteUploads(ctx, env.bucket, "", true) {
			require.NoError(t, up.Err)
			t.Errorf("multipart upload of %q was left behind, not aborted", up.Key)
		}
	})
	blobtest.Run(t, func(t *testing.T) blob.Store {
		// Subtests share the bucket, each under its own prefix.
		return env.store(t, testenv.RandomName("suite-"))
	})
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     blob.Config
		wantErr string // substring; "" means success
	}{
		{"UnknownSchemeIsNamed", blob.Config{URL: "ftp://files.example.com/x"}, `"ftp"`},
		{"MissingScheme", blob.Config{URL: "/var/lib/clinic"}, "no scheme"},
		{"FileWithoutPath", blob.Config{URL: "file://"}, "empty directory"},
		{"S3WithoutBucket", blob.Config{URL: "s3:///prefix"}, "no bucket"},
		{"S3InvalidBucket", blob.Config{URL: "s3://Bad_Bucket"}, "bucket"},
		{"S3InvalidPrefix", blob.Config{URL: "s3://bucket/a/../b"}, "prefix"},
		{"S3CredentialsInURL", blob.Config{URL: "s3://key:secret@bucket"}, "credentials"},
		{"S3EndpointWithoutScheme", blob.Config{URL: "s3://bucket", S3Endpoint: "127.0.0.1:7070"}, "scheme"},
		{"S3EndpointWithPath", blob.Config{URL: "s3://bucket", S3Endpoint: "http://127.0.0.1:7070/s3"}, "host"},
		{"S3HalfCredentials", blob.Config{URL: "s3://bucket", S3AccessKeyID: "id"}, "both"},
		{"S3", blob.Config{URL: "s3://bucket/some/prefix/", S3Endpoint: "http://127.0.0.1:7070", S3AccessKeyID: "id", S3SecretAccessKey: "secret", S3PathStyle: true}, ""},
		{"S3DefaultEndpointAndCredentialChain", blob.Config{URL: "s3://bucket"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, err := blob.New(t.Context(), tt.cfg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, store)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, store)
		})
	}
}

func TestNewS3KeepsBucketAndNormalisedPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, bucket, prefix string }{
		{"s3://files", "files", ""},
		{"s3://files/", "files", ""},
		{"s3://files/prod", "files", "prod/"},
		{"s3://files//prod/clinic/", "files", "prod/clinic/"},
	}
	for _, tt := range tests {
		store, err := blob.New(t.Context(), blob.Config{URL: tt.url, S3Endpoint: "http://127.0.0.1:7070"})
		require.NoError(t, err, tt.url)
		s3, ok := store.(*blob.S3)
		require.True(t, ok, "%s gave %T", tt.url, store)
		require.Equal(t, tt.bucket, s3.Bucket(), tt.url)
		require.Equal(t, tt.prefix, s3.Prefix(), tt.url)
	}
}

// Not parallel: it changes the working directory.
func TestNewFileResolvesRelativeAndDefaultDirectories(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	tests := []struct{ url, wantDir string }{
		{"", filepath.Join(wd, "data", "files")},
		{"file://./rel/dir", filepath.Join(wd, "rel", "dir")},
		{"file://" + filepath.Join(wd, "abs"), filepath.Join(wd, "abs")},
	}
	for _, tt := range tests {
		store, err := blob.New(t.Context(), blob.Config{URL: tt.url})
		require.NoError(t, err, tt.url)
		file, ok := store.(*blob.File)
		require.True(t, ok, "%q gave %T", tt.url, store)
		require.Equal(t, tt.wantDir, file.Dir(), tt.url)
		st, err := os.Stat(tt.wantDir)
		require.NoError(t, err, "directory for %q not created", tt.url)
		require.True(t, st.IsDir())
	}
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{
		"a",
		"clinics/42/attachments/0123abcd",
		"report.final.pdf",
		"ünïcødé/名前 with spaces",
		"a..b/c..",
		strings.Repeat("k", blob.MaxKeyLen),
	} {
		require.NoError(t, blob.ValidateKey(key), "key %q", key)
	}
	for name, key := range blobtest.InvalidKeys() {
		err := blob.ValidateKey(key)
		require.ErrorIs(t, err, blob.ErrInvalidKey, "%s: key %q", name, key)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%s: %v", name, err)
	}
}

func TestNewKeyPutsTheRandomPartUnderPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct{ prefix, wantPrefix string }{
		{"", ""},
		{"clinics/7/attachments/", "clinics/7/attachments/"},
		{"clinics/7/attachments", "clinics/7/attachments/"},
	}
	for _, tt := range tests {
		key := blob.NewKey(tt.prefix)
		require.True(t, strings.HasPrefix(key, tt.wantPrefix), "NewKey(%q) = %q", tt.prefix, key)
		random := strings.TrimPrefix(key, tt.wantPrefix)
		require.Len(t, random, 32, "NewKey(%q) = %q", tt.prefix, key)
		require.NotContains(t, random, "/")
	}
}

func TestFileStoresEachKeyAsAFileBelowDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := blob.NewFile(t.Context(), dir)
	require.NoError(t, err)

	_, err = store.Put(t.Context(), "clinics/1/attachments/x", bytes.NewReader(blobtest.PDF), blob.PutOptions{})
	require.NoError(t, err)

	path := filepath.Join(dir, "clinics", "1", "attachments", "x")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, blobtest.PDF, got)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), st.Mode().Perm(), "clinical files must be private")
}

func TestFilePutLeavesNoTemporaryFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := blob.NewFile(t.Context(), dir)
	require.NoError(t, err)
	ctx := t.Context()

	_, err = store.Put(ctx, "a/ok", bytes.NewReader(blobtest.Text), blob.PutOptions{})
	require.NoError(t, err)
	_, err = store.Put(ctx, "a/big", bytes.NewReader(make([]byte, 100)), blob.PutOptions{MaxSize: 10})
	require.ErrorIs(t, err, blob.ErrTooLarge)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = store.Put(cancelled, "a/cancelled", bytes.NewReader(blobtest.Text), blob.PutOptions{})
	require.Error(t, err)
	require.NoError(t, store.Ping(ctx))

	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	}))
	require.Equal(t, []string{"a/ok"}, files)
}

func TestFilePing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "files")
	store, err := blob.NewFile(t.Context(), dir)
	require.NoError(t, err)
	var _ blob.Pinger = store

	require.NoError(t, store.Ping(t.Context()))

	require.NoError(t, os.RemoveAll(dir))
	require.ErrorContains(t, store.Ping(t.Context()), "not writable")
}

func TestS3Ping(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)

	require.NoError(t, env.store(t, "").Ping(t.Context()))

	missing := env.cfg
	missing.URL = "s3://" + testenv.RandomName("missing-")
	store, err := blob.New(t.Context(), missing)
	require.NoError(t, err)
	require.ErrorContains(t, store.(blob.Pinger).Ping(t.Context()), "does not exist")
}

func TestS3PrefixKeepsStoresApart(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	ctx := t.Context()
	one, two := env.store(t, "one/deep"), env.store(t, "two")

	_, err := one.Put(ctx, "k", bytes.NewReader(blobtest.PNG), blob.PutOptions{})
	require.NoError(t, err)

	_, err = two.Stat(ctx, "k")
	require.ErrorIs(t, err, blob.ErrNotFound)
	oi, err := env.client.StatObject(ctx, env.bucket, "one/deep/k", minio.StatObjectOptions{})
	require.NoError(t, err, "object is not stored under its prefix")
	require.Equal(t, "image/png", oi.ContentType, "stored Content-Type")
}

func TestS3UnreachableServerIsUnavailable(t *testing.T) {
	t.Parallel()
	store, err := blob.New(t.Context(), blob.Config{
		URL: "s3://bucket", S3Endpoint: "http://127.0.0.1:1", S3Region: "us-east-1",
		S3AccessKeyID: "id", S3SecretAccessKey: "secret", S3PathStyle: true,
	})
	require.NoError(t, err)
	ctx := t.Context()

	_, err = store.Stat(ctx, "k")
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "Stat: %v", err)
	_, err = store.Put(ctx, "k", bytes.NewReader(blobtest.Text), blob.PutOptions{})
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "Put: %v", err)
	require.Error(t, store.(blob.Pinger).Ping(ctx))
}

// s3Env is a fresh bucket on the test S3 server, removed after the test.
type s3Env struct {
	cfg    blob.Config // URL names the bucket without a prefix
	client *minio.Client
	bucket string
}

func newS3Env(t *testing.T) *s3Env {
	t.Helper()
	endpoint := testenv.Require(t, "TEST_S3_ENDPOINT", "an S3-compatible server (see .ci/start-s3.sh)")
	accessKey := testenv.Require(t, "TEST_S3_ACCESS_KEY_ID", "the S3 server's access key")
	secretKey := testenv.Require(t, "TEST_S3_SECRET_ACCESS_KEY", "the S3 server's secret key")

	u, err := url.Parse(endpoint)
	require.NoError(t, err)
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(accessKey, secretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	require.NoError(t, err)

	bucket := testenv.RandomName("clinic-blob-")
	require.NoError(t, client.MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{}))
	t.Cleanup(func() { removeBucket(t, client, bucket) })

	return &s3Env{
		cfg: blob.Config{
			URL:               "s3://" + bucket,
			S3Endpoint:        endpoint,
			S3Region:          "us-east-1",
			S3AccessKeyID:     accessKey,
			S3SecretAccessKey: secretKey,
			S3PathStyle:       true,
		},
		client: client,
		bucket: bucket,
	}
}

// store returns a store on the bucket under prefix.
func (e *s3Env) store(t *testing.T, prefix string) *blob.S3 {
	t.Helper()
	cfg := e.cfg
	cfg.URL = "s3://" + e.bucket + "/" + prefix
	store, err := blob.New(t.Context(), cfg)
	require.NoError(t, err)
	return store.(*blob.S3)
}

// removeBucket empties bucket, including unfinished uploads, and removes it.
func removeBucket(t *testing.T, client *minio.Client, bucket string) {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	for obj := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		require.NoError(t, obj.Err)
		require.NoError(t, client.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{}))
	}
	for up := range client.ListIncompleteUploads(ctx, bucket, "", true) {
		require.NoError(t, up.Err)
		require.NoError(t, client.RemoveIncompleteUpload(ctx, bucket, up.Key))
	}
	require.NoError(t, client.RemoveBucket(ctx, bucket))
}
