// Command asmgen generates the amd64 assembly kernels of package factor
// (../../kernels_amd64.s) and their Go declarations
// (../../kernels_amd64_stubs.go) with avo. It is its own module, so that
// the library does not depend on avo. From the repository's root:
//
//	cd internal/asmgen && go run . -out ../../kernels_amd64.s -stubs ../../kernels_amd64_stubs.go -pkg factor
//
// Every kernel sums each output in the order its portable Go counterpart
// does, with fused multiply-adds (one rounding a step where Go rounds the
// product and the sum); dotAVX2, which has no portable twin of the same
// order, is the exception, and its order is stated where it is generated.
// The kernels use 256-bit vectors only (AVX2 and FMA), so that a machine
// with AVX-512 gets the same bits as one without; the AVX-512 variants use
// the same 256-bit lanes with its 32 registers and masks.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// tailMask holds four all-ones quadwords then four zero ones: the 32 bytes
// from offset 8·(4−r) are the mask of a vector's first r lanes.
var tailMask Mem

func main() {
	ConstraintExpr("amd64,!purego")
	tailMask = GLOBL("tailmask", RODATA|NOPTR)
	for i := 0; i < 4; i++ {
		DATA(8*i, U64(^uint64(0)))
	}
	for i := 4; i < 8; i++ {
		DATA(8*i, U64(0))
	}
	genAxpy()
	genDot()
	genSpmmRow()
	genScatterRow()
	genSddmmRow()
	genHALSSweep4()
	genHALSSweep1()
	genHALSSweep4T()
	genMUStep()
	genPeak()
	genTrsm()
	genGemm()
	Generate()
}

// mem returns base + index·scale + disp.
func mem(base, index Register, scale uint8, disp int) Mem {
	return Mem{Base: base, Index: index, Scale: scale, Disp: disp}
}

