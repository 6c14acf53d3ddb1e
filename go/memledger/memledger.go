// Package memledger takes labelled memory snapshots of a Go program for
// memledger. It uses the standard library only: import it with a replace
// directive, or copy this one file into your project.
//
//	memledger.PrintMemStats("START")
//	work()
//	memledger.PrintMemStats("AFTER RUN")
//	cleanup(); runtime.GC(); runtime.GC()
//	memledger.PrintMemStats("AFTER GC")
//
// Under `memledger run`, each Snapshot and PrintMemStats call records
// runtime.MemStats, the goroutine count, a goroutine dump (the text of
// /debug/pprof/goroutine?debug=2) and a heap profile into the run's
// trace. Outside it, Snapshot does nothing and PrintMemStats only prints
// its block.
//
// How the run and the package meet: `memledger run` starts the program
// with MEMLEDGER_GO="fd=N pid=P", where N is the write end of a pipe that
// the run reads and P is the program's own pid. The package writes only
// when os.Getpid() == P, so a child process that inherits the
// environment (but not the descriptor) never writes to a stranger's
// descriptor. Each record is framed as
//
//	R KIND UNIX_NS LEN\n  then LEN bytes, then \n
//
// with KIND memstats (one JSON object), goroutines (debug=2 text) or
// heap (gzip profile.proto). format/FORMAT.md describes the trace the
// run writes around them.
package memledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	once sync.Once
	mu   sync.Mutex
	out  *os.File
)

// channel returns the run's pipe, or nil outside `memledger run`.
func channel() *os.File {
	once.Do(func() {
		v, ok := os.LookupEnv("MEMLEDGER_GO")
		if !ok {
			return
		}
		fd, pid := -1, -1
		for _, f := range strings.Fields(v) {
			if s, ok := cut(f, "fd="); ok {
				fd, _ = strconv.Atoi(s)
			} else if s, ok := cut(f, "pid="); ok {
				pid, _ = strconv.Atoi(s)
			}
		}
		if fd < 3 || pid != os.Getpid() {
			return
		}
		out = os.NewFile(uintptr(fd), "memledger")
	})
	return out
}

func cut(s, prefix string) (string, bool) {
	if strings.HasPrefix(s, prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

type record struct {
	Label        string            `json:"label"`
	TimeNs       int64             `json:"time_ns"`
	NumGoroutine int               `json:"num_goroutine"`
	MemStats     *runtime.MemStats `json:"memstats"`
}

// Snapshot records a labelled snapshot under `memledger run`; outside it,
// it returns at once.
func Snapshot(label string) {
	if channel() == nil {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	send(label, &ms, runtime.NumGoroutine(), time.Now().UnixNano())
}

// PrintMemStats prints the program's memory figures in a block headed by
// label, then records exactly those figures as a snapshot (under
// `memledger run`).
func PrintMemStats(label string) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ng := runtime.NumGoroutine()
	now := time.Now().UnixNano()
	fmt.Print(Format(label, &ms, ng))
	if channel() != nil {
		send(label, &ms, ng, now)
	}
}

// Format returns the block PrintMemStats prints: each figure in human
// units with its exact value beside it.
func Format(label string, ms *runtime.MemStats, goroutines int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "=== %s ===\n", label)
	bytesRow := func(name string, v uint64) {
		fmt.Fprintf(&b, "%-14s= %s (%d)\n", name, human(v), v)
	}
	countRow := func(name string, v uint64) {
		fmt.Fprintf(&b, "%-14s= %d\n", name, v)
	}
	bytesRow("Alloc", ms.Alloc)
	bytesRow("TotalAlloc", ms.TotalAlloc)
	bytesRow("Sys", ms.Sys)
	bytesRow("HeapInuse", ms.HeapInuse)
	bytesRow("HeapIdle", ms.HeapIdle)
	bytesRow("HeapReleased", ms.HeapReleased)
	bytesRow("StackInuse", ms.StackInuse)
	countRow("HeapObjects", ms.HeapObjects)
	countRow("Mallocs", ms.Mallocs)
	countRow("Frees", ms.Frees)
	countRow("Live", ms.Mallocs-ms.Frees)
	countRow("NumGC", uint64(ms.NumGC))
	fmt.Fprintf(&b, "%-14s= %.4f%% (%s)\n", "GCCPUFraction", ms.GCCPUFraction*100,
		strconv.FormatFloat(ms.GCCPUFraction, 'g', -1, 64))
	countRow("NumGoroutine", uint64(goroutines))
	return b.String()
}

func human(v uint64) string {
	switch {
	case v >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(v)/(1<<30))
	case v >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(v)/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.2f KiB", float64(v)/(1<<10))
	}
	return fmt.Sprintf("%d B", v)
}

func send(label string, ms *runtime.MemStats, goroutines int, now int64) {
	line, err := json.Marshal(record{label, now, goroutines, ms})
	if err != nil {
		return
	}
	var dump, heap bytes.Buffer
	if p := pprof.Lookup("goroutine"); p != nil {
		p.WriteTo(&dump, 2)
	}
	pprof.WriteHeapProfile(&heap)

	mu.Lock()
	defer mu.Unlock()
	if out == nil {
		return
	}
	var buf bytes.Buffer
	frame(&buf, "memstats", now, line)
	frame(&buf, "goroutines", now, dump.Bytes())
	frame(&buf, "heap", now, heap.Bytes())
	if _, err := out.Write(buf.Bytes()); err != nil {
		out = nil // the run went away: stay quiet from now on
	}
}

func frame(b *bytes.Buffer, kind string, now int64, payload []byte) {
	fmt.Fprintf(b, "R %s %d %d\n", kind, now, len(payload))
	b.Write(payload)
	b.WriteByte('\n')
}
