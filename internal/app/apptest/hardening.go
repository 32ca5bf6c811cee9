package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tableName is what RowCount and TableDigest accept: a plain SQL identifier.
var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// RowCount returns the number of rows of table in the instance's database.
func (in *Instance) RowCount(t testing.TB, table string) int {
	t.Helper()
	require.Regexp(t, tableName, table)
	var n int
	require.NoError(t, in.DB.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n), "count %s", table)
	return n
}

// TableDigest returns a digest of every row of table (order-independent),
// so that a test can show a request changed nothing in it, updates
// included: equal digests mean equal contents.
func (in *Instance) TableDigest(t testing.TB, table string) string {
	t.Helper()
	require.Regexp(t, tableName, table)
	rows, err := in.DB.QueryContext(context.Background(), `SELECT * FROM `+table)
	require.NoError(t, err, "read %s", table)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		var b strings.Builder
		for i, v := range vals {
			if raw, ok := v.([]byte); ok {
				v = string(raw)
			}
			fmt.Fprintf(&b, "%s=%v;", cols[i], v)
		}
		lines = append(lines, b.String())
	}
	require.NoError(t, rows.Err())
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return strconv.Itoa(len(lines)) + " rows, " + hex.EncodeToString(sum[:8])
}

// requestsLine matches one sample of clinic_http_requests_total and captures
// its status label and value (route labels hold braces, so no simpler split).
var requestsLine = regexp.MustCompile(`^clinic_http_requests_total\{.*status="(\d+)".*\} ([0-9.e+]+)$`)

// ServerErrors reads the instance's /metrics and returns how many requests
// it has answered with a 5xx status so far (all routes).
func (in *Instance) ServerErrors(t testing.TB) int {
	t.Helper()
	res, err := http.Get(in.URL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "/metrics: %s", body)
	total := 0
	for line := range strings.SplitSeq(string(body), "\n") {
		m := requestsLine.FindStringSubmatch(line)
		if m == nil || !strings.HasPrefix(m[1], "5") {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err, "metrics line %q", line)
		total += int(v)
	}
	return total
}

// Raw sends body exactly as given (nil: no body) with the client's cookies
// and headers, and returns the answer. Unlike Do it never marshals nor
// checks anything, so tests can send malformed JSON, invalid UTF-8 or
// duplicate keys; a transport error is returned, not fatal, so that fuzz
// targets can report it themselves.
func (c *Client) Raw(method, path string, body []byte) (*Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// ErrorShape checks that an error answer has the API's error shape,
// {"error":{"code":…,"message":…}} with a non-empty code and message, and
// returns a description of what is wrong ("" when it is fine).
func (r *Response) ErrorShape() string {
	var e struct {
		Error *struct {
			Code    *string         `json:"code"`
			Message *string         `json:"message"`
			Fields  json.RawMessage `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		return "the body is not JSON: " + err.Error()
	}
	switch {
	case e.Error == nil:
		return `the body has no "error" object`
	case e.Error.Code == nil || *e.Error.Code == "":
		return `error.code is missing or empty`
	case e.Error.Message == nil || *e.Error.Message == "":
		return `error.message is missing or empty`
	}
	if len(e.Error.Fields) > 0 {
		var fields map[string]string
		if err := json.Unmarshal(e.Error.Fields, &fields); err != nil {
			return "error.fields is not an object of strings: " + err.Error()
		}
	}
	return ""
}

// Fields returns error.fields of an error answer (nil when it has none).
func (r *Response) Fields() map[string]string {
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Fields
}
