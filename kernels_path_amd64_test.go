//go:build amd64 && !purego

package factor

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// kernelPaths are the kernel paths this build can run: the portable one,
// and the assembly one where the machine has AVX2 and FMA.
func kernelPaths() []string {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return []string{"go", "avx2"}
	}
	return []string{"go"}
}

// setKernelPath switches the dispatching functions to the named path and
// returns the function that switches them back. Not for parallel tests.
func setKernelPath(path string) (restore func()) {
	old := useAVX2
	useAVX2 = path == "avx2"
	return func() { useAVX2 = old }
}

// TestKernelPathChosen: on a machine with AVX2 and FMA the assembly
// kernels are the ones in use, so that the tests of the default build do
// test them.
func TestKernelPathChosen(t *testing.T) {
	want := "go"
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		want = "avx2"
	}
	if got := kernelPath(); got != want {
		t.Fatalf("kernel path %q, want %q (AVX2 %v, FMA %v)", got, want, cpu.X86.HasAVX2, cpu.X86.HasFMA)
	}
}

// fmaPeak runs the FMA peak loop of a width (4: AVX2, 8: AVX-512) for n
// rounds and returns its flops, or 0 when the machine lacks the width.
func fmaPeak(width, n int) float64 {
	switch {
	case width == 4 && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		fmaPeakAVX2(n)
		return 96 * float64(n)
	case width == 8 && cpu.X86.HasAVX512F:
		fmaPeakAVX512(n)
		return 384 * float64(n)
	}
	return 0
}
