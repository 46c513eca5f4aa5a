package lambdaenv

import (
	"strings"
	"testing"
)

func TestAWS(t *testing.T) {
	for _, tc := range []struct {
		name, endpoint, region, id, secret string
		wantRegion, wantID, wantErr        string
	}{
		{name: "lambda", region: "cn-northwest-1", id: "AKID", secret: "S", wantRegion: "cn-northwest-1", wantID: "AKID"},
		{name: "local server, no region", endpoint: "http://127.0.0.1:8000", wantRegion: "cn-north-1", wantID: "local"},
		{name: "local server keeps AWS_REGION", endpoint: "http://127.0.0.1:8000", region: "us-west-2", id: "AKID", secret: "S", wantRegion: "us-west-2", wantID: "local"},
		{name: "no region", id: "AKID", secret: "S", wantErr: "AWS_REGION is not set"},
		{name: "no secret", region: "cn-north-1", id: "AKID", wantErr: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_REGION", tc.region)
			t.Setenv("AWS_ACCESS_KEY_ID", tc.id)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tc.secret)
			t.Setenv("AWS_SESSION_TOKEN", "")
			region, creds, err := AWS(tc.endpoint, "cn-north-1")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v, err := creds.Retrieve(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if region != tc.wantRegion || v.AccessKeyID != tc.wantID {
				t.Errorf("got region %q, key %q; want %q, %q", region, v.AccessKeyID, tc.wantRegion, tc.wantID)
			}
		})
	}
}
