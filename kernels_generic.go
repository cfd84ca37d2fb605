//go:build !amd64 || purego

package factor

import "gonum.org/v1/gonum/blas/blas64"

// The portable kernels, for the build tag purego and every architecture
// but amd64.
const useAVX2 = false

// kernelPath names the kernels in use, for benchmarks and tests.
func kernelPath() string { return "go" }

func dot(x, y []float64) float64 { return dotGo(x, y) }

func axpy(a float64, x, y []float64) { axpyGo(a, x, y) }

func spmmRow(d []float64, cols []int, vals []float64, b []float64, k int) {
	spmmRowGo(d, cols, vals, b, k)
}

func spmm2Row(d, e []float64, cols []int, u, v []float64, b []float64, k int) {
	spmm2RowGo(d, e, cols, u, v, b, k)
}

func sddmmRow(y []float64, cols []int, a, b []float64, k int) { sddmmRowGo(y, cols, a, b, k) }

func scatterRow(dst []float64, cols []int, vals []float64, a []float64, k int) {
	scatterRowGo(dst, cols, vals, a, k)
}

func halsSweep4(a, c, g []float64, k int, l1 float64) float64 { return halsSweep4Go(a, c, g, k, l1) }

func halsSweep(a, c, g []float64, l1 float64) float64 { return halsSweepGo(a, c, g, l1) }

// sweepBuf is the vector path's room for transposed rows: none here.
type sweepBuf struct{}

func (*sweepBuf) sweep4(a, c, g []float64, k int, l1 float64) float64 {
	return halsSweep4Go(a, c, g, k, l1)
}

// muStepVec reports false: the step stays with muJob.rows.
func muStepVec(a, num, den []float64, l1, l2 float64, floor bool) bool { return false }

// trsmVec reports false: the triangular solves stay with gonum.
func trsmVec(b []float64, rows, n int, r []float64) bool { return false }

// gemmVec reports false: the dense products stay with gonum.
func gemmVec(c, a blas64.General, transA bool, b blas64.General) bool { return false }
