package factor

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// systemMemory returns the smallest of the address-space limit (ulimit -v),
// the memory limit of the process's cgroup (v2) and the machine's memory.
func systemMemory() (bytes float64, source string, ok bool) {
	var info syscall.Sysinfo_t
	if syscall.Sysinfo(&info) == nil {
		bytes, source, ok = float64(info.Totalram)*float64(info.Unit), "the machine's memory", true
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil && (!ok || v < bytes) {
			bytes, source, ok = v, "the cgroup's memory.max", true
		}
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &lim) == nil && lim.Cur != ^uint64(0) {
		if v := float64(lim.Cur); !ok || v < bytes {
			bytes, source, ok = v, "the address-space limit (ulimit -v)", true
		}
	}
	return bytes, source, ok
}
