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
 * 64 shards, each guarded by its own spinlock. A block's shard is chosen
 * by its 1 MiB region, not by a hash of the whole address: a thread's
 * blocks come from its own malloc arena, so each thread keeps working in
 * a few small, warm tables (and rarely meets another thread's lock).
 *
 * Memory: the map must stay small beside the program (a program keeping
 * 2M small blocks live would otherwise pay for a second heap). A shard
 * keeps its blocks by 16 KiB region: each region holds one 8-byte word
 * per block, sorted by address, and what the region's blocks share: the
 * thread index, a base sequence number and a small dictionary of stack
 * ids. A word packs the block's offset in 8-byte units (11 bits), its
 * stack's dictionary index (8 bits, 255 = not sampled), its size (15
 * bits) and its sequence number less the base (30 bits). A block that
 * does not fit (unaligned, 32 KiB or larger, another thread's block in
 * the region, a sequence number out of range, a full dictionary) goes to
 * the shard's overflow table of whole 32-byte entries, open addressing
 * with linear probing as before. Region arrays come from the shard's own
 * size-class free lists on mmap'd chunks; they grow by about an eighth,
 * so the words are nearly all in use (up to 16 words, by powers of two).
 *
 * Speed: an insert looks its address up once, for a stale entry and for
 * where its word goes. A region's unused words are all ones, which sort
 * after every offset, so a small array (4, 8 or 16 words) is searched
 * whole by a fixed number of halvings; searches never branch on the
 * words (those branches mispredict half the time). A small dictionary is
 * read whole the same way.
 */
#include <string.h>

#include "tracer/arena.h"
#include "tracer/livemap.h"
#include "tracer/lock.h"
#include "tracer/state.h"

#define SHARD_BITS 6
#define SHARDS (1u << SHARD_BITS)
#define BIG_INITIAL 64u
#define REG_INITIAL 16u

#define REGION_SHIFT 14                 /* 16 KiB regions */
#define GRAIN_SHIFT 3                   /* offsets in 8-byte units */
#define OFF_BITS (REGION_SHIFT - GRAIN_SHIFT)
#define DICT_BITS 8
#define SIZE_BITS 15
#define SEQ_BITS 30
#define OFF_SHIFT (64 - OFF_BITS)
#define DICT_SHIFT (OFF_SHIFT - DICT_BITS)
#define SIZE_SHIFT (DICT_SHIFT - SIZE_BITS)
#define DICT_UNSAMPLED 255u
#define DICT_MAX 255u                   /* stacks one region can name */
#define SEQ_MASK ((1ull << SEQ_BITS) - 1)
#define SIZE_MASK ((1ull << SIZE_BITS) - 1)
#define WORDS_MAX (1u << OFF_BITS)
#define WORD_NONE UINT64_MAX            /* a region's unused words */
#define STACK_NONE UINT32_MAX           /* its unused dictionary entries */
#define SCAN_MAX 16                     /* arrays this small: read whole */

/* Region arrays: sizes in UNIT-byte units, one free list per size. */
#define UNIT 32u
#define NCLASS (WORDS_MAX * 8 / UNIT + 1)
#define CHUNK (128u * 1024)

struct region {
	uint64_t key;           /* region number + 1; 0: free slot */
	uint64_t base;          /* sequence number of a word's 0 */
	uint64_t *w;            /* the words, ascending (by offset), then
	                         * WORD_NONE up to cap */
	uint32_t *dict;         /* stack ids, then STACK_NONE up to dcap */
	uint32_t idx;           /* the thread index of every block here */
	uint16_t n, cap;        /* words used, words allocated */
	uint16_t ndict, dcap;
	uint8_t based;          /* base is set (a sampled block came) */
};

struct shard {
	ml_lock_t lock;
	uint32_t count;         /* live blocks, in regions and overflow */
	uint32_t rmask, rcount; /* region table */
	struct region *reg;
	uint32_t bmask, bcount; /* overflow table */
	struct ml_live *big;
	uint8_t *bump, *bump_end;
	void *freel[NCLASS];
} __attribute__((aligned(64)));

static struct shard shards[SHARDS];

static inline unsigned shard_ix(uint64_t addr)
{
	return (unsigned)(((addr >> 20) * 0x9e3779b97f4a7c15ull) >> (64 - SHARD_BITS));
}

/* ---------------------------------------------------------------- region arrays */

