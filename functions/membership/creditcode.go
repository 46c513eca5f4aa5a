package membership

import "strings"

// creditCodeCharset is the alphabet of the unified social credit code (GB 32100-2015):
// digits and the capital letters without I, O, S, V and Z. A character's value is its index.
const creditCodeCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// CreditCodeCheckChar returns the check character (the 18th) for the first 17 characters
// of a unified social credit code, and false if they are not 17 characters of the charset.
// The weights are 3^(i-1) mod 31; the check value is 31 − (Σ mod 31), with 31 written as 0.
func CreditCodeCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeCharset, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * w
		w = w * 3 % 31
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditCodeCharset[c], true
}

// ValidCreditCode reports whether s is an 18-character unified social credit code with
// a correct check character. Letters must be capitals; callers normalise input first.
func ValidCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	c, ok := CreditCodeCheckChar(s[:17])
	return ok && c == s[17]
}
