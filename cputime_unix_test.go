//go:build unix

package factor

import (
	"syscall"
	"time"
)

// cpuTime returns the processor time the process has used, user and
// system, for benchmarks that report it beside the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
