//go:build unix

package jira

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) this process has used: the
// client and the in-process simulator together.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
