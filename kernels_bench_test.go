package factor

import (
	"fmt"
	"testing"
)

// BenchmarkKernel times each kernel on each path this build has (go, and
// avx2 on amd64 with AVX2 and FMA) and reports its rates: GFLOP/s (two
// flops a multiply-add) and GB/s (the bytes it must move at least: its
// operands once, a gathered row each time it is gathered). BenchmarkPeak
// gives the machine's FMA peak to hold them to; go run
// ./internal/cmd/benchcmp -rates its memory rates. One goroutine each.
func BenchmarkKernel(b *testing.B) {
	rng := testRand(99)
	s := randomCSR(20000, 5000, 0.005, 2) // 500k entries, as sparse20kx5k
	nnz := float64(len(s.indices))
	for _, path := range kernelPaths() {
		run := func(name string, flops, bytes float64, f func()) {
			b.Run(name+"/"+path, func(b *testing.B) {
				defer setKernelPath(path)()
				for b.Loop() {
					f()
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(flops*float64(b.N)/sec/1e9, "GFLOP/s")
				b.ReportMetric(bytes*float64(b.N)/sec/1e9, "GB/s")
			})
		}
		for _, n := range []int{16, 1024} {
			x, y := offsetVec(rng, n, 1, -1, 1), offsetVec(rng, n, 3, -1, 1)
			var sink float64
			run(fmt.Sprintf("dot/n=%d", n), 2*float64(n), 16*float64(n), func() { sink += dot(x, y) })
			run(fmt.Sprintf("axpy/n=%d", n), 2*float64(n), 24*float64(n), func() { axpy(1e-9, x, y) })
		}
		for _, k := range []int{16, 20, 32} {
			fk := float64(k)
			ht := offsetVec(rng, s.cols*k, 1, 0, 1)
			w := offsetVec(rng, s.rows*k, 1, 0, 1)
			dst := make([]float64, s.rows*k)
			run(fmt.Sprintf("spmmRow/k=%d", k), 2*nnz*fk, nnz*(8*fk+16)+float64(s.rows)*8*fk, func() {
				for i := 0; i < s.rows; i++ {
					p0, p1 := s.indptr[i], s.indptr[i+1]
					spmmRow(dst[i*k:i*k+k], s.indices[p0:p1], s.data[p0:p1], ht, k)
				}
			})
			sc := make([]float64, s.cols*k)
			run(fmt.Sprintf("scatterRow/k=%d", k), 2*nnz*fk, nnz*(16*fk+16)+float64(s.rows)*8*fk, func() {
				for i := 0; i < s.rows; i++ {
					p0, p1 := s.indptr[i], s.indptr[i+1]
					scatterRow(sc, s.indices[p0:p1], s.data[p0:p1], w[i*k:i*k+k], k)
				}
			})
			y := make([]float64, len(s.indices))
			run(fmt.Sprintf("sddmmRow/k=%d", k), 2*nnz*fk, nnz*(8*fk+16)+float64(s.rows)*8*fk, func() {
				for i := 0; i < s.rows; i++ {
					p0, p1 := s.indptr[i], s.indptr[i+1]
					sddmmRow(y[p0:p1], s.indices[p0:p1], w[i*k:i*k+k], ht, k)
				}
			})
			const rows = 1024
			a, c, g := halsProblem(rng, rows, k, false)
			run(fmt.Sprintf("halsSweepRows/k=%d", k), 2*rows*fk*fk, 24*rows*fk, func() {
				halsSweepRows(a, c, g, k, 0)
			})
		}
		// The dense products of the 2000×1000 case and its start: X·B and
		// Xᵀ·A for 32 columns, and a Gram, each tiled as mulJob and gramJob
		// tile them, on one goroutine.
		p := newPool(1)
		defer p.close()
		const n, m, l = 2000, 1000, 32
		x := general(n, m, offsetVec(rng, n*m, 0, 0, 1))
		bm := general(m, l, offsetVec(rng, m*l, 0, 0, 1))
		am := general(n, l, offsetVec(rng, n*l, 0, 0, 1))
		cn, cm := general(n, l, make([]float64, n*l)), general(m, l, make([]float64, m*l))
		mj := newMulJob()
		run("gemm/X·B-2000x1000x32", 2*n*m*l, 8*n*m, func() { mj.mul(p, cn, x, false, bm, false) })
		run("gemm/Xᵀ·A-2000x1000x32", 2*n*m*l, 8*n*m, func() { mj.mul(p, cm, x, true, am, false) })
		gj := newGramJob()
		gd := make([]float64, 20*20)
		f := offsetVec(rng, 64000*20, 0, 0, 1)
		run("gram/64000x20", 2*64000*20*20, 8*64000*20, func() { gj.gram(p, gd, f, 64000, 20) })
		a := offsetVec(rng, 1797*16, 0, 0, 1)
		num, den := offsetVec(rng, len(a), 0, 1, 2), offsetVec(rng, len(a), 0, 1, 2)
		run("muStep/1797x16", 3*float64(len(a)), 32*float64(len(a)), func() {
			mu := muJob{a: a, num: num, den: den, k: 16, gamma: 1}
			mu.rows(0, 1797)
		})
	}
}

// BenchmarkPeak runs the FMA peak loops, 4-wide (AVX2) and 8-wide
// (AVX-512), on one goroutine and reports GFLOP/s: the arithmetic bound the
// kernels are held to.
func BenchmarkPeak(b *testing.B) {
	for _, width := range []int{4, 8} {
		b.Run(fmt.Sprintf("fma%d", width*64), func(b *testing.B) {
			if fmaPeak(width, 1) == 0 {
				b.Skip("not on this machine or path")
			}
			var flops float64
			for b.Loop() {
				flops += fmaPeak(width, 1<<16)
			}
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
