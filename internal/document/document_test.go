package document_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/document"
	"clinic/internal/document/documenttest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// TestUploadRefusesWhatIsNotAllowed: an oversized file is a TooLarge and
// a file that is no PDF, JPEG or PNG (whatever its name) an Unsupported,
// both storing nothing; a path-like name stays a name, never a key.
func TestUploadRefusesWhatIsNotAllowed(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		testUploadRefuses(t, newEnv(t, url, nil))
	})
}

// TestUploadRefusesWhatIsNotAllowedOnS3 is the same on an S3 store.
func TestUploadRefusesWhatIsNotAllowedOnS3(t *testing.T) {
	t.Parallel()
	endpoint := testenv.Require(t, "TEST_S3_ENDPOINT", "an S3-compatible server (see .ci/start-s3.sh)")
	access := testenv.Require(t, "TEST_S3_ACCESS_KEY_ID", "the S3 server's access key")
	secret := testenv.Require(t, "TEST_S3_SECRET_ACCESS_KEY", "the S3 server's secret key")
	u, err := url.Parse(endpoint)
	require.NoError(t, err)
	client, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: u.Scheme == "https",
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	require.NoError(t, err)
	bucket := testenv.RandomName("clinic-docs-")
	require.NoError(t, client.MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{}))
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		for obj := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			_ = client.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
		}
		_ = client.RemoveBucket(ctx, bucket)
	})
	e := newEnv(t, dbtest.SQLiteURL(t), map[string]string{"FILES_URL": "s3://" + bucket, "S3_ENDPOINT": endpoint, "S3_REGION": "us-east-1",
		"S3_ACCESS_KEY_ID": access, "S3_SECRET_ACCESS_KEY": secret, "S3_PATH_STYLE": "true"})
	e.objects = func() []string {
		var out []string
		for obj := range client.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Recursive: true}) {
			require.NoError(t, obj.Err)
			out = append(out, obj.Key)
		}
		for up := range client.ListIncompleteUploads(t.Context(), bucket, "", true) {
			require.NoError(t, up.Err)
			out = append(out, "incomplete:"+up.Key)
		}
		return out
	}
	testUploadRefuses(t, e)
}

func testUploadRefuses(t *testing.T, e *env) {
	c := e.clinic()
	pngData := documenttest.PNG(t, []string{"CPF 529.982.247-25"})
	big := append(bytes.Clone(pngData), make([]byte, 300001)...)
	cases := []struct {
		name, file string
		content    []byte
		code       apperr.Code
	}{
		{"oversized", "big.png", big, apperr.TooLarge},
		{"text named as a PDF", "exame.pdf", []byte("%PDX not really a pdf, plain text of a hostile client\n"), apperr.Unsupported},
		{"html named as an image", "card.png", []byte("<html><script>alert(1)</script></html>"), apperr.Unsupported},
		{"a zip", "scan.jpg", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), apperr.Unsupported},
		{"empty", "empty.png", nil, apperr.Invalid},
	}
	for _, tc := range cases {
		_, err := c.upload(c.owner, document.KindInsuranceCard, false, tc.file, tc.content)
		require.Equal(t, tc.code, apperr.CodeOf(err), "%s: %v", tc.name, err)
	}
	require.Zero(t, c.count("documents"), "no row for a refused upload")
	require.Empty(t, e.objects(), "no object for a refused upload")

	d, err := c.upload(c.owner, document.KindInsuranceCard, false, "../../etc/passwd", pngData)
	require.NoError(t, err)
	require.Equal(t, "passwd", d.FileName)
	require.Equal(t, document.TypePNG, d.ContentType, "sniffed, not taken from the name")
	keys := e.objects()
	require.Len(t, keys, 1)
	require.True(t, strings.HasPrefix(keys[0], "clinics/"+c.id+"/documents/"), "stored at %s", keys[0])
	require.NotContains(t, keys[0], "passwd")
	got, rc, err := c.svc.Open(context.Background(), c.recep, d.ID)
	require.NoError(t, err)
	require.Equal(t, pngData, readAll(t, rc))
	require.Equal(t, d.SHA256, got.SHA256)
}

// TestSafeName: names keep their last element, lose what could break a
// header or a page, and are never empty.
func TestSafeName(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, ctype, want string }{
		{"../../etc/passwd", document.TypePDF, "passwd"},
		{`C:\Users\ana\carteirinha.jpg`, document.TypeJPEG, "carteirinha.jpg"},
		{"exame\"; filename=evil.html", document.TypePDF, "exame filename=evil.html"},
		{"..", document.TypePNG, "document.png"},
		{"", document.TypePDF, "document.pdf"},
		{".hidden.png", document.TypePNG, "hidden.png"},
		{"a\r\nb.pdf", document.TypePDF, "ab.pdf"},
		{"Guia de Encaminhamento – Dr. José.pdf", document.TypePDF, "Guia de Encaminhamento – Dr. José.pdf"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, document.SafeName(tc.in, tc.ctype), "SafeName(%q)", tc.in)
	}
}

