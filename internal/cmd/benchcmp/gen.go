package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

// generate writes an n×m CSV matrix W·H·(1 ± 10% noise) of rank r, with W
// and H uniform [0, 1) from seed 1.
func generate(args []string) error {
	if len(args) != 4 {
		return fmt.Errorf("usage: benchcmp -gen N M R FILE")
	}
	var dims [3]int
	for i := range dims {
		v, err := strconv.Atoi(args[i])
		if err != nil || v < 1 {
			return fmt.Errorf("bad dimension %q", args[i])
		}
		dims[i] = v
	}
	n, m, r := dims[0], dims[1], dims[2]
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float64, n*r)
	h := make([]float64, r*m)
	for i := range w {
		w[i] = rng.Float64()
	}
	for i := range h {
		h[i] = rng.Float64()
	}
	f, err := os.Create(args[3])
	if err != nil {
		return err
	}
	out := bufio.NewWriter(f)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			var v float64
			for t := 0; t < r; t++ {
				v += w[i*r+t] * h[t*m+j]
			}
			v *= 0.9 + 0.2*rng.Float64()
			if j > 0 {
				out.WriteByte(',')
			}
			out.WriteString(strconv.FormatFloat(v, 'g', 10, 64))
		}
		out.WriteByte('\n')
	}
	if err := out.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