// addr returns the stack address of a parameter or its component.
func addr(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// loadMask sets dst to the mask of the first rem lanes, rem (1…3) in a
// register, clobbering rem.
func loadMask(rem, dst Register) {
	t := GP64()
	LEAQ(tailMask, t)
	SHLQ(U8(3), rem)
	NEGQ(rem)
	VMOVUPD(mem(t, rem, 1, 32), dst)
}

// hsum returns, in the low lane of an XMM register, (y0 + y1) + (y2 + y3)
// for the lanes y0…y3 of y: dot4's combination of its partial sums.
func hsum(y VecVirtual) VecVirtual {
	h := XMM()
	VEXTRACTF128(U8(1), y, h)
	t := XMM()
	VHADDPD(h, y.AsX(), t) // t0 = y0 + y1, t1 = y2 + y3
	u := XMM()
	VPERMILPD(U8(1), t, u)
	VADDSD(u, t, t)
	return t
}

// reduce4 returns the vector of hsum of each of the four accumulators.
func reduce4(acc [4]VecVirtual) VecVirtual {
	h01, h23 := YMM(), YMM()
	VHADDPD(acc[1], acc[0], h01) // a0+a1, b0+b1, a2+a3, b2+b3
	VHADDPD(acc[3], acc[2], h23) // c0+c1, d0+d1, c2+c3, d2+d3
	lo, hi := YMM(), YMM()
	VPERM2F128(U8(0x20), h23, h01, lo) // a01, b01, c01, d01
	VPERM2F128(U8(0x31), h23, h01, hi) // a23, b23, c23, d23
	VADDPD(hi, lo, lo)
	return lo
}

func zero(vs ...VecVirtual) {
	for _, v := range vs {
		VXORPD(v, v, v)
	}
}

func genAxpy() {
	TEXT("axpyAVX2", NOSPLIT, "func(a float64, x, y []float64)")
	Pragma("noescape")
	Doc("axpyAVX2 sets y[i] = fma(a, x[i], y[i]) for i < len(x) ≤ len(y).")
	a := Load(Param("a"), XMM())
	va := YMM()
	VBROADCASTSD(a, va)
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	i := GP64()
	XORQ(i, i)
	n16, n4 := GP64(), GP64()
	MOVQ(n, n16)
	ANDQ(I32(-16), n16)
	MOVQ(n, n4)
	ANDQ(I32(-4), n4)
	Label("axpy16")
	CMPQ(i, n16)
	JGE(LabelRef("axpy4"))
	for j := 0; j < 4; j++ {
		v := YMM()
		VMOVUPD(mem(y, i, 8, 32*j), v)
		VFMADD231PD(mem(x, i, 8, 32*j), va, v)
		VMOVUPD(v, mem(y, i, 8, 32*j))
	}
	ADDQ(U8(16), i)
	JMP(LabelRef("axpy16"))
	Label("axpy4")
	CMPQ(i, n4)
	JGE(LabelRef("axpy1"))
	v := YMM()
	VMOVUPD(mem(y, i, 8, 0), v)
	VFMADD231PD(mem(x, i, 8, 0), va, v)
	VMOVUPD(v, mem(y, i, 8, 0))
	ADDQ(U8(4), i)
	JMP(LabelRef("axpy4"))
	Label("axpy1")
	CMPQ(i, n)
	JGE(LabelRef("axpyDone"))
	s := XMM()
	VMOVSD(mem(y, i, 8, 0), s)
	VFMADD231SD(mem(x, i, 8, 0), a, s)
	VMOVSD(s, mem(y, i, 8, 0))
	INCQ(i)
	JMP(LabelRef("axpy1"))
	Label("axpyDone")
	VZEROUPPER()
	RET()
}

func genDot() {
	TEXT("dotAVX2", NOSPLIT, "func(x, y []float64) float64")
	Pragma("noescape")
	Doc(
		"dotAVX2 returns Σ x[i]·y[i] over i < len(x) ≤ len(y) with sixteen partial",
		"sums: over the leading multiple of 16, lane j of accumulator q takes the",
		"indices ≡ 4q+j (mod 16); then accumulator 0 the remaining quads; the",
		"accumulators are added (a0+a1)+(a2+a3), the lanes (l0+l1)+(l2+l3), and the",
		"last len(x) mod 4 products added to that in order, each step fused.",
	)
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	var acc [4]VecVirtual
	for q := range acc {
		acc[q] = YMM()
	}
	zero(acc[:]...)
	i := GP64()
	XORQ(i, i)
	n16, n4 := GP64(), GP64()
	MOVQ(n, n16)
	ANDQ(I32(-16), n16)
	MOVQ(n, n4)
	ANDQ(I32(-4), n4)
	Label("dot16")
	CMPQ(i, n16)
	JGE(LabelRef("dot4"))
	for q := 0; q < 4; q++ {
		v := YMM()
		VMOVUPD(mem(x, i, 8, 32*q), v)
		VFMADD231PD(mem(y, i, 8, 32*q), v, acc[q])
	}
	ADDQ(U8(16), i)
	JMP(LabelRef("dot16"))
	Label("dot4")
	CMPQ(i, n4)
	JGE(LabelRef("dotSum"))
	v := YMM()
	VMOVUPD(mem(x, i, 8, 0), v)
	VFMADD231PD(mem(y, i, 8, 0), v, acc[0])
	ADDQ(U8(4), i)
	JMP(LabelRef("dot4"))
	Label("dotSum")
	VADDPD(acc[1], acc[0], acc[0])
	VADDPD(acc[3], acc[2], acc[2])
	VADDPD(acc[2], acc[0], acc[0])
	s := hsum(acc[0])
	Label("dot1")
	CMPQ(i, n)
	JGE(LabelRef("dotDone"))
	t := XMM()
	VMOVSD(mem(x, i, 8, 0), t)
	VFMADD231SD(mem(y, i, 8, 0), t, s)
	INCQ(i)
	JMP(LabelRef("dot1"))
	Label("dotDone")
	VZEROUPPER()
	Store(s, ReturnIndex(0))
	RET()
}

// retBool stores v (0 or 1) as the function's first result.
func retBool(v uint8) {
	r := GP8()
	MOVB(U8(v), r)
	Store(r, ReturnIndex(0))
}

// chunkDispatch jumps, for w = remaining columns (elements, 1 or more),
// to the label prefix_nv_full when w ≥ 4·nv exactly fits (w = 4·nv, or
// nv = 12 and w ≥ 48) and to prefix_nv_mask when the last of nv vectors
// is partial.
func chunkDispatch(prefix string, w Register, maxNV int) {
	for nv := 1; nv <= maxNV; nv++ {
		CMPQ(w, U32(4*nv))
		JLT(LabelRef(fmt.Sprintf("%s_%d_mask", prefix, nv)))
		if nv < maxNV {
			JEQ(LabelRef(fmt.Sprintf("%s_%d_full", prefix, nv)))
		} else {
			JMP(LabelRef(fmt.Sprintf("%s_%d_full", prefix, nv)))
		}
	}
}

const maxNV = 12 // vectors of a row chunk held in registers: 48 columns

// rowChunks emits the loop over the k columns of a row (kb = 8·k) in
// chunks of up to maxNV vectors: for each chunk, at byte offset t with w
// columns left, it jumps to the variant of nv vectors, the last partial
// (masked, with its lane mask in mask) or not, and body emits that
// variant's work, its own labels prefixed by name. When the columns are
// done it jumps to prefix_ok.
func rowChunks(prefix string, kb Register, body func(name string, t, w Register, nv int, masked bool, mask VecVirtual)) {
	t := GP64() // column offset of the chunk, bytes
	XORQ(t, t)
	Label(prefix + "_chunk")
	w := GP64()
	MOVQ(kb, w)
	SUBQ(t, w)
	JLE(LabelRef(prefix + "_ok"))
	SHRQ(U8(3), w)
	chunkDispatch(prefix, w, maxNV)
	for nv := 1; nv <= maxNV; nv++ {
		for _, masked := range []bool{false, true} {
			name := fmt.Sprintf("%s_%d_full", prefix, nv)
			if masked {
				name = fmt.Sprintf("%s_%d_mask", prefix, nv)
			}
			Label(name)
			var mask VecVirtual
			if masked {
				mask = YMM()
				rem := GP64()
				MOVQ(w, rem)
				SUBQ(U32(4*(nv-1)), rem)
				loadMask(rem, mask)
			}
			body(name, t, w, nv, masked, mask)
			ADDQ(U32(32*nv), t)
			JMP(LabelRef(prefix + "_chunk"))
		}
	}
}

// entryHead emits the head of name_loop, the loop over a row's entries p
// (from 0; to exit at len(cols)): c = cols[p]·kb, the byte offset of the
// entry's row, or a jump to bad when cols[p] is not below the parameter
// bound; v = vals[p] in every lane.
func entryHead(name, exit, bad, bound string, cp, vp, kb, p Register) (Register, VecVirtual) {
	Label(name + "_loop")
	CMPQ(p, addr(Param("cols").Len()))
	JGE(LabelRef(exit))
	c := GP64()
	MOVQ(mem(cp, p, 8, 0), c)
	CMPQ(c, addr(Param(bound)))
	JAE(LabelRef(bad))
	IMULQ(kb, c)
	v := YMM()
	VBROADCASTSD(mem(vp, p, 8, 0), v)
	return c, v
}

// endBool emits prefix_ok, returning true, and prefix_bad, returning false.
func endBool(prefix string) {
	Label(prefix + "_ok")
	VZEROUPPER()
	retBool(1)
	RET()
	Label(prefix + "_bad")
	VZEROUPPER()
	retBool(0)
	RET()
}

func genSpmmRow() {
	TEXT("spmmRowAVX2", NOSPLIT, "func(d []float64, cols []int, vals []float64, b []float64, k int, rowsB int) bool")
	Pragma("noescape")
	Doc(
		"spmmRowAVX2 sets d[t] = Σ_p vals[p]·b[cols[p]·k + t] for t < k, each a chain",
		"of fused multiply-adds over p in order from 0, 48 columns at a time. It",
		"reports false, at once, for a column not below rowsB.",
	)
	dp := Load(Param("d").Base(), GP64())
	cp := Load(Param("cols").Base(), GP64())
	vp := Load(Param("vals").Base(), GP64())
	bp := Load(Param("b").Base(), GP64())
	kb := Load(Param("k"), GP64())
	SHLQ(U8(3), kb)
	rowChunks("spmm", kb, func(name string, t, w Register, nv int, masked bool, mask VecVirtual) {
		acc := make([]VecVirtual, nv)
		for j := range acc {
			acc[j] = YMM()
		}
		zero(acc...)
		bt := GP64()
		LEAQ(mem(bp, t, 1, 0), bt)
		p := GP64()
		XORQ(p, p)
		c, v := entryHead(name, name+"_store", "spmm_bad", "rowsB", cp, vp, kb, p)
		for j := 0; j < nv; j++ {
			if masked && j == nv-1 {
				tmp := YMM()
				VMASKMOVPD(mem(bt, c, 1, 32*j), mask, tmp)
				VFMADD231PD(tmp, v, acc[j])
			} else {
				VFMADD231PD(mem(bt, c, 1, 32*j), v, acc[j])
			}
		}
		INCQ(p)
		JMP(LabelRef(name + "_loop"))
		Label(name + "_store")
		dt := GP64()
		LEAQ(mem(dp, t, 1, 0), dt)
		for j := 0; j < nv; j++ {
			if masked && j == nv-1 {
				VMASKMOVPD(acc[j], mask, Mem{Base: dt, Disp: 32 * j})
			} else {
				VMOVUPD(acc[j], Mem{Base: dt, Disp: 32 * j})
			}
		}
	})
	endBool("spmm")
}

func genScatterRow() {
	TEXT("scatterRowAVX2", NOSPLIT, "func(dst []float64, cols []int, vals []float64, a []float64, k int, rowsDst int) bool")
	Pragma("noescape")
	Doc(
		"scatterRowAVX2 sets dst[cols[p]·k + t] = fma(vals[p], a[t], dst[cols[p]·k + t])",
		"for t < k, over p in order, 48 columns at a time. It reports false, at",
		"once, for a column not below rowsDst.",
	)
	dp := Load(Param("dst").Base(), GP64())
	cp := Load(Param("cols").Base(), GP64())
	vp := Load(Param("vals").Base(), GP64())
	ap := Load(Param("a").Base(), GP64())
	kb := Load(Param("k"), GP64())
	SHLQ(U8(3), kb)
	rowChunks("scat", kb, func(name string, t, w Register, nv int, masked bool, mask VecVirtual) {
		av := make([]VecVirtual, nv)
		for j := range av {
			av[j] = YMM()
			if masked && j == nv-1 {
				VMASKMOVPD(mem(ap, t, 1, 32*j), mask, av[j])
			} else {
				VMOVUPD(mem(ap, t, 1, 32*j), av[j])
			}
		}
		dt := GP64()
		LEAQ(mem(dp, t, 1, 0), dt)
		p := GP64()
		XORQ(p, p)
		c, v := entryHead(name, name+"_next", "scat_bad", "rowsDst", cp, vp, kb, p)
		for j := 0; j < nv; j++ {
			tmp := YMM()
			m := mem(dt, c, 1, 32*j)
			if masked && j == nv-1 {
				VMASKMOVPD(m, mask, tmp)
				VFMADD231PD(av[j], v, tmp)
				VMASKMOVPD(tmp, mask, m)
			} else {
				VMOVUPD(m, tmp)
				VFMADD231PD(av[j], v, tmp)
				VMOVUPD(tmp, m)
			}
		}
		INCQ(p)
		JMP(LabelRef(name + "_loop"))
		Label(name + "_next")
	})
	endBool("scat")
}

func genSddmmRow() {
	TEXT("sddmmRowAVX2", NOSPLIT, "func(y []float64, cols []int, a, b []float64, k int, rowsB int) bool")
	Pragma("noescape")
	Doc(
		"sddmmRowAVX2 sets y[p] = a·b[cols[p]·k : cols[p]·k + k] for p < len(cols),",
		"each dot product summed as dot4 does (lane j of one vector takes the",
		"indices ≡ j mod 4 of the leading multiple of 4, lane 0 then the rest,",
		"(s0+s1)+(s2+s3)), fused; four entries at a time. It reports false, at",
		"once, for a column not below rowsB.",
	)
	yp := Load(Param("y").Base(), GP64())
	cp := Load(Param("cols").Base(), GP64())
	ap := Load(Param("a").Base(), GP64())
	bp := Load(Param("b").Base(), GP64())
	kb := Load(Param("k"), GP64())
	SHLQ(U8(3), kb)
	end1 := GP64()
	MOVQ(kb, end1)
	ANDQ(I32(-32), end1)
	p := GP64()
	XORQ(p, p)
	n4 := GP64()
	Load(Param("cols").Len(), n4)
	ANDQ(I32(-4), n4)

	Label("sddmm4")
	CMPQ(p, n4)
	JGE(LabelRef("sddmm1"))
	var r [4]Register
	for e := 0; e < 4; e++ {
		c := GP64()
		MOVQ(mem(cp, p, 8, 8*e), c)
		CMPQ(c, addr(Param("rowsB")))
		JAE(LabelRef("sddmm_bad"))
		IMULQ(kb, c)
		ADDQ(bp, c)
		r[e] = c
	}
	var acc [4]VecVirtual
	for e := range acc {
		acc[e] = YMM()
	}
	zero(acc[:]...)
	j := GP64()
	XORQ(j, j)
	Label("sddmm4_vec")
	CMPQ(j, end1)
	JGE(LabelRef("sddmm4_tail"))
	ta := YMM()
	VMOVUPD(mem(ap, j, 1, 0), ta)
	for e := 0; e < 4; e++ {
		VFMADD231PD(mem(r[e], j, 1, 0), ta, acc[e])
	}
	ADDQ(U8(32), j)
	JMP(LabelRef("sddmm4_vec"))
	Label("sddmm4_tail")
	CMPQ(j, kb)
	JGE(LabelRef("sddmm4_sum"))
	sa := XMM()
	VMOVSD(mem(ap, j, 1, 0), sa)
	for e := 0; e < 4; e++ {
		sb := XMM()
		VMOVSD(mem(r[e], j, 1, 0), sb)
		VFMADD231PD(sb.AsY(), sa.AsY(), acc[e])
	}
	ADDQ(U8(8), j)
	JMP(LabelRef("sddmm4_tail"))
	Label("sddmm4_sum")
	res := reduce4(acc)
	VMOVUPD(res, mem(yp, p, 8, 0))
	ADDQ(U8(4), p)
	JMP(LabelRef("sddmm4"))

	Label("sddmm1")
	CMPQ(p, addr(Param("cols").Len()))
	JGE(LabelRef("sddmm_ok"))
	c := GP64()
	MOVQ(mem(cp, p, 8, 0), c)
	CMPQ(c, addr(Param("rowsB")))
	JAE(LabelRef("sddmm_bad"))
	IMULQ(kb, c)
	ADDQ(bp, c)
	acc1 := YMM()
	zero(acc1)
	XORQ(j, j)
	Label("sddmm1_vec")
	CMPQ(j, end1)
	JGE(LabelRef("sddmm1_tail"))
	t1 := YMM()
	VMOVUPD(mem(ap, j, 1, 0), t1)
	VFMADD231PD(mem(c, j, 1, 0), t1, acc1)
	ADDQ(U8(32), j)
	JMP(LabelRef("sddmm1_vec"))
	Label("sddmm1_tail")
	CMPQ(j, kb)
	JGE(LabelRef("sddmm1_sum"))
	s1, s2 := XMM(), XMM()
	VMOVSD(mem(ap, j, 1, 0), s1)
	VMOVSD(mem(c, j, 1, 0), s2)
	VFMADD231PD(s2.AsY(), s1.AsY(), acc1)
	ADDQ(U8(8), j)
	JMP(LabelRef("sddmm1_tail"))
	Label("sddmm1_sum")
	s := hsum(acc1)
	VMOVSD(s, mem(yp, p, 8, 0))
	INCQ(p)
	JMP(LabelRef("sddmm1"))

	endBool("sddmm")
}

// genHALSSweep4 writes halsSweep4AVX2, halsSweep4 of hals.go on four
// consecutive rows: for each t the four gradients dot4(g[t,:], a_e) −
// (c_e[t] − l1), then the coordinate steps of the four rows in the lanes
// of one vector.
func genHALSSweep4() {
	TEXT("halsSweep4AVX2", NOSPLIT, "func(a, c, g []float64, k int, l1 float64) float64")
	Pragma("noescape")
	Doc(
		"halsSweep4AVX2 is halsSweep4 on the four k-entry rows of a and c against",
		"the k×k g: each gradient a dot product summed as dot4 does, fused, and each",
		"step exactly coordinateStep's. It returns the moved sum in halsSweep4's order.",
	)
	ap := Load(Param("a").Base(), GP64())
	cp := Load(Param("c").Base(), GP64())
	gt := Load(Param("g").Base(), GP64()) // row t of g
	kb := Load(Param("k"), GP64())
	SHLQ(U8(3), kb)
	l1 := Load(Param("l1"), XMM())
	vl1 := YMM()
	VBROADCASTSD(l1, vl1)
	end1 := GP64()
	MOVQ(kb, end1)
	ANDQ(I32(-32), end1)
	var rows [4]Register
	rows[0] = ap
	for e := 1; e < 4; e++ {
		rows[e] = GP64()
		MOVQ(rows[e-1], rows[e])
		ADDQ(kb, rows[e])
	}
	moved := XMM()
	zero(moved)
	vz := YMM()
	zero(vz)
	tb := GP64() // t·8
	XORQ(tb, tb)

	Label("hs4_t")
	CMPQ(tb, kb)
	JGE(LabelRef("hs4_done"))
	var acc [4]VecVirtual
	for e := range acc {
		acc[e] = YMM()
	}
	zero(acc[:]...)
	j := GP64()
	XORQ(j, j)
	Label("hs4_vec")
	CMPQ(j, end1)
	JGE(LabelRef("hs4_tail"))
	tg := YMM()
	VMOVUPD(mem(gt, j, 1, 0), tg)
	for e := 0; e < 4; e++ {
		VFMADD231PD(mem(rows[e], j, 1, 0), tg, acc[e])
	}
	ADDQ(U8(32), j)
	JMP(LabelRef("hs4_vec"))
	Label("hs4_tail")
	CMPQ(j, kb)
	JGE(LabelRef("hs4_step"))
	sg := XMM()
	VMOVSD(mem(gt, j, 1, 0), sg)
	for e := 0; e < 4; e++ {
		sa := XMM()
		VMOVSD(mem(rows[e], j, 1, 0), sa)
		VFMADD231PD(sa.AsY(), sg.AsY(), acc[e])
	}
	ADDQ(U8(8), j)
	JMP(LabelRef("hs4_tail"))

	Label("hs4_step")
	dots := reduce4(acc)
	// The four rows' c[t] and a[t], gathered into vectors.
	gather := func(base Register, stride Register) VecVirtual {
		lo, hi := XMM(), XMM()
		q := GP64()
		LEAQ(mem(base, tb, 1, 0), q)
		VMOVSD(Mem{Base: q}, lo)
		VMOVHPD(mem(q, stride, 1, 0), lo, lo)
		LEAQ(mem(q, stride, 2, 0), q)
		VMOVSD(Mem{Base: q}, hi)
		VMOVHPD(mem(q, stride, 1, 0), hi, hi)
		v := YMM()
		VINSERTF128(U8(1), hi, lo.AsY(), v)
		return v
	}
	cv := gather(cp, kb)
	old := gather(ap, kb)
	grad := YMM()
	VSUBPD(vl1, cv, cv)    // c − l1
	VSUBPD(cv, dots, grad) // dot − (c − l1)
	hess := YMM()
	VBROADCASTSD(mem(gt, tb, 1, 0), hess)
	nw, diff := YMM(), YMM()
	VUCOMISD(vz.AsX(), hess.AsX())
	JNE(LabelRef("hs4_newton"))
	JPS(LabelRef("hs4_newton"))
	// hess = 0: a[t] = 0 where grad > 0, else unchanged (no change counted).
	gtMask := YMM()
	VCMPPD(U8(0x1e), vz, grad, gtMask) // grad > 0, ordered
	VANDNPD(old, gtMask, nw)
	VSUBPD(old, nw, diff)
	VANDPD(gtMask, diff, diff)
	JMP(LabelRef("hs4_store"))
	Label("hs4_newton")
	q := YMM()
	VDIVPD(hess, grad, q)
	VSUBPD(q, old, nw)
	VMAXPD(nw, vz, nw) // NaN stays NaN, as Go's max
	VADDPD(vz, nw, nw) // −0 becomes +0, as Go's max(−0, 0)
	VSUBPD(old, nw, diff)
	Label("hs4_store")
	{
		q := GP64()
		LEAQ(mem(ap, tb, 1, 0), q)
		VMOVSD(nw.AsX(), Mem{Base: q})
		VMOVHPD(nw.AsX(), mem(q, kb, 1, 0))
		LEAQ(mem(q, kb, 2, 0), q)
		hi := XMM()
		VEXTRACTF128(U8(1), nw, hi)
		VMOVSD(hi, Mem{Base: q})
		VMOVHPD(hi, mem(q, kb, 1, 0))
	}
	// moved += ((d0² + d1²) + d2²) + d3²
	sq := YMM()
	VMULPD(diff, diff, sq)
	s := XMM()
	VHADDPD(sq.AsX(), sq.AsX(), s)
	hi := XMM()
	VEXTRACTF128(U8(1), sq, hi)
	VADDSD(hi, s, s)
	VPERMILPD(U8(1), hi, hi)
	VADDSD(hi, s, s)
	VADDSD(s, moved, moved)
	ADDQ(U8(8), tb)
	ADDQ(kb, gt)
	JMP(LabelRef("hs4_t"))
	Label("hs4_done")
	VZEROUPPER()
	Store(moved, ReturnIndex(0))
	RET()
}

// genHALSSweep1 writes halsSweepAVX2, halsSweep of hals.go on one row.
func genHALSSweep1() {
	TEXT("halsSweepAVX2", NOSPLIT, "func(a, c, g []float64, l1 float64) float64")
	Pragma("noescape")
	Doc(
		"halsSweepAVX2 is halsSweep on the k-entry row a (k = len(a)), with",
		"halsSweep4AVX2's arithmetic for one row.",
	)
	ap := Load(Param("a").Base(), GP64())
	cp := Load(Param("c").Base(), GP64())
	gt := Load(Param("g").Base(), GP64())
	kb := Load(Param("a").Len(), GP64())
	SHLQ(U8(3), kb)
	l1 := Load(Param("l1"), XMM())
	end1 := GP64()
	MOVQ(kb, end1)
	ANDQ(I32(-32), end1)
	moved := XMM()
	zero(moved)
	vz := XMM()
	zero(vz)
	tb := GP64()
	XORQ(tb, tb)
	Label("hs1_t")
	CMPQ(tb, kb)
	JGE(LabelRef("hs1_done"))
	acc := YMM()
	zero(acc)
	j := GP64()
	XORQ(j, j)
	Label("hs1_vec")
	CMPQ(j, end1)
	JGE(LabelRef("hs1_tail"))
	tg := YMM()
	VMOVUPD(mem(gt, j, 1, 0), tg)
	VFMADD231PD(mem(ap, j, 1, 0), tg, acc)
	ADDQ(U8(32), j)
	JMP(LabelRef("hs1_vec"))
	Label("hs1_tail")
	CMPQ(j, kb)
	JGE(LabelRef("hs1_step"))
	sg, sa := XMM(), XMM()
	VMOVSD(mem(gt, j, 1, 0), sg)
	VMOVSD(mem(ap, j, 1, 0), sa)
	VFMADD231PD(sa.AsY(), sg.AsY(), acc)
	ADDQ(U8(8), j)
	JMP(LabelRef("hs1_tail"))
	Label("hs1_step")
	dot := hsum(acc)
	cv, old := XMM(), XMM()
	VMOVSD(mem(cp, tb, 1, 0), cv)
	VMOVSD(mem(ap, tb, 1, 0), old)
	VSUBSD(l1, cv, cv)
	grad := XMM()
	VSUBSD(cv, dot, grad)
	hess := XMM()
	VMOVSD(mem(gt, tb, 1, 0), hess)
	nw := XMM()
	VUCOMISD(vz, hess)
	JNE(LabelRef("hs1_newton"))
	JPS(LabelRef("hs1_newton"))
	VUCOMISD(vz, grad)
	JLS(LabelRef("hs1_next")) // grad ≤ 0 or NaN: unchanged, nothing moved
	// grad > 0: a[t] = 0
	VXORPD(nw, nw, nw)
	JMP(LabelRef("hs1_store"))
	Label("hs1_newton")
	q := XMM()
	VDIVSD(hess, grad, q)
	VSUBSD(q, old, nw)
	VMAXSD(nw, vz, nw)
	VADDSD(vz, nw, nw)
	Label("hs1_store")
	VMOVSD(nw, mem(ap, tb, 1, 0))
	d := XMM()
	VSUBSD(old, nw, d)
	VMULSD(d, d, d)
	VADDSD(d, moved, moved)
	Label("hs1_next")
	ADDQ(U8(8), tb)
	ADDQ(kb, gt)
	JMP(LabelRef("hs1_t"))
	Label("hs1_done")
	VZEROUPPER()
	Store(moved, ReturnIndex(0))
	RET()
}

const gemmMR, gemmNV = 4, 3

// genGemm writes gemmAVX2, the dense product of a tile.
func genGemm() {
	TEXT("gemmAVX2", NOSPLIT, "func(rows, cols, depth int, a []float64, ars, aps int, b []float64, ldb int, c []float64, ldc int)")
	Pragma("noescape")
	Doc(
		"gemmAVX2 sets c[i·ldc + j] = Σ_p a[i·ars + p·aps]·b[p·ldb + j] for i < rows,",
		"j < cols, each a chain of fused multiply-adds over p in order from 0:",
		"blocks of 4 rows by 12 columns in registers, the last ones partial.",
		"The caller checks that every index lies in its slice.",
	)
	ai := Load(Param("a").Base(), GP64()) // A at the row block
	ci := Load(Param("c").Base(), GP64()) // C at the row block
	rowsLeft := Load(Param("rows"), GP64())
	ars8 := Load(Param("ars"), GP64())
	SHLQ(U8(3), ars8)
	ars3 := GP64()
	LEAQ(mem(ars8, ars8, 2, 0), ars3)
	aps8 := Load(Param("aps"), GP64())
	SHLQ(U8(3), aps8)
	ldb8 := Load(Param("ldb"), GP64())
	SHLQ(U8(3), ldb8)
	maskLocal := AllocLocal(32)

	Label("gemm_rows")
	CMPQ(rowsLeft, U8(0))
	JLE(LabelRef("gemm_done"))
	jb := GP64() // column offset, bytes
	XORQ(jb, jb)
	Label("gemm_cols")
	w := GP64()
	Load(Param("cols"), w)
	SHLQ(U8(3), w)
	SUBQ(jb, w)
	JLE(LabelRef("gemm_nextrows"))
	SHRQ(U8(3), w)
	for mr := 1; mr <= gemmMR; mr++ {
		CMPQ(rowsLeft, U8(mr))
		if mr < gemmMR {
			JEQ(LabelRef(fmt.Sprintf("gemm_%d", mr)))
		} else {
			JMP(LabelRef(fmt.Sprintf("gemm_%d", mr)))
		}
	}
	for mr := 1; mr <= gemmMR; mr++ {
		Label(fmt.Sprintf("gemm_%d", mr))
		chunkDispatch(fmt.Sprintf("gemm_%d", mr), w, gemmNV)
		for nv := 1; nv <= gemmNV; nv++ {
			for _, masked := range []bool{false, true} {
				name := fmt.Sprintf("gemm_%d_%d_full", mr, nv)
				if masked {
					name = fmt.Sprintf("gemm_%d_%d_mask", mr, nv)
				}
				Label(name)
				if masked {
					m := YMM()
					rem := GP64()
					MOVQ(w, rem)
					SUBQ(U32(4*(nv-1)), rem)
					loadMask(rem, m)
					VMOVUPD(m, maskLocal)
				}
				acc := make([][]VecVirtual, mr)
				for i := range acc {
					acc[i] = make([]VecVirtual, nv)
					for j := range acc[i] {
						acc[i][j] = YMM()
					}
					zero(acc[i]...)
				}
				pa, pb, p := GP64(), GP64(), GP64()
				MOVQ(ai, pa)
				Load(Param("b").Base(), pb)
				ADDQ(jb, pb)
				Load(Param("depth"), p)
				Label(name + "_loop")
				CMPQ(p, U8(0))
				JLE(LabelRef(name + "_store"))
				bv := make([]VecVirtual, nv)
				for j := range bv {
					bv[j] = YMM()
					if masked && j == nv-1 {
						m := YMM()
						VMOVUPD(maskLocal, m)
						VMASKMOVPD(Mem{Base: pb, Disp: 32 * j}, m, bv[j])
					} else {
						VMOVUPD(Mem{Base: pb, Disp: 32 * j}, bv[j])
					}
				}
				for i := 0; i < mr; i++ {
					var src Mem
					switch i {
					case 0:
						src = Mem{Base: pa}
					case 1:
						src = mem(pa, ars8, 1, 0)
					case 2:
						src = mem(pa, ars8, 2, 0)
					case 3:
						src = mem(pa, ars3, 1, 0)
					}
					v := YMM()
					VBROADCASTSD(src, v)
					for j := 0; j < nv; j++ {
						VFMADD231PD(bv[j], v, acc[i][j])
					}
				}
				ADDQ(aps8, pa)
				ADDQ(ldb8, pb)
				DECQ(p)
				JMP(LabelRef(name + "_loop"))
				Label(name + "_store")
				pc, ldc8 := GP64(), GP64()
				LEAQ(mem(ci, jb, 1, 0), pc)
				Load(Param("ldc"), ldc8)
				SHLQ(U8(3), ldc8)
				var m VecVirtual
				if masked {
					m = YMM()
					VMOVUPD(maskLocal, m)
				}
				for i := 0; i < mr; i++ {
					for j := 0; j < nv; j++ {
						if masked && j == nv-1 {
							VMASKMOVPD(acc[i][j], m, Mem{Base: pc, Disp: 32 * j})
						} else {
							VMOVUPD(acc[i][j], Mem{Base: pc, Disp: 32 * j})
						}
					}
					if i < mr-1 {
						ADDQ(ldc8, pc)
					}
				}
				ADDQ(U32(32*nv), jb)
				JMP(LabelRef("gemm_cols"))
			}
		}
	}
	Label("gemm_nextrows")
	{
		step := GP64()
		MOVQ(ars8, step)
		SHLQ(U8(2), step)
		ADDQ(step, ai)
		Load(Param("ldc"), step)
		SHLQ(U8(5), step) // 4 rows of c
		ADDQ(step, ci)
		SUBQ(U8(gemmMR), rowsLeft)
	}
	JMP(LabelRef("gemm_rows"))
	Label("gemm_done")
	VZEROUPPER()
	RET()
}

// genHALSSweep4T writes halsSweep4TAVX2, halsSweep4 on four rows held
// transposed, so that each vector holds one entry of the four rows: the
// gradients need no horizontal sums, and the step reads and writes whole
// vectors.
func genHALSSweep4T() {
	TEXT("halsSweep4TAVX2", NOSPLIT, "func(a, c, at, ct, g []float64, k int, l1 float64) float64")
	Pragma("noescape")
	Doc(
		"halsSweep4TAVX2 is halsSweep4 on the four k-entry rows of a and c, which",
		"it sweeps transposed in at and ct (4k entries each: at[4r+e] is entry r of",
		"row e) and copies back. Row e's gradient for t is",
		"dot4(g[t,:], row e) in dot4's order, fused: lane e of accumulator j takes",
		"the products of the indices r ≡ j mod 4 of the leading multiple of 4,",
		"accumulator 0 the rest, and (a0+a1)+(a2+a3); the steps are",
		"coordinateStep's, and the moved sum halsSweep4's.",
	)
	kb := Load(Param("k"), GP64())
	SHLQ(U8(3), kb)
	k4b := GP64()
	MOVQ(kb, k4b)
	ANDQ(I32(-32), k4b)
	transpose4("hs4t_ina", Load(Param("a").Base(), GP64()), Load(Param("at").Base(), GP64()), kb, k4b, true)
	transpose4("hs4t_inc", Load(Param("c").Base(), GP64()), Load(Param("ct").Base(), GP64()), kb, k4b, true)
	atp := Load(Param("at").Base(), GP64())
	ctT := Load(Param("ct").Base(), GP64()) // row t of ct
	gt := Load(Param("g").Base(), GP64())   // row t of g
	l1 := Load(Param("l1"), XMM())
	vl1 := YMM()
	VBROADCASTSD(l1, vl1)
	moved := XMM()
	zero(moved)
	vz := YMM()
	zero(vz)
	atT := GP64() // row t of at
	MOVQ(atp, atT)
	tb := GP64()
	XORQ(tb, tb)

	Label("hs4t_t")
	CMPQ(tb, kb)
	JGE(LabelRef("hs4t_done"))
	var acc [4]VecVirtual
	for e := range acc {
		acc[e] = YMM()
	}
	zero(acc[:]...)
	j := GP64() // byte offset into g's row; at's rows are 4× as far
	XORQ(j, j)
	Label("hs4t_vec")
	CMPQ(j, k4b)
	JGE(LabelRef("hs4t_tail"))
	for jj := 0; jj < 4; jj++ {
		v := YMM()
		VBROADCASTSD(mem(gt, j, 1, 8*jj), v)
		VFMADD231PD(mem(atp, j, 4, 32*jj), v, acc[jj])
	}
	ADDQ(U8(32), j)
	JMP(LabelRef("hs4t_vec"))
	Label("hs4t_tail")
	CMPQ(j, kb)
	JGE(LabelRef("hs4t_step"))
	v := YMM()
	VBROADCASTSD(mem(gt, j, 1, 0), v)
	VFMADD231PD(mem(atp, j, 4, 0), v, acc[0])
	ADDQ(U8(8), j)
	JMP(LabelRef("hs4t_tail"))

	Label("hs4t_step")
	VADDPD(acc[1], acc[0], acc[0])
	VADDPD(acc[3], acc[2], acc[2])
	VADDPD(acc[2], acc[0], acc[0]) // the four gradients' dot products
	cv, old, grad := YMM(), YMM(), YMM()
	VMOVUPD(Mem{Base: ctT}, cv)
	VMOVUPD(Mem{Base: atT}, old)
	VSUBPD(vl1, cv, cv)      // c − l1
	VSUBPD(cv, acc[0], grad) // dot − (c − l1)
	hess := YMM()
	VBROADCASTSD(mem(gt, tb, 1, 0), hess)
	nw, diff := YMM(), YMM()
	VUCOMISD(vz.AsX(), hess.AsX())
	JNE(LabelRef("hs4t_newton"))
	JPS(LabelRef("hs4t_newton"))
	gtMask := YMM()
	VCMPPD(U8(0x1e), vz, grad, gtMask) // grad > 0, ordered
	VANDNPD(old, gtMask, nw)
	VSUBPD(old, nw, diff)
	VANDPD(gtMask, diff, diff)
	JMP(LabelRef("hs4t_store"))
	Label("hs4t_newton")
	q := YMM()
	VDIVPD(hess, grad, q)
	VSUBPD(q, old, nw)
	VMAXPD(nw, vz, nw)
	VADDPD(vz, nw, nw)
	VSUBPD(old, nw, diff)
	Label("hs4t_store")
	VMOVUPD(nw, Mem{Base: atT})
	sq := YMM()
	VMULPD(diff, diff, sq)
	s := XMM()
	VHADDPD(sq.AsX(), sq.AsX(), s)
	hi := XMM()
	VEXTRACTF128(U8(1), sq, hi)
	VADDSD(hi, s, s)
	VPERMILPD(U8(1), hi, hi)
	VADDSD(hi, s, s)
	VADDSD(s, moved, moved)
	ADDQ(U8(8), tb)
	ADDQ(kb, gt)
	ADDQ(U8(32), atT)
	ADDQ(U8(32), ctT)
	JMP(LabelRef("hs4t_t"))
	Label("hs4t_done")
	transpose4("hs4t_out", Load(Param("a").Base(), GP64()), atp, kb, k4b, false)
	VZEROUPPER()
	Store(moved, ReturnIndex(0))
	RET()
}

// transpose4 copies four k-entry rows (row e at rows + e·kb) into the
// transposed t (t[4r+e] = entry r of row e) when in is set, and back
// otherwise: 4×4 blocks through registers over the leading multiple of 4
// columns (k4b = 8·that), then the rest entry by entry.
func transpose4(name string, rows, t, kb, k4b Register, in bool) {
	var r [4]Register
	r[0] = rows
	for e := 1; e < 4; e++ {
		r[e] = GP64()
		MOVQ(r[e-1], r[e])
		ADDQ(kb, r[e])
	}
	j := GP64()
	XORQ(j, j)
	Label(name + "_blk")
	CMPQ(j, k4b)
	JGE(LabelRef(name + "_tail"))
	var v, u [4]VecVirtual
	for e := range v {
		v[e] = YMM()
		if in {
			VMOVUPD(mem(r[e], j, 1, 0), v[e])
		} else {
			VMOVUPD(mem(t, j, 4, 32*e), v[e])
		}
	}
	for e := range u {
		u[e] = YMM()
	}
	VUNPCKLPD(v[1], v[0], u[0]) // v0[0] v1[0] v0[2] v1[2]
	VUNPCKHPD(v[1], v[0], u[1]) // v0[1] v1[1] v0[3] v1[3]
	VUNPCKLPD(v[3], v[2], u[2])
	VUNPCKHPD(v[3], v[2], u[3])
	VPERM2F128(U8(0x20), u[2], u[0], v[0]) // column 0 of the block
	VPERM2F128(U8(0x20), u[3], u[1], v[1])
	VPERM2F128(U8(0x31), u[2], u[0], v[2])
	VPERM2F128(U8(0x31), u[3], u[1], v[3])
	for e := range v {
		if in {
			VMOVUPD(v[e], mem(t, j, 4, 32*e))
		} else {
			VMOVUPD(v[e], mem(r[e], j, 1, 0))
		}
	}
	ADDQ(U8(32), j)
	JMP(LabelRef(name + "_blk"))
	Label(name + "_tail")
	CMPQ(j, kb)
	JGE(LabelRef(name + "_done"))
	if in {
		lo, hi := XMM(), XMM()
		VMOVSD(mem(r[0], j, 1, 0), lo)
		VMOVHPD(mem(r[1], j, 1, 0), lo, lo)
		VMOVSD(mem(r[2], j, 1, 0), hi)
		VMOVHPD(mem(r[3], j, 1, 0), hi, hi)
		w := YMM()
		VINSERTF128(U8(1), hi, lo.AsY(), w)
		VMOVUPD(w, mem(t, j, 4, 0))
	} else {
		w := YMM()
		VMOVUPD(mem(t, j, 4, 0), w)
		VMOVSD(w.AsX(), mem(r[0], j, 1, 0))
		VMOVHPD(w.AsX(), mem(r[1], j, 1, 0))
		hi := XMM()
		VEXTRACTF128(U8(1), w, hi)
		VMOVSD(hi, mem(r[2], j, 1, 0))
		VMOVHPD(hi, mem(r[3], j, 1, 0))
	}
	ADDQ(U8(8), j)
	JMP(LabelRef(name + "_tail"))
	Label(name + "_done")
}

// genMUStep writes muStepAVX2, the multiplicative step of muJob.rows for
// γ = 1 without online sums, in the portable step's operations (none
// fused), so that it gives the same bits.
func genMUStep() {
	TEXT("muStepAVX2", NOSPLIT, "func(a, num, den []float64, l1, l2 float64, useL2 bool, floor float64)")
	Pragma("noescape")
	Doc(
		"muStepAVX2 sets, for i < len(a) (num and den as long), d = den[i] + l1, then",
		"d += l2·a[i] when useL2, d = epsilon where d = 0, and a[i] ← a[i]·(num[i]/d),",
		"0 where that is below floor: muJob.rows's step, operation for operation.",
	)
	ap := Load(Param("a").Base(), GP64())
	np := Load(Param("num").Base(), GP64())
	dp := Load(Param("den").Base(), GP64())
	n := Load(Param("a").Len(), GP64())
	n4 := GP64()
	MOVQ(n, n4)
	ANDQ(I32(-4), n4)
	sl1 := Load(Param("l1"), XMM())
	sl2 := Load(Param("l2"), XMM())
	sfl := Load(Param("floor"), XMM())
	l1, l2, fl, eps, vz := YMM(), YMM(), YMM(), YMM(), YMM()
	VBROADCASTSD(sl1, l1)
	VBROADCASTSD(sl2, l2)
	VBROADCASTSD(sfl, fl)
	epsMem := ConstData("muEpsilon", F64(1.1920928955078125e-07))
	VBROADCASTSD(epsMem, eps)
	zero(vz)
	useL2 := GP8()
	Load(Param("useL2"), useL2)
	i := GP64()
	XORQ(i, i)
	// body emits the step on one vector (wide) or one entry.
	body := func(wide bool, withL2 bool) {
		var v, d, t, m VecVirtual
		if wide {
			v, d, t, m = YMM(), YMM(), YMM(), YMM()
			VMOVUPD(mem(ap, i, 8, 0), v)
			VMOVUPD(mem(dp, i, 8, 0), d)
			VADDPD(l1, d, d)
			if withL2 {
				VMULPD(v, l2, t)
				VADDPD(t, d, d)
			}
			VCMPPD(U8(0x0), vz, d, m) // d == 0
			VBLENDVPD(m, eps, d, d)
			VMOVUPD(mem(np, i, 8, 0), t)
			VDIVPD(d, t, t)
			VMULPD(t, v, v)
			VCMPPD(U8(0x11), fl, v, m) // v < floor, ordered
			VANDNPD(v, m, v)
			VMOVUPD(v, mem(ap, i, 8, 0))
			return
		}
		v, d, t, m = XMM(), XMM(), XMM(), XMM()
		VMOVSD(mem(ap, i, 8, 0), v)
		VMOVSD(mem(dp, i, 8, 0), d)
		VADDSD(l1.AsX(), d, d)
		if withL2 {
			VMULSD(v, l2.AsX(), t)
			VADDSD(t, d, d)
		}
		VCMPSD(U8(0x0), vz.AsX(), d, m)
		VBLENDVPD(m, eps.AsX(), d, d)
		VMOVSD(mem(np, i, 8, 0), t)
		VDIVSD(d, t, t)
		VMULSD(t, v, v)
		VCMPSD(U8(0x11), fl.AsX(), v, m)
		VANDNPD(v, m, v)
		VMOVSD(v, mem(ap, i, 8, 0))
	}
	for _, withL2 := range []bool{false, true} {
		name := "mu_plain"
		if withL2 {
			name = "mu_l2"
		} else {
			CMPB(useL2, U8(0))
			JNE(LabelRef("mu_l2"))
		}
		Label(name)
		CMPQ(i, n4)
		JGE(LabelRef(name + "_1"))
		body(true, withL2)
		ADDQ(U8(4), i)
		JMP(LabelRef(name))
		Label(name + "_1")
		CMPQ(i, n)
		JGE(LabelRef("mu_done"))
		body(false, withL2)
		INCQ(i)
		JMP(LabelRef(name + "_1"))
	}
	Label("mu_done")
	VZEROUPPER()
	RET()
}

// genPeak writes the FMA peak loops the kernel benchmarks measure the
// machine against: twelve (AVX2) or twenty-four (AVX-512) independent
// chains of fused multiply-adds, enough to cover the latency of the FMA
// units, on registers only.
func genPeak() {
	TEXT("fmaPeakAVX2", NOSPLIT, "func(n int) float64")
	Pragma("noescape")
	Doc("fmaPeakAVX2 runs n rounds of 12 independent 4-wide FMAs (96 flops a round).")
	peakLoop("peak2", 12, YMM)
	TEXT("fmaPeakAVX512", NOSPLIT, "func(n int) float64")
	Pragma("noescape")
	Doc("fmaPeakAVX512 runs n rounds of 24 independent 8-wide FMAs (384 flops a round).")
	peakLoop("peak5", 24, ZMM)
}

func peakLoop(name string, chains int, vec func() VecVirtual) {
	n := Load(Param("n"), GP64())
	x, y := vec(), vec()
	one := ConstData(name+"one", F64(1))
	half := ConstData(name+"half", F64(0.5))
	VBROADCASTSD(one, x)
	VBROADCASTSD(half, y)
	acc := make([]VecVirtual, chains)
	for i := range acc {
		acc[i] = vec()
		VXORPD(acc[i], acc[i], acc[i])
	}
	Label(name + "_loop")
	CMPQ(n, U8(0))
	JLE(LabelRef(name + "_done"))
	for i := range acc {
		VFMADD231PD(x, y, acc[i])
	}
	DECQ(n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	for i := 1; i < chains; i++ {
		VADDPD(acc[i], acc[0], acc[0])
	}
	VZEROUPPER()
	Store(acc[0].AsX(), ReturnIndex(0))
	RET()
}

// genTrsm writes trsmRight8AVX2, the triangular solve x·R = b of eight
// rows at once, stored transposed, in gonum's Dtrsm order.
func genTrsm() {
	TEXT("trsmRight8AVX2", NOSPLIT, "func(bt []float64, n int, r []float64)")
	Pragma("noescape")
	Doc(
		"trsmRight8AVX2 overwrites eight rows b (bt[8j+e] is entry j of row e) with",
		"x, x·R = b for the n×n upper triangular R: for k in order, x_k = b_k/R[k,k],",
		"then b_j = fma(−x_k, R[k,j], b_j) for j > k, each row's operations those",
		"of gonum's Dtrsm (Right, Upper, NoTrans), fused.",
	)
	bp := Load(Param("bt").Base(), GP64())
	rk := Load(Param("r").Base(), GP64()) // row k of r
	n := Load(Param("n"), GP64())
	nb := GP64() // n·8, r's row stride
	MOVQ(n, nb)
	SHLQ(U8(3), nb)
	sign := YMM()
	VBROADCASTSD(ConstData("trsmSign", U64(1<<63)), sign)
	kb := GP64() // k·8
	XORQ(kb, kb)
	bk := GP64() // row k of bt
	MOVQ(bp, bk)
	Label("trsm_k")
	CMPQ(kb, nb)
	JGE(LabelRef("trsm_done"))
	d := YMM()
	VBROADCASTSD(mem(rk, kb, 1, 0), d)
	x0, x1 := YMM(), YMM()
	VMOVUPD(Mem{Base: bk}, x0)
	VMOVUPD(Mem{Base: bk, Disp: 32}, x1)
	VDIVPD(d, x0, x0)
	VDIVPD(d, x1, x1)
	VMOVUPD(x0, Mem{Base: bk})
	VMOVUPD(x1, Mem{Base: bk, Disp: 32})
	VXORPD(sign, x0, x0)
	VXORPD(sign, x1, x1)
	j := GP64() // j·8, from k+1
	LEAQ(Mem{Base: kb, Disp: 8}, j)
	bj := GP64()
	LEAQ(Mem{Base: bk, Disp: 64}, bj)
	Label("trsm_j")
	CMPQ(j, nb)
	JGE(LabelRef("trsm_next"))
	rv := YMM()
	VBROADCASTSD(mem(rk, j, 1, 0), rv)
	y0, y1 := YMM(), YMM()
	VMOVUPD(Mem{Base: bj}, y0)
	VMOVUPD(Mem{Base: bj, Disp: 32}, y1)
	VFMADD231PD(rv, x0, y0)
	VFMADD231PD(rv, x1, y1)
	VMOVUPD(y0, Mem{Base: bj})
	VMOVUPD(y1, Mem{Base: bj, Disp: 32})
	ADDQ(U8(8), j)
	ADDQ(U8(64), bj)
	JMP(LabelRef("trsm_j"))
	Label("trsm_next")
	ADDQ(U8(8), kb)
	ADDQ(nb, rk)
	ADDQ(U8(64), bk)
	JMP(LabelRef("trsm_k"))
	Label("trsm_done")
	VZEROUPPER()
	RET()
}
