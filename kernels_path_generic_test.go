//go:build !amd64 || purego

package factor

// kernelPaths are the kernel paths this build can run: the portable one.
func kernelPaths() []string { return []string{"go"} }

// setKernelPath does nothing: there is one path.
func setKernelPath(string) (restore func()) { return func() {} }

// fmaPeak reports 0: no peak loop off the vector path.
func fmaPeak(width, n int) float64 { return 0 }
