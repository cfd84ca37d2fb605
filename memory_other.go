//go:build !linux

package factor

// systemMemory reports no limit of the system's: on other systems only the
// Go memory limit bounds the estimates.
func systemMemory() (bytes float64, source string, ok bool) { return 0, "", false }
