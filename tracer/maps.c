/*
 * maps.c - the anonymous memory the program maps itself, outside the
 * allocator: mmap, munmap, mremap, mprotect, and sbrk/brk called
 * directly. Python's pymalloc arenas, GCC's garbage-collected heap and
 * any custom allocator live there.
 *
 * Two things use the set of those ranges:
 *  - Sys counts them as "other" (snapshot.c): memory the program got
 *    from the OS that neither malloc nor a thread stack accounts for.
 *  - The leak scan takes the readable and writable ones as roots
 *    (scan.c), as valgrind does: a block pointed to only from GCC's own
 *    heap is not lost.
 *
 * What is not in the set: the allocator's own mappings (glibc maps
 * through internal calls that never reach these hooks, and an allocator
 * that maps through the PLT does so inside a malloc hook, where the
 * tracer's guard is set), the tracer's own (arena.c maps with raw
 * system calls), thread stacks made by pthread_create, and mappings of
 * files. A mapping made by a signal handler that interrupted the tracer
 * is not recorded either.
 *
 * The hooks are transparent: the real call's return value and errno
 * reach the program unchanged. Ordering is livemap.c's: a range leaves
 * the set before the real munmap (or mremap) and enters it after the
 * real mmap returns, so a range unmapped by one thread and mapped again
 * by another at once is never lost.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/lock.h"
#include "tracer/maps.h"
#include "tracer/real.h"
#include "tracer/state.h"
#include "tracer/tracer.h"

struct range {
	uintptr_t lo, hi;
	int prot;
};

static ml_lock_t maps_lock = ML_LOCK_INIT;
static struct range *tab;
static size_t count, cap;

/* ---------------------------------------------------------------- the set (lock held) */

/* Index of the first range that ends after a. */
static size_t find(uintptr_t a)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (tab[mid].hi <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int reserve(size_t need)
{
	if (need <= cap)
		return 0;
	size_t ncap = cap ? cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	struct range *n = ml_map(ncap * sizeof *n);
	if (!n)
		return -1;
	if (tab)
		memcpy(n, tab, count * sizeof *n);
	ml_unmap(tab, cap * sizeof *tab);
	tab = n;
	cap = ncap;
	return 0;
}

/* Make a a boundary: split the range a falls strictly inside. */
static int split_at(uintptr_t a)
{
	size_t i = find(a);
	if (i == count || tab[i].lo >= a)
		return 0;
	if (reserve(count + 1) < 0)
		return -1;
	memmove(&tab[i + 1], &tab[i], (count - i) * sizeof *tab);
	count++;
	tab[i].hi = a;
	tab[i + 1].lo = a;
	return 0;
}

static void remove_range(uintptr_t lo, uintptr_t hi)
{
	if (split_at(lo) < 0 || split_at(hi) < 0)
		return;
	size_t i = find(lo), j = i;
	while (j < count && tab[j].hi <= hi)
		j++;
	memmove(&tab[i], &tab[j], (count - j) * sizeof *tab);
	count -= j - i;
}

static void add_range(uintptr_t lo, uintptr_t hi, int prot)
{
	remove_range(lo, hi);
	size_t i = find(lo);
	/* join a neighbour with the same protection */
	if (i > 0 && tab[i - 1].hi == lo && tab[i - 1].prot == prot) {
		tab[i - 1].hi = hi;
		if (i < count && tab[i].lo == hi && tab[i].prot == prot) {
			tab[i - 1].hi = tab[i].hi;
			memmove(&tab[i], &tab[i + 1], (count - i - 1) * sizeof *tab);
			count--;
		}
		return;
	}
	if (i < count && tab[i].lo == hi && tab[i].prot == prot) {
		tab[i].lo = lo;
		return;
	}
	if (reserve(count + 1) < 0)
		return;
	memmove(&tab[i + 1], &tab[i], (count - i) * sizeof *tab);
	count++;
	tab[i] = (struct range){ lo, hi, prot };
}

static void protect_range(uintptr_t lo, uintptr_t hi, int prot)
{
	if (split_at(lo) < 0 || split_at(hi) < 0)
		return;
	for (size_t i = find(lo); i < count && tab[i].hi <= hi; i++)
		tab[i].prot = prot;
}

/* ---------------------------------------------------------------- recording */

static inline uintptr_t page_up(uintptr_t a)
{
	return (a + 4095) & ~(uintptr_t)4095;
}

/* Record only the program's own calls, once the tracer is up. */
static inline int maps_recording(void)
{
	return ml_active() && !ml_guarded();
}

enum { OP_ADD, OP_REMOVE, OP_PROTECT };

static void maps_change(int op, uintptr_t lo, uintptr_t hi, int prot)
{
	if (hi <= lo)
		return;
	int saved = errno;
	ml_guard_enter();
	ml_lock(&maps_lock);
	if (op == OP_ADD)
		add_range(lo, hi, prot);
	else if (op == OP_REMOVE)
		remove_range(lo, hi);
	else
		protect_range(lo, hi, prot);
	ml_unlock(&maps_lock);
	ml_guard_leave();
	errno = saved;
}

/* The protection a range had, for mremap (0 when it is not ours). */
static int prot_of(uintptr_t a, int *found)
{
	int prot = 0;
	ml_lock(&maps_lock);
	size_t i = find(a);
	*found = i < count && tab[i].lo <= a;
	if (*found)
		prot = tab[i].prot;
	ml_unlock(&maps_lock);
	return prot;
}

/* ---------------------------------------------------------------- hooks */

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef int (*mprotect_fn)(void *, size_t, int);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);
typedef void *(*sbrk_fn)(intptr_t);
typedef int (*brk_fn)(void *);

