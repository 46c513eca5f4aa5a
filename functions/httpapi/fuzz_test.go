package httpapi_test

import (
	"strings"
	"testing"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// FuzzDecodeValidate feeds arbitrary bodies to the decoder and validator: they must
// never panic, must reject with EINVALID only, and whatever they accept, honeypot or
// not, must be valid. `go test` runs the seeds; `go test -fuzz FuzzDecodeValidate` fuzzes.
func FuzzDecodeValidate(f *testing.F) {
	for _, seed := range []string{
		validJSON,
		`{"type":"individual","contact":"王五","phone":"010-68200012","email":"w@example.cn","region":"上海市","industry":"金融","specialised":"none","services":["ipo"],"introduction":"个人","commitment_accepted":true,"privacy_accepted":true,"privacy_version":"2026-11-01"}`,
		`{"type":"individual","credit_code":"91110000600037341L"}`,
		`{"listing_plan":{"year":99999999999999999999}}`,
		`{"services":[null,"ipo","ipo"]}`,
		`{"website":"x"}`,
		strings.Replace(validJSON, `"type":`, `"website":"http://spam.example","type":`, 1),
		`{"TYPE":"individual","Listing_Plan":{"YEAR":2030}}`,
		`{"type":"\u0000"}`,
		`{`, `[]`, `null`, `""`, `{}{}`, "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		app, honeypot, err := httpapi.DecodeApplication(body)
		if err != nil {
			if code := membership.ErrorCode(err); code != membership.EINVALID {
				t.Fatalf("DecodeApplication(%q) error code = %q (%v), want %q", body, code, err, membership.EINVALID)
			}
			return
		}
		if app == nil {
			t.Fatalf("DecodeApplication(%q) = nil, %v, nil, want an application", body, honeypot)
		}
		if verr := app.Validate(); verr != nil {
			t.Fatalf("DecodeApplication(%q) accepted an application that fails Validate: %v", body, verr)
		}
	})
}