// FuzzSafeName: whatever the name, the result is one path element without
// control characters, quotes or separators.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"../../etc/passwd", "a\x00b", `x\y`, "\"", "....", "é.pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := document.SafeName(name, document.TypePDF)
		if got == "" || strings.ContainsAny(got, "/\\\";\r\n\x00") || strings.HasPrefix(got, ".") {
			t.Fatalf("SafeName(%q) = %q", name, got)
		}
	})
}

// TestRoles: receptionists and admins read administrative documents but
// not clinical ones (forbidden); financial users none; a professional
// those of their own patients only; another clinic's document is not
// found; every download is audited.
func TestRoles(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url, nil)
		c, other := e.clinic(), e.clinic()
		ctx := context.Background()
		png := documenttest.PNG(t, []string{"Encaminhamento"})
		card := c.mustUpload(document.KindInsuranceCard, false, png)
		exam := c.mustUpload(document.KindOther, true, png)
		require.True(t, exam.Clinical)

		cases := []struct {
			who  string
			p    kernel.Principal
			card apperr.Code // "" = allowed
			exam apperr.Code
		}{
			{"owner", c.owner, "", ""},
			{"admin", c.admin, "", apperr.Forbidden},
			{"receptionist", c.recep, "", apperr.Forbidden},
			{"financial", c.fin, apperr.Forbidden, apperr.Forbidden},
			{"the patient's professional", c.prof, "", ""},
			{"another professional", c.other, apperr.Forbidden, apperr.Forbidden},
			{"another clinic's owner", other.owner, apperr.NotFound, apperr.NotFound},
		}
		for _, tc := range cases {
			for _, d := range []struct {
				doc  document.Document
				want apperr.Code
			}{{card, tc.card}, {exam, tc.exam}} {
				_, err := c.svc.Get(ctx, tc.p, d.doc.ID)
				require.Equal(t, d.want, apperr.CodeOf(err), "%s reads %s: %v", tc.who, d.doc.Kind, err)
				_, rc, err := c.svc.Open(ctx, tc.p, d.doc.ID)
				require.Equal(t, d.want, apperr.CodeOf(err), "%s downloads %s: %v", tc.who, d.doc.Kind, err)
				if err == nil {
					require.Equal(t, png, readAll(t, rc))
				}
			}
		}
		// Lists keep to what each may see.
		for _, tc := range []struct {
			p    kernel.Principal
			want int
		}{{c.owner, 2}, {c.recep, 1}, {c.admin, 1}, {c.prof, 2}} {
			docs, err := c.svc.List(ctx, tc.p, c.patient.ID, false)
			require.NoError(t, err)
			require.Len(t, docs, tc.want, "%s lists", tc.p.Role)
		}
		_, err := c.svc.List(ctx, c.fin, c.patient.ID, false)
		require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))
		_, err = c.svc.List(ctx, c.other, c.patient.ID, false)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "not their patient")
		_, err = other.svc.List(ctx, other.owner, c.patient.ID, false)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "another clinic's patient")
		// A receptionist cannot attach clinical content.
		_, err = c.upload(c.recep, document.KindExam, false, "exame.png", png)
		require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))
		_, err = c.upload(c.fin, document.KindInsuranceCard, false, "c.png", png)
		require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))

		// Downloads: owner, admin, receptionist, professional of the card;
		// owner and professional of the exam.
		countReads := func(id string) int {
			n := 0
			for _, a := range c.audits(id) {
				if a.Entity == document.Entity+"_content" && a.Action == "read" {
					n++
				}
			}
			return n
		}
		require.Equal(t, 4, countReads(card.ID))
		require.Equal(t, 2, countReads(exam.ID))
	})
}

// TestArchiveKeepsTheDocument: an archived document leaves the list, is
// still read and listed with archived ones.
func TestArchiveKeepsTheDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLiteURL(t), nil)
	c := e.clinic()
	ctx := context.Background()
	d := c.mustUpload(document.KindReferral, false, documenttest.PNG(t, []string{"Guia"}))
	a, err := c.svc.Archive(ctx, c.recep, d.ID)
	require.NoError(t, err)
	require.NotNil(t, a.ArchivedAt)
	docs, err := c.svc.List(ctx, c.recep, c.patient.ID, false)
	require.NoError(t, err)
	require.Empty(t, docs)
	docs, err = c.svc.PatientDocuments(ctx, c.owner, c.patient.ID)
	require.NoError(t, err)
	require.Len(t, docs, 1)
	_, rc, err := c.svc.Open(ctx, c.owner, d.ID)
	require.NoError(t, err)
	rc.Close()
}