static mmap_fn real_mmap;
static munmap_fn real_munmap;
static mprotect_fn real_mprotect;
static mremap_fn real_mremap;
static sbrk_fn real_sbrk;
static brk_fn real_brk;

/* The next definition of name (NULL if there is none: the hook then
 * makes the system call itself). */
static void *next(void *cached, const char *name)
{
	return cached ? cached : ml_dlsym_next(name);
}

static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	mmap_fn f = real_mmap = next((void *)real_mmap, "mmap");
	if (f)
		return f(addr, len, prot, flags, fd, off);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = do_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && maps_recording())
		maps_change(OP_ADD, (uintptr_t)p, page_up((uintptr_t)p + len), prot);
	return p;
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
	if (maps_recording() && !((uintptr_t)addr & 4095))
		maps_change(OP_REMOVE, (uintptr_t)addr, page_up((uintptr_t)addr + len), 0);
	munmap_fn f = real_munmap = next((void *)real_munmap, "munmap");
	return f ? f(addr, len) : (int)syscall(SYS_munmap, addr, len);
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	mprotect_fn f = real_mprotect = next((void *)real_mprotect, "mprotect");
	int rc = f ? f(addr, len, prot) : (int)syscall(SYS_mprotect, addr, len, prot);
	if (rc == 0 && maps_recording())
		maps_change(OP_PROTECT, (uintptr_t)addr, page_up((uintptr_t)addr + len), prot);
	return rc;
}

EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *want = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		want = va_arg(ap, void *);
		va_end(ap);
	}
	int ours = 0, prot = 0;
	if (maps_recording() && !((uintptr_t)old & 4095)) {
		prot = prot_of((uintptr_t)old, &ours);
		/* MREMAP_DONTUNMAP keeps the old range mapped */
		if (ours && !(flags & 4))
			maps_change(OP_REMOVE, (uintptr_t)old, page_up((uintptr_t)old + old_len), 0);
	}
	mremap_fn f = real_mremap = next((void *)real_mremap, "mremap");
	void *p = f ? f(old, old_len, new_len, flags, want)
	            : (void *)syscall(SYS_mremap, old, old_len, new_len, flags, want);
	if (ours) {
		if (p != MAP_FAILED)
			maps_change(OP_ADD, (uintptr_t)p, page_up((uintptr_t)p + new_len), prot);
		else if (!(flags & 4))
			maps_change(OP_ADD, (uintptr_t)old, page_up((uintptr_t)old + old_len), prot);
	}
	return p;
}

/* glibc's malloc moves the break with an internal call that never comes
 * here: these are the program's own. */
EXPORT void *sbrk(intptr_t inc)
{
	sbrk_fn f = real_sbrk = next((void *)real_sbrk, "sbrk");
	if (!f) {
		errno = ENOMEM;
		return (void *)-1;
	}
	void *old = f(inc);
	if (old != (void *)-1 && inc && maps_recording()) {
		uintptr_t o = (uintptr_t)old;
		if (inc > 0)
			maps_change(OP_ADD, o, o + (uintptr_t)inc, PROT_READ | PROT_WRITE);
		else
			maps_change(OP_REMOVE, o - (uintptr_t)-inc, o, 0);
	}
	return old;
}

EXPORT int brk(void *addr)
{
	brk_fn f = real_brk = next((void *)real_brk, "brk");
	sbrk_fn s = real_sbrk = next((void *)real_sbrk, "sbrk");
	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	uintptr_t cur = s && maps_recording() ? (uintptr_t)s(0) : 0;
	int rc = f(addr);
	if (rc == 0 && cur && cur != (uintptr_t)-1) {
		uintptr_t a = (uintptr_t)addr;
		if (a > cur)
			maps_change(OP_ADD, cur, a, PROT_READ | PROT_WRITE);
		else
			maps_change(OP_REMOVE, a, cur, 0);
	}
	return rc;
}

/* ---------------------------------------------------------------- readers */

uint64_t ml_maps_bytes(void)
{
	uint64_t sum = 0;
	ml_lock(&maps_lock);
	for (size_t i = 0; i < count; i++)
		if (tab[i].prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
			sum += tab[i].hi - tab[i].lo;
	ml_unlock(&maps_lock);
	return sum;
}

size_t ml_maps_copy(uintptr_t (*out)[2], size_t max)
{
	size_t n = 0;
	ml_lock(&maps_lock);
	for (size_t i = 0; i < count && n < max; i++) {
		if ((tab[i].prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
			continue;
		out[n][0] = tab[i].lo;
		out[n][1] = tab[i].hi;
		n++;
	}
	ml_unlock(&maps_lock);
	return n;
}

size_t ml_maps_count(void)
{
	return __atomic_load_n(&count, __ATOMIC_RELAXED);
}

void ml_maps_lock(void)
{
	ml_lock(&maps_lock);
}

void ml_maps_unlock(void)
{
	ml_unlock(&maps_lock);
}
