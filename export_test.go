package factor

// KernelPath names the kernels in use ("go" or "avx2") for the external
// tests: the golden model files are kept per path.
func KernelPath() string { return kernelPath() }
