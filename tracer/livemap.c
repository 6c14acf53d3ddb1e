/*
 * livemap.c - every live block, by address.
 *
 * The map is what makes pairing exact: a free looks up the block it
 * releases and the trace records *which allocation* ended (thread index
 * and sequence number), not just an address. Ingest therefore needs no
 * cross-thread ordering to pair events, and the exit scan knows every
 * live block with its size.
 *
 * Ordering argument: a free removes its entry before calling the real
 * free; an allocation inserts after the real malloc returns. The
 * allocator itself orders "free(p) returned" before "malloc returned p",
 * so the removal of p always precedes a re-insertion of p, whichever
 * threads are involved.
 *
 * 64 shards, each an open-addressing table with linear probing and
 * backward-shift deletion, guarded by its own spinlock and grown by
 * doubling at 3/4 load. Tables come from mmap. A block's shard is chosen
 * by its 1 MiB region, not by a hash of the whole address: a thread's
 * blocks come from its own malloc arena, so each thread keeps working in
 * a few small, warm tables (and rarely meets another thread's lock).
 */
#include <string.h>

#include "tracer/arena.h"
#include "tracer/livemap.h"
#include "tracer/lock.h"
#include "tracer/state.h"

#define SHARD_BITS 6
#define SHARDS (1u << SHARD_BITS)
#define SHARD_INITIAL 64u

struct shard {
	ml_lock_t lock;
	uint32_t mask;
	uint32_t count;
	struct ml_live *tab;
} __attribute__((aligned(64)));

static struct shard shards[SHARDS];

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static inline struct shard *shard_of(uint64_t addr)
{
	return &shards[((addr >> 20) * 0x9e3779b97f4a7c15ull) >> (64 - SHARD_BITS)];
}

/* Fibonacci hashing: the top bits of one multiply. */
static inline uint32_t home_of(const struct shard *s, uint64_t addr)
{
	return (uint32_t)(((addr >> 4) * 0x9e3779b97f4a7c15ull) >> 32) & s->mask;
}

static int shard_grow(struct shard *s)
{
	uint32_t cap = s->tab ? (s->mask + 1) * 2 : SHARD_INITIAL;
	struct ml_live *tab = ml_map((size_t)cap * sizeof *tab);
	if (!tab)
		return -1;
	struct ml_live *old = s->tab;
	uint32_t oldcap = old ? s->mask + 1 : 0;
	s->tab = tab;
	s->mask = cap - 1;
	for (uint32_t i = 0; i < oldcap; i++) {
		if (!old[i].addr)
			continue;
		uint32_t j = home_of(s, old[i].addr);
		while (tab[j].addr)
			j = (j + 1) & s->mask;
		tab[j] = old[i];
	}
	ml_unmap(old, (size_t)oldcap * sizeof *old);
	return 0;
}

/* Lock a shard, noting it in TLS for a signal handler that interrupts. */
static inline void shard_lock(struct shard *s)
{
	ml_lock(&s->lock);
	ml_tls.shard_held = (int)(s - shards) + 1;
}

static inline void shard_unlock(struct shard *s)
{
	ml_tls.shard_held = 0;
	ml_unlock(&s->lock);
}

void ml_live_insert(const struct ml_live *e)
{
	struct shard *s = shard_of(e->addr);
	shard_lock(s);
	if ((!s->tab || (s->count + 1) * 4 > (s->mask + 1) * 3) && shard_grow(s) < 0) {
		shard_unlock(s);
		return;  /* out of memory: the block will look unknown when freed */
	}
	uint32_t i = home_of(s, e->addr);
	while (s->tab[i].addr && s->tab[i].addr != e->addr)
		i = (i + 1) & s->mask;
	/* An address already present means its free bypassed the hooks
	 * (e.g. freed inside libc): the new block replaces it. */
	if (!s->tab[i].addr)
		s->count++;
	s->tab[i] = *e;
	shard_unlock(s);
}

static int remove_locked(struct shard *s, uint64_t addr, struct ml_live *out);

int ml_live_remove(uint64_t addr, struct ml_live *out)
{
	struct shard *s = shard_of(addr);
	shard_lock(s);
	return remove_locked(s, addr, out);
}

int ml_live_remove_try(uint64_t addr, struct ml_live *out)
{
	struct shard *s = shard_of(addr);
	if (ml_tls.shard_held == (int)(s - shards) + 1 || !ml_trylock_spin(&s->lock, 100000))
		return -1;
	int held = ml_tls.shard_held;
	ml_tls.shard_held = (int)(s - shards) + 1;
	int rc = remove_locked(s, addr, out);
	ml_tls.shard_held = held;
	return rc;
}

/* Remove addr from s, whose lock the caller holds; unlock. */
static int remove_locked(struct shard *s, uint64_t addr, struct ml_live *out)
{
	if (!s->tab) {
		shard_unlock(s);
		return 0;
	}
	uint32_t i = home_of(s, addr);
	while (s->tab[i].addr != addr) {
		if (!s->tab[i].addr) {
			shard_unlock(s);
			return 0;
		}
		i = (i + 1) & s->mask;
	}
	*out = s->tab[i];
	/* Backward-shift deletion keeps probe chains intact without tombstones. */
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & s->mask;
		if (!s->tab[j].addr)
			break;
		uint32_t k = home_of(s, s->tab[j].addr);
		int movable = i <= j ? (k <= i || k > j) : (k <= i && k > j);
		if (movable) {
			s->tab[i] = s->tab[j];
			i = j;
		}
	}
	s->tab[i].addr = 0;
	s->count--;
	shard_unlock(s);
	return 1;
}

void ml_live_foreach(void (*fn)(struct ml_live *, void *), void *arg)
{
	for (unsigned n = 0; n < SHARDS; n++) {
		struct shard *s = &shards[n];
		ml_lock(&s->lock);
		for (uint32_t i = 0; s->tab && i <= s->mask; i++)
			if (s->tab[i].addr)
				fn(&s->tab[i], arg);
		ml_unlock(&s->lock);
	}
}

size_t ml_live_count(void)
{
	size_t n = 0;
	for (unsigned i = 0; i < SHARDS; i++)
		n += __atomic_load_n(&shards[i].count, __ATOMIC_RELAXED);
	return n;
}

void ml_live_lock_all(void)
{
	for (unsigned i = 0; i < SHARDS; i++)
		ml_lock(&shards[i].lock);
}

void ml_live_unlock_all(void)
{
	for (unsigned i = 0; i < SHARDS; i++)
		ml_unlock(&shards[i].lock);
}
