// service: a small Go HTTP service with expvar and net/http/pprof, for
// memledger's --go-endpoint test. It listens on 127.0.0.1:PORT, keeps
// some memory and a few goroutines busy, and exits 0 on SIGTERM.
//
//	service PORT
package main

import (
	_ "expvar"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

var kept [][]byte

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: service PORT")
		os.Exit(2)
	}
	// Sample finely, so the heap profile surely sees the kept buffers.
	runtime.MemProfileRate = 4096
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	block := make(chan int)
	for i := 0; i < 2; i++ {
		go func() { <-block }()
	}
	go func() {
		for i := 0; i < 50; i++ {
			kept = append(kept, make([]byte, 8192))
			time.Sleep(2 * time.Millisecond)
		}
		// a heap profile shows what the last collection found live
		runtime.GC()
	}()
	go http.Serve(ln, nil)
	fmt.Fprintln(os.Stderr, "service: listening")
	<-stop
	fmt.Fprintln(os.Stderr, "service: stopping")
	os.Exit(0)
}
