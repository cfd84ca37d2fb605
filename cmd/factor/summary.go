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
	o := s.opts
	printFields(w, []field{
		{"input", s.data.name + ": " + s.data.describe()},
		{"model", fmt.Sprintf("NMF k=%d, solver %v, beta %v, init %s", o.k, o.solver, o.beta, o.start())},
		{"iterations", fmt.Sprint(s.iters)},
		{"objective", fmt.Sprintf("%.6g", s.objective)},
		relErrField(s.relErr, s.data.observed),
		{"elapsed", round(s.elapsed).String()},
	}, s.paths)
}

// start names how the fit started: the -init method, or the -init-from
// model.
func (o *options) start() string {
	if o.initFrom != "" {
		return "from " + o.initFrom
	}
	return o.init.String()
}

// field is a labelled value of a summary.
type field struct{ label, value string }

// printFields writes fields, one a line, and then the paths written.
func printFields(w io.Writer, fields []field, paths []string) {
	const format = "%-15s%s\n"
	for _, f := range fields {
		fmt.Fprintf(w, format, f.label, f.value)
	}
	for i, p := range paths {
		label := ""
		if i == 0 {
			label = "wrote"
		}
		fmt.Fprintf(w, format, label, p)
	}
}

// relErrField reports the relative error ‖X − WH‖_F / ‖X‖_F, NaN when X
// is zero, over the observed entries of X when observed.
func relErrField(relErr float64, observed bool) field {
	where := ""
	if observed {
		where = " on its observed entries"
	}
	if math.IsNaN(relErr) {
		return field{"relative error", "undefined: X is zero" + where}
	}
	if observed {
		where = " over the observed entries"
	}
	return field{"relative error", fmt.Sprintf("%.6g (‖X − WH‖_F / ‖X‖_F%s)", relErr, where)}
}

// round rounds d to a millisecond, or to a microsecond below that.
func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
