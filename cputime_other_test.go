//go:build !unix

package factor

import "time"

// cpuTime returns 0 where the processor time is not known.
func cpuTime() time.Duration { return 0 }