static size_t units_of(size_t bytes)
{
	return (bytes + UNIT - 1) / UNIT;
}

/* An array of `units` units from the shard's free lists or its chunk. */
static void *arr_get(struct shard *s, size_t units)
{
	void *p = s->freel[units];
	if (p) {
		s->freel[units] = *(void **)p;
		return p;
	}
	size_t n = units * UNIT;
	if (!s->bump || (size_t)(s->bump_end - s->bump) < n) {
		uint8_t *c = ml_map(CHUNK);
		if (!c)
			return NULL;
		/* the old chunk's tail, if any, serves smaller arrays later */
		if (s->bump) {
			size_t left = (size_t)(s->bump_end - s->bump) / UNIT;
			if (left) {
				*(void **)s->bump = s->freel[left];
				s->freel[left] = s->bump;
			}
		}
		s->bump = c;
		s->bump_end = c + CHUNK;
	}
	p = s->bump;
	s->bump += n;
	return p;
}

static void arr_put(struct shard *s, void *p, size_t units)
{
	if (!p)
		return;
	*(void **)p = s->freel[units];
	s->freel[units] = p;
}

/* The capacity for n words and a little more: a power of two up to
 * SCAN_MAX (lower_bound() reads those whole), then about an eighth more. */
static uint32_t next_cap(uint32_t n)
{
	if (n < SCAN_MAX) {
		uint32_t c = 4;
		while (c <= n)
			c *= 2;
		return c;
	}
	uint32_t c = n + (n / 8 > 4 ? n / 8 : 4);
	c = (c + 3) & ~3u;
	return c > WORDS_MAX ? WORDS_MAX : c;
}

/*
 * A region array (its words or its dictionary) moved to one of cap
 * elements of `size` bytes: its first n elements copied, the rest unused
 * (all ones: WORD_NONE, STACK_NONE). The old array, of oldcap elements,
 * goes back to the free lists. NULL when out of memory, the old array
 * kept.
 */
_Static_assert(WORD_NONE == UINT64_MAX && STACK_NONE == UINT32_MAX, "unused elements are all ones");
static inline void *arr_resize(struct shard *s, void *old, uint32_t n, uint32_t oldcap,
                               uint32_t cap, size_t size)
{
	char *a = arr_get(s, units_of(cap * size));
	if (!a)
		return NULL;
	if (n)
		memcpy(a, old, n * size);
	memset(a + n * size, 0xff, (cap - n) * size);
	arr_put(s, old, units_of(oldcap * size));
	return a;
}

/* Room for n words in r: grow (or shrink) its array. 0, or -1. */
static int words_resize(struct shard *s, struct region *r, uint32_t cap)
{
	uint64_t *w = arr_resize(s, r->w, r->n, r->cap, cap, sizeof *w);
	if (!w)
		return -1;
	r->w = w;
	r->cap = (uint16_t)cap;
	return 0;
}

/* ---------------------------------------------------------------- open addressing */

/*
 * The region table and the overflow table are the same kind of table:
 * open addressing with linear probing over a power-of-two number of
 * slots, each entry starting with a uint64_t key (a region's number + 1,
 * a block's address), 0 marking a free slot. The helpers below serve
 * both, given the entry's size and how many low bits of the key to drop
 * before hashing (block addresses are 16-byte aligned: 4). They are
 * inline and their callers pass constant sizes, so each table gets the
 * loops it had when each was written out by hand; they only map memory
 * through ml_map, so they are safe wherever the tables are used.
 */
#define REG_HASH_SHIFT 0
#define BIG_HASH_SHIFT 4

static inline void *oa_slot(void *tab, size_t size, uint32_t i)
{
	return (char *)tab + (size_t)i * size;
}

static inline uint64_t oa_key(const void *tab, size_t size, uint32_t i)
{
	uint64_t key;
	memcpy(&key, (const char *)tab + (size_t)i * size, sizeof key);
	return key;
}

