package main

import (
	"fmt"
	"io"
	"math"
	"time"
)

// summary is what factor reports of a successful run.
type summary struct {
	data      *dataset
	opts      *options
	iters     int
	objective float64
	relErr    float64
	elapsed   time.Duration
	paths     []string
}

// print writes the summary, one labelled value per line.
func (s *summary) print(w io.Writer) {
	const format = "%-15s%s\n"
	o := s.opts
	fmt.Fprintf(w, format, "input", s.data.name+": "+s.data.describe())
	fmt.Fprintf(w, format, "model", fmt.Sprintf("NMF k=%d, solver %v, beta %v, init %v", o.k, o.solver, o.beta, o.init))
	fmt.Fprintf(w, format, "iterations", fmt.Sprint(s.iters))
	fmt.Fprintf(w, format, "objective", fmt.Sprintf("%.6g", s.objective))
	if math.IsNaN(s.relErr) {
		fmt.Fprintf(w, format, "relative error", "undefined: X is zero")
	} else {
		fmt.Fprintf(w, format, "relative error", fmt.Sprintf("%.6g (‖X − WH‖_F / ‖X‖_F)", s.relErr))
	}
	fmt.Fprintf(w, format, "elapsed", round(s.elapsed).String())
	for i, p := range s.paths {
		label := ""
		if i == 0 {
			label = "wrote"
		}
		fmt.Fprintf(w, format, label, p)
	}
}

// round rounds d to a millisecond, or to a microsecond below that.
func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
