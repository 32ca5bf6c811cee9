package secret_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/secret"
)

// testKey returns a fixed key made of b repeated.
func testKey(b byte) secret.Key {
	var k secret.Key
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

func TestParseKeyAcceptsBase64AndHex(t *testing.T) {
	t.Parallel()
	k := testKey(1)
	tests := []struct {
		name string
		in   string
	}{
		{"base64 padded", base64.StdEncoding.EncodeToString(k[:])},
		{"base64 unpadded", base64.RawStdEncoding.EncodeToString(k[:])},
		{"base64url", base64.URLEncoding.EncodeToString(k[:])},
		{"base64url unpadded", base64.RawURLEncoding.EncodeToString(k[:])},
		{"hex lower case", hex.EncodeToString(k[:])},
		{"hex upper case", strings.ToUpper(hex.EncodeToString(k[:]))},
		{"trailing newline (a file)", base64.StdEncoding.EncodeToString(k[:]) + "\n"},
		{"surrounding spaces", "  " + hex.EncodeToString(k[:]) + " \r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := secret.ParseKey(tt.in)
			require.NoError(t, err)
			require.True(t, got == k, "ParseKey(%s) gave another key", tt.name)
		})
	}
}

func TestParseKeyRefusesWithoutEchoingTheValue(t *testing.T) {
	t.Parallel()
	k := testKey(7)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "empty"},
		{"not base64", "secret key!", "neither base64 nor hex"},
		{"a password", "correct-horse-battery-staple", "decodes to 21 bytes"},
		{"31 bytes", base64.StdEncoding.EncodeToString(k[:31]), "decodes to 31 bytes"},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(k[:], 1)), "decodes to 33 bytes"},
		{"hex of 31 bytes", hex.EncodeToString(k[:31]), "bytes, not 32"},
		{"hex with a stray letter", "zz" + hex.EncodeToString(k[:31]), "decodes to 48 bytes"},
		{"mixed base64 alphabets", "+_" + base64.RawURLEncoding.EncodeToString(k[:])[2:], "neither base64 nor hex"},
		{"all zero", base64.StdEncoding.EncodeToString(make([]byte, 32)), "all zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := secret.ParseKey(tt.in)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			require.Contains(t, err.Error(), "base64 (44 characters) or hex (64 characters)", "names the expected form")
			if tt.in != "" {
				require.NotContains(t, err.Error(), strings.TrimSpace(tt.in), "the error echoes the value")
			}
		})
	}
}

func TestKeyNeverPrintsItsBytes(t *testing.T) {
	t.Parallel()
	k := testKey(0x41) // "ABC…" in ASCII, so %s of the bytes would show letters
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "key", k)
	for _, got := range []string{
		fmt.Sprint(k), fmt.Sprintf("%s|%v|%x|%X|%d|%q|%+v|%#v", k, k, k, k, k, k, k, k),
		fmt.Sprintf("%v", struct{ K secret.Key }{k}), logs.String(),
	} {
		require.NotContains(t, got, "ABC")
		require.NotContains(t, got, "4142")
		require.NotContains(t, got, "65 66")
		require.Contains(t, got, "(secret)")
	}
}

func TestKeyFileIsGeneratedOnceThenReused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", secret.KeyFileName) // the directory does not exist yet

	k1, created, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.True(t, created, "first start generates")
	require.False(t, k1.IsZero())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	fromFile, err := secret.ParseKey(string(b))
	require.NoError(t, err, "the file holds a key in SECRET_KEY's form (it can be copied to other servers)")
	require.True(t, fromFile == k1)

	k2, created, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.False(t, created, "second start loads")
	require.True(t, k2 == k1, "second start uses the same key")
	requireOnlyKeyFile(t, filepath.Dir(path))
}

func TestKeyFileThatIsNotAKeyIsAnErrorAndLeftAlone(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), secret.KeyFileName)
	require.NoError(t, os.WriteFile(path, []byte("not a key\n"), 0o600))
	_, _, err := secret.LoadOrCreateKeyFile(path)
	require.Error(t, err)
	require.Contains(t, err.Error(), path)
	require.NotContains(t, err.Error(), "not a key")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "not a key\n", string(b), "never overwritten")
}

func TestConcurrentFirstStartsAgreeOnOneKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, secret.KeyFileName)
	const n = 16
	type result struct {
		key     secret.Key
		created bool
		err     error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			k, c, err := secret.LoadOrCreateKeyFile(path)
			results[i] = result{k, c, err}
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i, r := range results {
		require.NoError(t, r.err, "start %d", i)
		require.True(t, r.key == results[0].key, "start %d has another key", i)
		if r.created {
			created++
		}
	}
	require.Equal(t, 1, created, "exactly one start generated the key")
	requireOnlyKeyFile(t, dir)
}

