package membership

import "testing"

func TestValidCreditCode(t *testing.T) {
	tests := []struct {
		name string
		code string
		want bool
	}{
		// Real codes of listed companies, each checked against the published register.
		{"real 91110000600037341L", "91110000600037341L", true},
		{"real 91110000100006485K", "91110000100006485K", true},
		{"real 91310000717854505W", "91310000717854505W", true},
		{"real 914403001922038216", "914403001922038216", true},
		{"real 91110108551385082Q", "91110108551385082Q", true},
		{"real 9111000071093123XX", "9111000071093123XX", true},
		{"real 91110000802100433B", "91110000802100433B", true},
		{"real 91440300708461136T", "91440300708461136T", true},
		{"wrong check character", "91110000600037341M", false},
		{"one body digit changed", "91110000600037342L", false},
		{"two digits swapped", "91110000600073341L", false},
		{"lower-case check letter", "91110000600037341l", false},
		{"letter I not in charset", "9111000060003734IL", false},
		{"letter O not in charset", "91110000O00037341L", false},
		{"17 characters", "91110000600037341", false},
		{"19 characters", "91110000600037341LL", false},
		{"empty", "", false},
		{"full-width digits", "９1110000600037341L", false},
		{"all zeros", "000000000000000000", true}, // checksum is only a checksum
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidCreditCode(tt.code); got != tt.want {
				t.Errorf("ValidCreditCode(%q) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestCreditCodeCheckCharZero(t *testing.T) {
	// A body whose weighted sum is a multiple of 31 gets check character '0' (31 → 0).
	got, ok := CreditCodeCheckChar("00000000000000000")
	if !ok || got != '0' {
		t.Errorf("CreditCodeCheckChar(zeros) = %q, %v, want '0', true", got, ok)
	}
}
