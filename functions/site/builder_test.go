package main

import (
	"strings"
	"testing"
)

func TestTrigger(t *testing.T) {
	for _, tc := range []struct{ event, want string }{
		{`{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`, "schedule"},
		{`{"Records":[{"eventSource":"aws:dynamodb","eventName":"MODIFY"}]}`, "stream"},
		{`{}`, "direct"},
		{`"just a string"`, "direct"},
		{`{"Records":[]}`, "direct"},
	} {
		if got := trigger([]byte(tc.event)); got != tc.want {
			t.Errorf("trigger(%s) = %s, want %s", tc.event, got, tc.want)
		}
	}
}

// TestFetchSourceRefusesOtherKeys checks that a source key outside content/ and templates/
// (or climbing out of the folder) is refused before anything is read or written.
func TestFetchSourceRefusesOtherKeys(t *testing.T) {
	for _, key := range []string{".sources/../../etc/passwd", ".sources/content/../../x", ".sources/bin/tool", ".sources/content//a.md"} {
		err := fetchSource(t.Context(), nil, "alliance-site", key, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "outside content/ and templates/") {
			t.Errorf("fetchSource(%s): got %v, want it refused", key, err)
		}
	}
}