// requireOnlyKeyFile checks that no temporary file was left behind.
func requireOnlyKeyFile(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{secret.KeyFileName}, names)
}

func TestLoadPicksTheConfiguredKeyOrTheFile(t *testing.T) {
	t.Parallel()
	configured, previous := testKey(1), testKey(2)

	t.Run("configured key: no file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		kr, src, err := secret.Load(secret.Config{Key: configured, Dir: dir})
		require.NoError(t, err)
		require.Equal(t, secret.Source{}, src)
		requireSameKeyring(t, kr, mustNew(t, configured))
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Empty(t, entries, "a configured key writes nothing")
	})
	t.Run("no key: generated, then loaded", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		kr1, src, err := secret.Load(secret.Config{Dir: dir})
		require.NoError(t, err)
		require.Equal(t, secret.Source{Path: filepath.Join(dir, secret.KeyFileName), Generated: true}, src)
		kr2, src, err := secret.Load(secret.Config{Dir: dir})
		require.NoError(t, err)
		require.Equal(t, secret.Source{Path: filepath.Join(dir, secret.KeyFileName)}, src)
		requireSameKeyring(t, kr1, kr2)
	})
	t.Run("previous key opens only", func(t *testing.T) {
		t.Parallel()
		old := mustNew(t, previous)
		sealed, err := old.Seal([]byte("x"), nil)
		require.NoError(t, err)
		kr, _, err := secret.Load(secret.Config{Key: configured, Previous: previous, Dir: t.TempDir()})
		require.NoError(t, err)
		got, err := kr.Open(sealed, nil)
		require.NoError(t, err)
		require.Equal(t, "x", string(got))
	})
	t.Run("previous key equal to the key", func(t *testing.T) {
		t.Parallel()
		_, _, err := secret.Load(secret.Config{Key: configured, Previous: configured, Dir: t.TempDir()})
		require.ErrorContains(t, err, "SECRET_KEY_PREVIOUS is the same key as SECRET_KEY")
	})
}

func mustNew(t *testing.T, k secret.Key, previous ...secret.Key) *secret.Keyring {
	t.Helper()
	kr, err := secret.New(k, previous...)
	require.NoError(t, err)
	return kr
}

// requireSameKeyring checks that b opens what a seals and verifies what a
// signs.
func requireSameKeyring(t *testing.T, a, b *secret.Keyring) {
	t.Helper()
	sealed, err := a.Seal([]byte("p"), nil)
	require.NoError(t, err)
	_, err = b.Open(sealed, nil)
	require.NoError(t, err, "b does not open what a sealed")
	tok, err := a.Sign("p", nil, farFuture)
	require.NoError(t, err)
	_, err = b.Verify("p", tok, now)
	require.NoError(t, err, "b does not verify what a signed")
}

// TestConcurrentProcessesAgreeOnOneKey starts this test binary several times
// at once on one empty directory (TestHelperProcessLoadsKeyFile): each
// process prints a digest of the key it got, and all must print the same.
func TestConcurrentProcessesAgreeOnOneKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), secret.KeyFileName)
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range n {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestHelperProcessLoadsKeyFile$")
		cmds[i].Env = append(os.Environ(), "SECRET_TEST_KEY_FILE="+path)
		outs[i] = new(bytes.Buffer)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		require.NoError(t, cmds[i].Start())
	}
	digests := map[string]int{}
	created := 0
	for i, c := range cmds {
		require.NoError(t, c.Wait(), "process %d: %s", i, outs[i])
		m := regexp.MustCompile(`key=([0-9a-f]{64}) created=(true|false)`).FindStringSubmatch(outs[i].String())
		require.NotNil(t, m, "process %d printed: %s", i, outs[i])
		digests[m[1]]++
		if m[2] == "true" {
			created++
		}
	}
	require.Len(t, digests, 1, "the processes got different keys")
	require.Equal(t, 1, created, "exactly one process generated the key")
	requireOnlyKeyFile(t, filepath.Dir(path))
}

// TestHelperProcessLoadsKeyFile is run by TestConcurrentProcessesAgreeOnOneKey
// in child processes; on its own it does nothing.
func TestHelperProcessLoadsKeyFile(t *testing.T) {
	t.Parallel()
	path := os.Getenv("SECRET_TEST_KEY_FILE")
	if path == "" {
		t.Skip("run by TestConcurrentProcessesAgreeOnOneKey")
	}
	k, created, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	d := sha256.Sum256(k[:])
	fmt.Printf("key=%x created=%t\n", d, created)
}
