// partition: the guide's partition example as a Go program, in a clean
// and a leaky variant, for memledger's end-to-end tests.
//
//	partition clean|leaky [EXIT_CODE]
//
// A set of partitions is processed by worker goroutines fed through a
// channel, with a ticker reporting progress, a map of results per key
// and a global cache. The clean variant stops every worker and waits for
// them, stops the ticker, closes the channels, clears the map and drops
// the cache, then collects twice. The leaky variant does none of that and
// collects once. Snapshots: START, AFTER RUN, AFTER GC.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"memledger"
)

// cache is the global that holds references in the leaky variant.
var cache [][]byte

type partitionSet struct {
	ctx    context.Context
	cancel context.CancelFunc
	work   chan int
	done   chan struct{}
	mu     sync.Mutex
	state  map[int][]byte
	wg     sync.WaitGroup
	ticker *time.Ticker
	ticks  int
}

func newPartitionSet(workers int) *partitionSet {
	ctx, cancel := context.WithCancel(context.Background())
	ps := &partitionSet{ctx: ctx, cancel: cancel, work: make(chan int),
		done: make(chan struct{}), state: make(map[int][]byte)}
	for i := 0; i < workers; i++ {
		ps.wg.Add(1)
		go ps.worker()
	}
	ps.ticker = time.NewTicker(5 * time.Millisecond)
	ps.wg.Add(1)
	go ps.progress()
	return ps
}

func (ps *partitionSet) worker() {
	defer ps.wg.Done()
	for {
		select {
		case <-ps.ctx.Done():
			return
		case k, ok := <-ps.work:
			if !ok {
				return
			}
			buf := make([]byte, 1024)
			for i := range buf {
				buf[i] = byte(k + i)
			}
			ps.mu.Lock()
			ps.state[k] = buf
			ps.mu.Unlock()
		}
	}
}

func (ps *partitionSet) progress() {
	defer ps.wg.Done()
	for {
		select {
		case <-ps.done:
			return
		case <-ps.ticker.C:
			ps.mu.Lock()
			ps.ticks++
			ps.mu.Unlock()
		}
	}
}

// A stuck helper: waits on a channel nobody ever writes or closes.
func waiter(ch chan int) {
	<-ch
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "clean" && os.Args[1] != "leaky") {
		fmt.Fprintln(os.Stderr, "usage: partition clean|leaky [EXIT_CODE]")
		os.Exit(2)
	}
	leaky := os.Args[1] == "leaky"
	code := 0
	if len(os.Args) > 2 {
		code, _ = strconv.Atoi(os.Args[2])
	}
	// Every allocation sampled, so the heap profile sees small objects.
	runtime.MemProfileRate = 1

	memledger.PrintMemStats("START")
	fmt.Fprintln(os.Stderr, "partition: started")

	ps := newPartitionSet(4)
	stuck := make(chan int)
	for i := 0; i < 3; i++ {
		go waiter(stuck)
	}
	for k := 0; k < 4000; k++ {
		ps.work <- k
		if k%500 == 0 {
			cache = append(cache, make([]byte, 64<<10))
		}
	}
	time.Sleep(20 * time.Millisecond)
	memledger.PrintMemStats("AFTER RUN")

	if !leaky {
		close(ps.work)
		close(ps.done)
		ps.cancel()
		ps.wg.Wait()
		ps.ticker.Stop()
		close(stuck)
		ps.mu.Lock()
		for k := range ps.state {
			delete(ps.state, k)
		}
		ps.state = nil
		ps.mu.Unlock()
		cache = nil
		time.Sleep(10 * time.Millisecond)
		runtime.GC()
	}
	runtime.GC()
	memledger.PrintMemStats("AFTER GC")
	runtime.KeepAlive(ps)
	fmt.Fprintln(os.Stderr, "partition: done")
	fmt.Fprint(os.Stderr, "no newline at the end")
	os.Exit(code)
}
