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
)

var kept [][]byte

var sink []byte

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: service PORT")
		os.Exit(2)
	}
	// Profile every allocation, so the heap profiles surely see the kept
	// buffers. A finer rate alone is not enough: each P draws its next
	// sampling point when it starts, at the default rate (512 KiB on
	// average), and only its next sample uses the new rate. When main
	// moved to another P (after a system call, say) before it made the
	// 400 KiB it keeps, none of it was sampled about half the time. With
	// a rate of 1 the runtime profiles each allocation and draws nothing.
	runtime.MemProfileRate = 1
	// Garbage, so the collector runs (and prints gctrace) before serving.
	for i := 0; i < 1024; i++ {
		sink = make([]byte, 8192)
	}
	sink = nil
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
	// The kept memory is in place before the service says it listens, so
	// every heap profile the test takes sees it, however loaded the machine.
	for i := 0; i < 50; i++ {
		kept = append(kept, make([]byte, 8192))
	}
	// A heap profile may be up to two collections old (runtime.MemProfile):
	// two make it show the kept memory.
	runtime.GC()
	runtime.GC()
	go http.Serve(ln, nil)
	fmt.Fprintln(os.Stderr, "service: listening")
	<-stop
	fmt.Fprintln(os.Stderr, "service: stopping")
	os.Exit(0)
}
