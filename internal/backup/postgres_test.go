package backup

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// pg_dump and pg_restore get libpq's part of DATABASE_URL, the password
// through the environment, and the schema of its search_path.
func TestParsePgURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, url, schema, password string
	}{
		{"whole database", "postgres://clinic@db:5432/clinic?sslmode=disable", "postgres://clinic@db:5432/clinic?sslmode=disable", "", ""},
		{"password moves to PGPASSWORD", "postgres://clinic:s3cret@db/clinic", "postgres://clinic@db/clinic", "", "s3cret"},
		{"search_path picks the schema", "postgres://u@h/d?search_path=test_ab12%2Cpublic&sslmode=require", "postgres://u@h/d?sslmode=require", "test_ab12", ""},
		{"public is the whole database", "postgres://u@h/d?search_path=public", "postgres://u@h/d", "", ""},
		{"$user is skipped", "postgres://u@h/d?search_path=%24user%2C+Clinic", "postgres://u@h/d", "clinic", ""},
		{"a quoted schema keeps its case", "postgres://u@h/d?search_path=%22My+Clinic%22", "postgres://u@h/d", "My Clinic", ""},
		{"pgx's own parameters are dropped", "postgres://u@h/d?pool_max_conns=4&statement_timeout=5000&application_name=x", "postgres://u@h/d?application_name=x", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parsePgURL(tt.raw)
			require.NoError(t, err)
			require.Equal(t, tt.url, c.url)
			require.Equal(t, tt.schema, c.schema)
			i := slices.IndexFunc(c.env, func(s string) bool { return len(s) > 11 && s[:11] == "PGPASSWORD=" })
			if tt.password == "" {
				require.Equal(t, -1, i, "no PGPASSWORD")
			} else {
				require.Equal(t, "PGPASSWORD="+tt.password, c.env[i])
			}
		})
	}
}

func TestWithoutSchemaEntryKeepsEverythingButCreateSchema(t *testing.T) {
	t.Parallel()
	toc := ";\n; Archive created at 2026-12-02 03:29:28 UTC\n;\n" +
		"8; 2615 17128 SCHEMA - test_ab12 postgres\n" +
		"217; 1259 17129 TABLE test_ab12 t postgres\n" +
		"3656; 0 17129 TABLE DATA test_ab12 t postgres\n" +
		"3513; 1259 17136 INDEX test_ab12 t_s_idx postgres\n"
	want := ";\n; Archive created at 2026-12-02 03:29:28 UTC\n;\n" +
		"217; 1259 17129 TABLE test_ab12 t postgres\n" +
		"3656; 0 17129 TABLE DATA test_ab12 t postgres\n" +
		"3513; 1259 17136 INDEX test_ab12 t_s_idx postgres\n"
	require.Equal(t, want, string(withoutSchemaEntry([]byte(toc))))
}

func TestAMissingClientProgramSaysHowToInstallIt(t *testing.T) {
	t.Parallel()
	_, err := Tools{PgDump: "/nonexistent/pg_dump"}.Find()
	require.ErrorIs(t, err, ErrNoTool)
	require.ErrorContains(t, err, "/nonexistent/pg_dump")
	require.ErrorContains(t, err, "apt-get install postgresql-client-15")
}