/* Fibonacci hashing: the top bits of one multiply. */
static inline uint32_t oa_home(uint32_t mask, uint64_t key, unsigned shift)
{
	return (uint32_t)(((key >> shift) * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

/* The slot holding key (not 0), or UINT32_MAX when none does. */
static inline uint32_t oa_find(const void *tab, size_t size, uint32_t mask, unsigned shift,
                               uint64_t key)
{
	uint32_t i = oa_home(mask, key, shift);
	uint64_t k;
	while ((k = oa_key(tab, size, i)) != key) {
		if (!k)
			return UINT32_MAX;
		i = (i + 1) & mask;
	}
	return i;
}

/* The first free slot on key's probe chain (the table is not full). */
static inline uint32_t oa_free_slot(const void *tab, size_t size, uint32_t mask, unsigned shift,
                                    uint64_t key)
{
	uint32_t i = oa_home(mask, key, shift);
	while (oa_key(tab, size, i))
		i = (i + 1) & mask;
	return i;
}

/*
 * Empty slot i. Backward-shift deletion keeps probe chains intact without
 * tombstones: each later entry of the chain that may move back (its home
 * is not cyclically within (i, j]) fills the hole, leaving its own.
 */
static inline void oa_delete(void *tab, size_t size, uint32_t mask, unsigned shift, uint32_t i)
{
	const uint64_t none = 0;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		uint64_t key = oa_key(tab, size, j);
		if (!key)
			break;
		uint32_t k = oa_home(mask, key, shift);
		int movable = i <= j ? (k <= i || k > j) : (k <= i && k > j);
		if (movable) {
			memcpy(oa_slot(tab, size, i), oa_slot(tab, size, j), size);
			i = j;
		}
	}
	memcpy(oa_slot(tab, size, i), &none, sizeof none);
}

/*
 * A table twice the size of tab (of *mask + 1 slots; initial slots when
 * tab is NULL) holding its entries, with *mask set to match; tab is
 * unmapped. NULL when out of memory, tab and *mask unchanged.
 */
static inline void *oa_grow(void *tab, uint32_t *mask, uint32_t initial, size_t size, unsigned shift)
{
	uint32_t oldcap = tab ? *mask + 1 : 0, cap = tab ? oldcap * 2 : initial;
	void *grown = ml_map((size_t)cap * size);
	if (!grown)
		return NULL;
	for (uint32_t i = 0; i < oldcap; i++) {
		uint64_t key = oa_key(tab, size, i);
		if (key)
			memcpy(oa_slot(grown, size, oa_free_slot(grown, size, cap - 1, shift, key)),
			       oa_slot(tab, size, i), size);
	}
	*mask = cap - 1;
	ml_unmap(tab, (size_t)oldcap * size);
	return grown;
}

/* ---------------------------------------------------------------- region table */

static inline struct region *region_find(struct shard *s, uint64_t key)
{
	if (!s->reg)
		return NULL;
	uint32_t i = oa_find(s->reg, sizeof *s->reg, s->rmask, REG_HASH_SHIFT, key);
	return i == UINT32_MAX ? NULL : &s->reg[i];
}

/* The region of key, made if new; NULL when out of memory. */
static struct region *region_get(struct shard *s, uint64_t key)
{
	struct region *r = region_find(s, key);
	if (r)
		return r;
	if (!s->reg || (s->rcount + 1) * 4 > (s->rmask + 1) * 3) {
		struct region *tab = oa_grow(s->reg, &s->rmask, REG_INITIAL, sizeof *tab, REG_HASH_SHIFT);
		if (!tab)
			return NULL;
		s->reg = tab;
	}
	r = &s->reg[oa_free_slot(s->reg, sizeof *r, s->rmask, REG_HASH_SHIFT, key)];
	memset(r, 0, sizeof *r);
	r->key = key;
	s->rcount++;
	return r;
}

/* Drop the empty region r: its arrays go back, its slot is closed up. */
static void region_drop(struct shard *s, struct region *r)
{
	arr_put(s, r->w, units_of(r->cap * sizeof *r->w));
	arr_put(s, r->dict, units_of(r->dcap * sizeof *r->dict));
	oa_delete(s->reg, sizeof *r, s->rmask, REG_HASH_SHIFT, (uint32_t)(r - s->reg));
	s->rcount--;
}

/* ---------------------------------------------------------------- words */

static inline uint64_t region_key(uint64_t addr)
{
	return (addr >> REGION_SHIFT) + 1;
}

static inline uint32_t word_off(uint64_t addr)
{
	return (uint32_t)(addr >> GRAIN_SHIFT) & (WORDS_MAX - 1);
}

/*
 * The first word of r at or after offset off, by halving without a
 * branch on the data (such branches mispredict half the time). A small
 * array (a power of two words, its unused ones WORD_NONE, which no offset
 * passes) is searched whole: the loop then runs a number of times that
 * only changes when the array does.
 */
static inline uint32_t lower_bound(const struct region *r, uint32_t off)
{
	uint64_t v = (uint64_t)off << OFF_SHIFT;
	const uint64_t *w = r->w;
	uint32_t cap = r->cap;
	if (cap <= SCAN_MAX && !(cap & (cap - 1))) {
		if (!cap)
			return 0;
		uint32_t i = 0;
		for (uint32_t h = cap / 2; h; h /= 2)
			i = w[i + h - 1] < v ? i + h : i;
		return i + (w[i] < v);
	}
	uint32_t n = r->n;
	if (!n)
		return 0;
	const uint64_t *b = w;
	while (n > 1) {
		uint32_t half = n / 2;
		b = b[half] < v ? b + half : b;
		n -= half;
	}
	return (uint32_t)(b - w) + (*b < v);
}

/* Open a gap at word i of r (room for it is there) / close word i. Most
 * regions hold a few words: a plain loop beats a call to memmove. */
static inline void words_open(struct region *r, uint32_t i)
{
	for (uint32_t j = r->n; j > i; j--)
		r->w[j] = r->w[j - 1];
	r->n++;
}

static inline void words_close(struct region *r, uint32_t i)
{
	r->n--;
	for (uint32_t j = i; j < r->n; j++)
		r->w[j] = r->w[j + 1];
	r->w[r->n] = WORD_NONE;
}

static inline void word_decode(const struct region *r, uint64_t w, struct ml_live *out)
{
	out->addr = ((r->key - 1) << REGION_SHIFT) | ((w >> OFF_SHIFT) << GRAIN_SHIFT);
	out->size = (w >> SIZE_SHIFT) & SIZE_MASK;
	out->idx = r->idx;
	uint32_t d = (uint32_t)(w >> DICT_SHIFT) & ((1u << DICT_BITS) - 1);
	if (d == DICT_UNSAMPLED) {
		out->seq = 0;
		out->stack = ML_UNSAMPLED;
	} else {
		out->seq = r->base + (w & SEQ_MASK);
		out->stack = r->dict[d];
	}
}

/* The dictionary index of stack in r, added if new; -1 if full. A small
 * dictionary is read whole (unused entries are STACK_NONE, which no
 * sampled block has), without a branch on the data. */
static int dict_index(struct shard *s, struct region *r, uint32_t stack)
{
	if (r->dcap == 8) {  /* the first size: a fixed loop, unrolled */
		int found = -1;
#pragma GCC unroll 8
		for (uint32_t i = 0; i < 8; i++)
			found = r->dict[i] == stack ? (int)i : found;
		if (found >= 0)
			return found;
	} else {
		for (uint32_t i = 0; i < r->ndict; i++)
			if (r->dict[i] == stack)
				return (int)i;
	}
	if (r->ndict >= DICT_MAX)
		return -1;
	if (r->ndict == r->dcap) {
		uint32_t cap = r->dcap ? r->dcap * 2u : 8u;
		if (cap > 256)
			cap = 256;
		uint32_t *d = arr_resize(s, r->dict, r->ndict, r->dcap, cap, sizeof *d);
		if (!d)
			return -1;
		r->dict = d;
		r->dcap = (uint16_t)cap;
	}
	r->dict[r->ndict] = stack;
	return (int)r->ndict++;
}

/* Empty region r for a new first block. */
static void region_reset(struct region *r, uint32_t idx)
{
	r->idx = idx;
	r->based = 0;
	for (uint32_t i = 0; i < r->ndict; i++)
		r->dict[i] = STACK_NONE;
	r->ndict = 0;
	for (uint32_t i = 0; i < r->n; i++)
		r->w[i] = WORD_NONE;
	r->n = 0;
}

/*
 * Put e into region r (NULL: its region is not made yet) as one word, at
 * index i, where lower_bound() puts its offset. 1 if it went in, 0 if it
 * does not fit the region (the caller puts it in the overflow table), -1
 * out of memory. The address is not in the region. An empty region is
 * left in place either way (a walk must not see the table move).
 */
static int word_put(struct shard *s, struct region *r, uint32_t i, const struct ml_live *e)
{
	int unsampled = e->stack == ML_UNSAMPLED;
	if ((e->addr & ((1u << GRAIN_SHIFT) - 1)) || e->size > SIZE_MASK || (unsampled && e->seq))
		return 0;
	if (!r) {
		r = region_get(s, region_key(e->addr));
		if (!r)
			return -1;
		i = lower_bound(r, word_off(e->addr));
	}
	if (!r->n) {
		region_reset(r, e->idx);
	} else if (r->idx != e->idx) {
		return 0;
	}
	uint64_t w = (uint64_t)word_off(e->addr) << OFF_SHIFT | (uint64_t)e->size << SIZE_SHIFT;
	if (unsampled) {
		w |= (uint64_t)DICT_UNSAMPLED << DICT_SHIFT;
	} else {
		if (!r->based) {
			r->base = e->seq;
			r->based = 1;
		}
		if (e->seq < r->base || e->seq - r->base > SEQ_MASK)
			return 0;
		int d = dict_index(s, r, e->stack);
		if (d < 0)
			return 0;
		w |= (uint64_t)d << DICT_SHIFT | (e->seq - r->base);
	}
	if (r->n == r->cap && words_resize(s, r, next_cap(r->cap)) < 0)
		return -1;
	words_open(r, i);
	r->w[i] = w;
	return 1;
}

/* The same, looking up e's region and index. */
static int word_insert(struct shard *s, const struct ml_live *e)
{
	struct region *r = region_find(s, region_key(e->addr));
	return word_put(s, r, r ? lower_bound(r, word_off(e->addr)) : 0, e);
}

/* Take word i of r out into *out. */
static void word_take(struct shard *s, struct region *r, uint32_t i, struct ml_live *out)
{
	word_decode(r, r->w[i], out);
	words_close(r, i);
	if (!r->n)
		region_drop(s, r);
	else if (r->cap > 8 && r->n * 2u < r->cap)
		words_resize(s, r, next_cap(r->n));  /* on failure it keeps its array */
}

/* Take addr's word out of its region into *out: 1, or 0 if not there. */
static int word_remove(struct shard *s, uint64_t addr, struct ml_live *out)
{
	if (addr & ((1u << GRAIN_SHIFT) - 1))
		return 0;
	struct region *r = region_find(s, region_key(addr));
	if (!r)
		return 0;
	uint32_t off = word_off(addr);
	uint32_t i = lower_bound(r, off);
	if (i >= r->n || (uint32_t)(r->w[i] >> OFF_SHIFT) != off)
		return 0;
	word_take(s, r, i, out);
	return 1;
}

/* ---------------------------------------------------------------- overflow table */

/* Put e in the overflow table: 0, or -1 out of memory. */
static int big_insert(struct shard *s, const struct ml_live *e)
{
	if (!s->big || (s->bcount + 1) * 4 > (s->bmask + 1) * 3) {
		struct ml_live *tab = oa_grow(s->big, &s->bmask, BIG_INITIAL, sizeof *tab, BIG_HASH_SHIFT);
		if (!tab)
			return -1;
		s->big = tab;
	}
	s->big[oa_free_slot(s->big, sizeof *e, s->bmask, BIG_HASH_SHIFT, e->addr)] = *e;
	s->bcount++;
	return 0;
}

static int big_remove(struct shard *s, uint64_t addr, struct ml_live *out)
{
	if (!s->bcount)
		return 0;
	uint32_t i = oa_find(s->big, sizeof *out, s->bmask, BIG_HASH_SHIFT, addr);
	if (i == UINT32_MAX)
		return 0;
	*out = s->big[i];
	oa_delete(s->big, sizeof *out, s->bmask, BIG_HASH_SHIFT, i);
	s->bcount--;
	return 1;
}

/* ---------------------------------------------------------------- the map */

/* Lock a shard, noting it in TLS for a signal handler that interrupts. */
static inline struct shard *shard_lock(unsigned ix)
{
	struct shard *s = &shards[ix];
	ml_lock(&s->lock);
	ml_tls.shard_held = (int)ix + 1;
	return s;
}

static inline void shard_unlock(struct shard *s)
{
	ml_tls.shard_held = 0;
	ml_unlock(&s->lock);
}

static int remove_any(struct shard *s, uint64_t addr, struct ml_live *out)
{
	return word_remove(s, addr, out) || big_remove(s, addr, out);
}

/*
 * Insert e into s, whose lock the caller holds. One lookup serves both
 * the check for a stale entry and the insertion: the region and the
 * word index found for the first are where the new word goes.
 */
static void insert_locked(struct shard *s, const struct ml_live *e)
{
	struct ml_live gone;
	struct region *r = NULL;
	uint32_t i = 0;
	int stale = 0;
	if (!(e->addr & ((1u << GRAIN_SHIFT) - 1))) {
		r = region_find(s, region_key(e->addr));
		if (r) {
			uint32_t off = word_off(e->addr);
			i = lower_bound(r, off);
			/* An address already present means its free bypassed the
			 * hooks (e.g. freed inside libc): the new block replaces
			 * it. The region stays, empty or not, for the new word. */
			if (i < r->n && (uint32_t)(r->w[i] >> OFF_SHIFT) == off) {
				words_close(r, i);
				stale = 1;
			}
		}
	}
	if (stale || (s->bcount && big_remove(s, e->addr, &gone)))
		s->count--;
	int rc = word_put(s, r, i, e);
	if (rc <= 0) {
		/* the region of e may be left empty: it goes */
		r = r ? r : region_find(s, region_key(e->addr));
		if (r && !r->n)
			region_drop(s, r);
		if (rc == 0)
			rc = big_insert(s, e) == 0;
	}
	if (rc > 0)
		s->count++;
	/* out of memory: the block will look unknown when freed */
}

void ml_live_insert(const struct ml_live *e)
{
	struct shard *s = shard_lock(shard_ix(e->addr));
	insert_locked(s, e);
	shard_unlock(s);
}

/* Remove addr from s, whose lock the caller holds. */
static int remove_locked(struct shard *s, uint64_t addr, struct ml_live *out)
{
	int rc = remove_any(s, addr, out);
	if (rc)
		s->count--;
	return rc;
}

int ml_live_remove(uint64_t addr, struct ml_live *out)
{
	struct shard *s = shard_lock(shard_ix(addr));
	int rc = remove_locked(s, addr, out);
	shard_unlock(s);
	return rc;
}

int ml_live_remove_try(uint64_t addr, struct ml_live *out)
{
	unsigned ix = shard_ix(addr);
	struct shard *s = &shards[ix];
	if (ml_tls.shard_held == (int)ix + 1 || !ml_trylock_spin(&s->lock, 100000))
		return -1;
	int held = ml_tls.shard_held;
	ml_tls.shard_held = (int)ix + 1;
	int rc = remove_locked(s, addr, out);
	ml_tls.shard_held = held;
	ml_unlock(&s->lock);
	return rc;
}

/*
 * fn may change the entry it is given (a forked child renumbers the
 * blocks it inherits). The overflow table is walked in place first; a
 * region's blocks are decoded into `tmp`, and if fn changed any, the
 * region is emptied and its blocks put back, into the region or, when
 * they no longer fit it, into the overflow table (already walked).
 */
static void region_walk(struct shard *s, struct region *r, struct ml_live *tmp,
                        void (*fn)(struct ml_live *, void *), void *arg)
{
	uint32_t n = r->n, changed = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ml_live was;
		word_decode(r, r->w[i], &tmp[i]);
		was = tmp[i];
		fn(&tmp[i], arg);
		changed |= (uint32_t)memcmp(&was, &tmp[i], sizeof was) != 0;
	}
	if (!changed)
		return;
	region_reset(r, r->idx);  /* kept, not dropped: the table must not move under the walk */
	for (uint32_t i = 0; i < n; i++) {
		int rc = word_insert(s, &tmp[i]);
		if (rc == 0)
			rc = big_insert(s, &tmp[i]) == 0;
		if (rc <= 0)
			s->count--;
	}
}

void ml_live_foreach(void (*fn)(struct ml_live *, void *), void *arg)
{
	struct ml_live *tmp = ml_map(WORDS_MAX * sizeof *tmp);
	for (unsigned n = 0; n < SHARDS; n++) {
		struct shard *s = &shards[n];
		ml_lock(&s->lock);
		uint32_t bcap = s->big ? s->bmask + 1 : 0;
		struct ml_live *big = s->big;
		for (uint32_t i = 0; i < bcap; i++)
			if (big[i].addr)
				fn(&big[i], arg);
		for (uint32_t i = 0; tmp && s->reg && i <= s->rmask; i++)
			if (s->reg[i].key && s->reg[i].n)
				region_walk(s, &s->reg[i], tmp, fn, arg);
		ml_unlock(&s->lock);
	}
	ml_unmap(tmp, WORDS_MAX * sizeof *tmp);
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
