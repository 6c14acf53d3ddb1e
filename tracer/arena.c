/*
 * arena.c - the tracer's own memory. Everything comes from mmap, never
 * from the allocator being traced, so the tracer's bookkeeping neither
 * shows up in the program's counts nor disturbs its heap layout.
 */
#include <errno.h>
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

/* System calls, not the libc functions: those are the program's, and
 * maps.c records what the program maps. errno is the program's too. */
void *ml_map(size_t size)
{
	int saved = errno;
	long p = syscall(SYS_mmap, NULL, page_round(size), PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = saved;
	return p == -1 ? NULL : (void *)p;
}

void ml_unmap(void *p, size_t size)
{
	if (p)
		syscall(SYS_munmap, p, page_round(size));
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
