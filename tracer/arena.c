/*
 * arena.c - the tracer's own memory. Everything comes from mmap, never
 * from the allocator being traced, so the tracer's bookkeeping neither
 * shows up in the program's counts nor disturbs its heap layout.
 *
 * Every mapping is also entered in a register, so that a snapshot can
 * say how much of the process's RSS is the tracer's own (ml_own_resident:
 * mincore over the register). The register takes no lock, since ml_map
 * may run in a fatal-signal handler: a slot is claimed with a
 * compare-and-swap on its address, its length written, then its address
 * published. A mapping that finds no free slot is counted whole.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/lock.h"

static size_t page_round(size_t n)
{
	size_t pg = 4096;
	return (n + pg - 1) & ~(pg - 1);
}

/* ---------------------------------------------------------------- the register */

#define REG_SLOTS 4096u
#define REG_BUSY ((uintptr_t)1)  /* claimed, length not yet written */

struct reg_slot {
	_Atomic uintptr_t addr;  /* 0: free; REG_BUSY: being filled */
	size_t len;
};

static struct reg_slot *_Atomic reg;
static atomic_size_t reg_unlisted;  /* bytes mapped with no slot free */

static void *raw_map(size_t len)
{
	long p = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == -1 ? NULL : (void *)p;
}

static struct reg_slot *reg_table(void)
{
	struct reg_slot *r = atomic_load_explicit(&reg, memory_order_acquire);
	if (r)
		return r;
	struct reg_slot *n = raw_map(REG_SLOTS * sizeof *n);
	if (!n)
		return NULL;
	if (!atomic_compare_exchange_strong(&reg, &r, n)) {
		syscall(SYS_munmap, n, REG_SLOTS * sizeof *n);
		return r;
	}
	n[0].len = REG_SLOTS * sizeof *n;  /* the register counts itself */
	atomic_store_explicit(&n[0].addr, (uintptr_t)n, memory_order_release);
	return n;
}

static void reg_add(void *p, size_t len)
{
	struct reg_slot *r = reg_table();
	for (unsigned i = 0; r && i < REG_SLOTS; i++) {
		uintptr_t want = 0;
		if (atomic_load_explicit(&r[i].addr, memory_order_relaxed) != 0 ||
		    !atomic_compare_exchange_strong(&r[i].addr, &want, REG_BUSY))
			continue;
		r[i].len = len;
		atomic_store_explicit(&r[i].addr, (uintptr_t)p, memory_order_release);
		return;
	}
	atomic_fetch_add_explicit(&reg_unlisted, len, memory_order_relaxed);
}

static void reg_del(void *p, size_t len)
{
	struct reg_slot *r = atomic_load_explicit(&reg, memory_order_acquire);
	for (unsigned i = 0; r && i < REG_SLOTS; i++) {
		if (atomic_load_explicit(&r[i].addr, memory_order_acquire) == (uintptr_t)p) {
			atomic_store_explicit(&r[i].addr, 0, memory_order_release);
			return;
		}
	}
	atomic_fetch_sub_explicit(&reg_unlisted, len, memory_order_relaxed);
}

uint64_t ml_own_resident(void)
{
	int saved = errno;
	unsigned char vec[256];  /* a window of 1 MiB a call: little stack */
	uint64_t pages = 0;
	struct reg_slot *r = atomic_load_explicit(&reg, memory_order_acquire);
	for (unsigned i = 0; r && i < REG_SLOTS; i++) {
		uintptr_t a = atomic_load_explicit(&r[i].addr, memory_order_acquire);
		if (a <= REG_BUSY)
			continue;
		size_t n = r[i].len / 4096;
		for (size_t at = 0; at < n; at += sizeof vec) {
			size_t w = n - at < sizeof vec ? n - at : sizeof vec;
			/* unmapped meanwhile (ENOMEM): nothing of it counts */
			if (syscall(SYS_mincore, a + at * 4096, w * 4096, vec) != 0)
				break;
			for (size_t k = 0; k < w; k++)
				pages += vec[k] & 1;
		}
	}
	errno = saved;
	return pages * 4096 + atomic_load_explicit(&reg_unlisted, memory_order_relaxed);
}

/* ---------------------------------------------------------------- mappings */

/* System calls, not the libc functions: those are the program's, and
 * maps.c records what the program maps. errno is the program's too. */
void *ml_map(size_t size)
{
	int saved = errno;
	void *p = raw_map(page_round(size));
	if (p)
		reg_add(p, page_round(size));
	errno = saved;
	return p;
}

void ml_unmap(void *p, size_t size)
{
	if (p) {
		reg_del(p, page_round(size));
		syscall(SYS_munmap, p, page_round(size));
	}
}

void ml_map_release(void *p, size_t size)
{
	int saved = errno;
	if (p)
		syscall(SYS_madvise, p, page_round(size), MADV_DONTNEED);
	errno = saved;
}

#define ARENA_CHUNK (1u << 20)

static ml_lock_t arena_lock = ML_LOCK_INIT;
static uint8_t *arena_pos, *arena_end;

/*
 * A bump allocator: stack records, module entries and thread states are
 * small, live as long as the process, and are never freed one by one.
 */
void *ml_arena_alloc(size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size > ARENA_CHUNK / 4)
		return ml_map(size);
	ml_lock(&arena_lock);
	if (!arena_pos || (size_t)(arena_end - arena_pos) < size) {
		uint8_t *chunk = ml_map(ARENA_CHUNK);
		if (!chunk) {
			ml_unlock(&arena_lock);
			return NULL;
		}
		arena_pos = chunk;
		arena_end = chunk + ARENA_CHUNK;
	}
	void *p = arena_pos;
	arena_pos += size;
	ml_unlock(&arena_lock);
	return p;
}

void ml_arena_lock(void)
{
	ml_lock(&arena_lock);
}

void ml_arena_unlock(void)
{
	ml_unlock(&arena_lock);
}
