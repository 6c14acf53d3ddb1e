/*
 * modules.c - the loaded modules (executable, shared libraries, vdso),
 * recorded with load bias, address range and GNU build-id at start and
 * whenever dlopen/dlclose change the set. Ingest symbolizes from these.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/lock.h"
#include "tracer/modules.h"
#include "tracer/real.h"
#include "tracer/state.h"
#include "tracer/tracer.h"

#define MAX_MODULES 8192

struct module {
	uintptr_t bias, lo, hi;
	uint32_t idx;
	int present;   /* seen in the latest walk */
	int emitted;   /* written in the current trace */
	char name[512];
};

static ml_lock_t modules_lock = ML_LOCK_INIT;
static struct module *mods;
static uint32_t nmods;

void ml_modules_lock(void)
{
	ml_lock(&modules_lock);
}

void ml_modules_unlock(void)
{
	ml_unlock(&modules_lock);
}

/* The GNU build-id from the module's notes, or 0 bytes. */
static size_t build_id(const struct dl_phdr_info *info, const uint8_t **out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
			const uint8_t *n = p + sizeof *nh;
			if (n + name + desc > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(n, "GNU", 4)) {
				*out = n + name;
				return nh->n_descsz;
			}
			p = n + name + desc;
		}
	}
	return 0;
}

static void range_of(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi)
{
	*lo = UINTPTR_MAX;
	*hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
		if (a < *lo)
			*lo = a;
		if (b > *hi)
			*hi = b;
	}
	if (*lo > *hi)
		*lo = *hi = 0;
}

static void emit_module(const struct module *m, const struct dl_phdr_info *info, const char *path)
{
	const uint8_t *id = NULL;
	size_t idlen = build_id(info, &id);
	struct ml_meta mt;
	ml_meta_begin(&mt, ML_META_MODULE, 80 + PATH_MAX + idlen);
	uint8_t *p = mt.p;
	p = ml_put_varint(p, m->idx);
	p = ml_put_varint(p, m->bias);
	p = ml_put_varint(p, m->lo);
	p = ml_put_varint(p, m->hi);
	p = ml_put_varint(p, ml_rdtsc());
	p = ml_put_str(p, path, PATH_MAX);
	p = ml_put_bytes(p, id, idlen);
	mt.p = p;
	ml_meta_end(&mt);
}

static int walk_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	int *first = arg;
	char exe[PATH_MAX];
	const char *path = info->dlpi_name;
	if (*first && (!path || !*path)) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = 0;
		path = exe;
	}
	*first = 0;
	if (!path || !*path)
		return 0;
	uintptr_t lo, hi;
	range_of(info, &lo, &hi);
	if (!hi)
		return 0;
	struct module *m = NULL;
	/* hi == 0 marks a module that was unloaded: a library loaded again
	 * (even at the same address) is a new module */
	for (uint32_t i = 0; i < nmods; i++)
		if (mods[i].hi && mods[i].bias == info->dlpi_addr && mods[i].lo == lo &&
		    !strncmp(mods[i].name, path, sizeof mods[i].name - 1)) {
			m = &mods[i];
			break;
		}
	if (!m) {
		if (nmods >= MAX_MODULES)
			return 0;
		m = &mods[nmods];
		memset(m, 0, sizeof *m);
		m->idx = nmods++;
		m->bias = info->dlpi_addr;
		m->lo = lo;
		m->hi = hi;
		size_t len = strnlen(path, sizeof m->name - 1);
		memcpy(m->name, path, len);
		m->name[len] = 0;
	}
	m->present = 1;
	if (!m->emitted) {
		emit_module(m, info, path);
		m->emitted = 1;
	}
	return 0;
}

void ml_modules_scan(void)
{
	ml_lock(&modules_lock);
	if (!mods && !(mods = ml_map(MAX_MODULES * sizeof *mods))) {
		ml_unlock(&modules_lock);
		return;
	}
	for (uint32_t i = 0; i < nmods; i++)
		mods[i].present = 0;
	int first = 1;
	dl_iterate_phdr(walk_one, &first);
	for (uint32_t i = 0; i < nmods; i++) {
		if (mods[i].present || !mods[i].emitted || !mods[i].hi)
			continue;
		struct ml_meta mt;
		ml_meta_begin(&mt, ML_META_MODULE_GONE, 24);
		mt.p = ml_put_varint(mt.p, mods[i].idx);
		mt.p = ml_put_varint(mt.p, ml_rdtsc());
		ml_meta_end(&mt);
		mods[i].hi = 0;  /* gone: never matched again */
	}
	ml_unlock(&modules_lock);
}

void ml_modules_reset_for_child(void)
{
	for (uint32_t i = 0; i < nmods; i++)
		mods[i].emitted = 0;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	uintptr_t me = (uintptr_t)&ml_modules_find_self;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= a && me < a + ph->p_memsz) {
			ml.self_lo = a;
			ml.self_hi = a + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

void ml_modules_find_self(void)
{
	dl_iterate_phdr(find_self, NULL);
}

struct writable_ctx {
	void (*fn)(uintptr_t, uintptr_t, void *);
	void *arg;
};

static int walk_writable(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct writable_ctx *c = arg;
	uintptr_t me = (uintptr_t)&ml_modules_find_self;
	uintptr_t lo, hi;
	range_of(info, &lo, &hi);
	if (me >= lo && me < hi)
		return 0;  /* the tracer's own data holds no program references */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
			uintptr_t a = info->dlpi_addr + ph->p_vaddr;
			c->fn(a, a + ph->p_memsz, c->arg);
		}
	}
	return 0;
}

void ml_modules_writable(void (*fn)(uintptr_t lo, uintptr_t hi, void *), void *arg)
{
	struct writable_ctx c = { fn, arg };
	dl_iterate_phdr(walk_writable, &c);
}

/* ---------------------------------------------------------------- dlopen */

static void after_dl_change(void)
{
	if (!ml_active() || ml_guarded())
		return;
	ml_guard_enter();
	ml_modules_scan();
	ml_guard_leave();
}

EXPORT void *dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);
	if (!real)
		real = (void *(*)(const char *, int))ml_dlsym_next("dlopen");
	void *h = real(file, mode);
	if (h)
		after_dl_change();
	return h;
}

EXPORT void *dlmopen(Lmid_t lmid, const char *file, int mode)
{
	static void *(*real)(Lmid_t, const char *, int);
	if (!real)
		real = (void *(*)(Lmid_t, const char *, int))ml_dlsym_next("dlmopen");
	void *h = real(lmid, file, mode);
	if (h)
		after_dl_change();
	return h;
}

EXPORT int dlclose(void *handle)
{
	static int (*real)(void *);
	if (!real)
		real = (int (*)(void *))ml_dlsym_next("dlclose");
	int rc = real(handle);
	if (rc == 0)
		after_dl_change();
	return rc;
}
