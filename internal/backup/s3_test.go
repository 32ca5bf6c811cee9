package backup_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"clinic/internal/backup"
	"clinic/internal/platform/blob"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// Every object of an S3 file store is backed up and restored into another
// (empty) prefix of the bucket; objects beside the store's prefix are not.
func TestBackupOfAnS3FileStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := newBucket(t)
	store := func(prefix string) blob.Store {
		c := cfg
		c.URL += "/" + prefix
		s, err := blob.New(ctx, c)
		require.NoError(t, err)
		return s
	}
	src, beside := store("clinic"), store("other")
	want := map[string]string{}
	for i, content := range []string{"card front", "card back", strings.Repeat("exam ", 2000)} {
		key := blob.NewKey("clinics/" + string(rune('a'+i)) + "/documents")
		_, err := src.Put(ctx, key, strings.NewReader(content), blob.PutOptions{})
		require.NoError(t, err)
		want[key] = content
	}
	_, err := beside.Put(ctx, "clinics/z/not-this", strings.NewReader("another deployment"), blob.PutOptions{})
	require.NoError(t, err)

	archive, m, err := backup.Create(ctx, t.TempDir(), backup.Source{DB: dbtest.SQLite(t), Files: src}, backup.Options{})
	require.NoError(t, err)
	require.Equal(t, len(want), m.FileCount)

	dst := store("restored")
	_, err = backup.Restore(ctx, archive, backup.Target{DatabaseURL: dbtest.SQLiteURL(t), Files: dst}, backup.Options{})
	require.NoError(t, err)
	got := map[string]string{}
	require.NoError(t, dst.(blob.Lister).List(ctx, "", func(info blob.Info) error {
		rc, _, err := dst.Open(ctx, info.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		got[info.Key] = string(b)
		return err
	}))
	require.Equal(t, want, got)
}

// newBucket makes a bucket on TEST_S3_ENDPOINT, removed with its objects
// when the test ends, and returns the blob config of its root.
func newBucket(t *testing.T) blob.Config {
	t.Helper()
	endpoint := testenv.Require(t, "TEST_S3_ENDPOINT", "an S3-compatible server (see .ci/start-s3.sh)")
	access := testenv.Require(t, "TEST_S3_ACCESS_KEY_ID", "the S3 server's access key")
	secret := testenv.Require(t, "TEST_S3_SECRET_ACCESS_KEY", "the S3 server's secret key")
	u, err := url.Parse(endpoint)
	require.NoError(t, err)
	client, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""),
		Secure: u.Scheme == "https", Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	require.NoError(t, err)
	bucket := testenv.RandomName("clinic-backup-")
	require.NoError(t, client.MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{}))
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		for obj := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				_ = client.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
			}
		}
		_ = client.RemoveBucket(ctx, bucket)
	})
	return blob.Config{URL: "s3://" + bucket, S3Endpoint: endpoint, S3Region: "us-east-1",
		S3AccessKeyID: access, S3SecretAccessKey: secret, S3PathStyle: true}
}
