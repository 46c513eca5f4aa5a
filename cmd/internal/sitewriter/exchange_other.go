//go:build !linux

package sitewriter

// exchange swaps the folders a and b with three renames.
func exchange(a, b string) error { return swapAside(a, b) }
