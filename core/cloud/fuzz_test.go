package cloud

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzServerAnswers feeds arbitrary bytes to everything that reads a server's answer: the
// model decoders, the error-body parser and the Retry-After parser. None may panic; an
// error message stays bounded, valid UTF-8 and free of the key.
func FuzzServerAnswers(f *testing.F) {
	for _, seed := range []string{
		`[{"Status":"Running","EnvironmentId":"e","Mode":"Production","Production":"false","Instances":"2"}]`,
		`{"snapshots":[{"snapshot_id":"s","created_at":"2021-05-05T18:38:41.000Z","expires_at":null}],"total":1}`,
		`{"archive_id":"a","url":null,"finished_at":""}`,
		`{"restore_id":"r","created_at":1501855670000}`,
		`{"errorCode":"NO_ACCESS","errorMessage":"no"}`,
		`{"error":{"code":400,"message":"bad"}}`,
		"<html>\x00\xff" + testKey + "</html>",
		"Fri, 02 Jan 2026 03:05:05 GMT",
	} {
		f.Add([]byte(seed))
	}
	c := &Client{creds: &Credentials{Username: testUser, APIKey: testKey}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var envs []Environment
		_ = json.Unmarshal(data, &envs)
		for _, e := range envs {
			_ = e.Status.Label()
			_ = e.IsProduction()
		}
		var page SnapshotPage
		_ = json.Unmarshal(data, &page)
		var a Archive
		_ = json.Unmarshal(data, &a)
		var r Restore
		_ = json.Unmarshal(data, &r)
		var v1 []SnapshotV1
		_ = json.Unmarshal(data, &v1)
		_, _ = parseRetryAfter(string(data), time.Now())

		e := c.newAPIError("GET", "/x", 500, nil, data)
		if len(e.Message) > maxErrorMessage+len("…") || !utf8.ValidString(e.Message) {
			t.Fatalf("message of %d bytes, valid UTF-8 %v", len(e.Message), utf8.ValidString(e.Message))
		}
		if strings.Contains(e.Error(), testKey) {
			t.Fatal("the key reached the error text")
		}
	})
}
