// chatty: a Go program whose goroutines write to stderr while the
// collector runs, for memledger's gctrace filter test. Four goroutines
// each write LINES lines, some through the log package (which starts a
// line with the date), some with fmt, while they allocate enough to make
// the runtime collect many times; main forces one last collection and
// prints runtime.MemStats.NumGC on stdout.
//
//	chatty LINES
package main

import (
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"sync"
)

var sink [][]byte

func main() {
	lines, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: chatty LINES")
		os.Exit(2)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < lines; i++ {
				if i%2 == 0 {
					log.Printf("w%d line %d", w, i)
				} else {
					fmt.Fprintf(os.Stderr, "%d w%d line %d\n", i, w, i)
				}
				b := make([]byte, 64<<10)
				mu.Lock()
				sink = append(sink, b)
				if len(sink) > 32 {
					sink = sink[:0]
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Println(m.NumGC)
}
