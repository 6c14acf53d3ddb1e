// gendata writes the saved Go inputs the tests ingest (tests/go/data/):
// MemStats JSON lines (bare, and in expvar's /debug/vars shape), a heap
// profile and a goroutine dump, from a small program with known work.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var keep [][]byte

func line(f *os.File, label string, wrap bool) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var v interface{} = map[string]interface{}{"label": label, "time_ns": time.Now().UnixNano(), "memstats": &ms}
	if !wrap {
		v = &ms
	}
	b, _ := json.Marshal(v)
	f.Write(append(b, '\n'))
}

func main() {
	dir := os.Args[1]
	runtime.MemProfileRate = 1
	f, _ := os.Create(dir + "/memstats.jsonl")
	line(f, "START", true)
	for i := 0; i < 100; i++ {
		keep = append(keep, make([]byte, 10000))
	}
	block := make(chan int)
	for i := 0; i < 3; i++ {
		go func() { <-block }()
	}
	time.Sleep(5 * time.Millisecond)
	runtime.GC()
	line(f, "AFTER RUN", true)
	line(f, "", false)
	f.Close()
	h, _ := os.Create(dir + "/heap.pprof")
	pprof.WriteHeapProfile(h)
	h.Close()
	g, _ := os.Create(dir + "/goroutines.txt")
	pprof.Lookup("goroutine").WriteTo(g, 2)
	g.Close()
	fmt.Println(len(keep))
}
