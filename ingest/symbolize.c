/*
 * symbolize.c - instruction pointers to frames, with elfutils libdwfl.
 *
 * One Dwfl session holds every module whose file was found, each reported
 * with dwfl_report_elf() at its load bias. Our own module table, not
 * dwfl_addrmodule(), decides which module covers an ip: the tracer's
 * ranges are the truth, modules may overlap over the life of a process,
 * and a module without a file must still answer with module+offset.
 *
 * Files are found by our own search (sym_find_main(), sym_find_debug()),
 * not elfutils' standard callbacks, so that every file is checked against
 * the recorded build-id and the module's status can say where its
 * symbols came from. libdwfl asks for a separate debug file through
 * sym_find_debuginfo(), which runs that search.
 *
 * Frames of every resolved ip live in one pool; a hash table maps
 * (ip, is_return_address) to its run of frames. All strings are interned
 * in a hash set, so frames hold only borrowed pointers.
 */
#include "ingest/symbolize.h"

#include <assert.h>
#include <dwarf.h>
#include <elfutils/debuginfod.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <errno.h>
#include <gelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strset.h"
#include "common/u64map.h"
#include "common/vec.h"

/* From libstdc++ (the tool links -lstdc++); <cxxabi.h> is C++ only. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

#define SYM_DEBUG_DIR "/usr/lib/debug"
#define SYM_MAX_BUILD_ID 64	/* bytes; real ones are 8 to 20 */
#define SYM_MAX_DEPTH 256	/* DIE nesting we follow; deeper is hostile */

/* One address range of a compilation unit, in DWARF addresses. */
struct sym_cu_range {
	Dwarf_Addr lo, hi;
	Dwarf_Die cudie;
	Dwarf_Addr bias;	/* libdwfl address - DWARF address */
};

/* The code symbol that names one address: the best of its aliases. */
struct sym_symbol {
	uint64_t addr;		/* libdwfl's address space */
	uint64_t size;		/* 0 for a sizeless assembly label */
	const char *name;	/* in the ELF string table, owned by libdwfl */
	int rank;		/* sym_rank() */
};

/* Where a file was found; sym_source_names[] spells them for users. */
enum sym_source {
	SRC_NONE, SRC_BINARY, SRC_DEBUGLINK, SRC_SYSTEM, SRC_DEBUG_DIR,
	SRC_SYSROOT, SRC_DEBUGINFOD,
};

static const char *const sym_source_names[] = {
	NULL, "binary", "debuglink", SYM_DEBUG_DIR, "debug-dir", "sysroot",
	"debuginfod",
};

/* What sym_open_elf() learnt about a file. */
struct sym_elf {
	int has_symtab, has_dwarf;
	dev_t dev;
	ino_t ino;
	char id[2 * SYM_MAX_BUILD_ID + 1];	/* its build-id, when it differed */
};

struct symbolizer;

/* libdwfl's per-module user data: how sym_find_debuginfo() finds us. */
struct sym_modctx {
	struct symbolizer *s;
	size_t idx;		/* in s->mods */
};

struct sym_module {
	const char *name;	/* interned basename */
	const char *path;	/* interned, as registered */
	uint8_t build_id[SYM_MAX_BUILD_ID];
	size_t build_id_len;
	const char *build_id_hex;	/* interned, NULL if none */
	int used;		/* a lookup fell in the module */
	/* The ELF file reported to libdwfl, when found. */
	int elf_src;		/* enum sym_source */
	const char *elf_file;
	struct sym_elf elf;
	int remote_tried;	/* debuginfod was asked for it */
	/* Its separate debug file: 0 not looked for, 1 none, 2 found. */
	int dbg_state;
	int dbg_src;
	const char *dbg_file;
	struct sym_elf dbg;
	/* A file at the recorded path (or in the sysroot) with another
	 * build-id: the reason a module has no symbols. */
	const char *other_file, *other_id;
	uint64_t bias, lo, hi;
	uint64_t reg_lo, reg_hi;	/* lo and hi as registered */
	Dwfl_Module *dwmod;	/* NULL if no usable file was found */
	uint64_t dwbias;	/* libdwfl's bias for dwmod */
	int runtime;
	/* Built on first lookup, sorted by addr, one entry per address. */
	struct sym_symbol *syms;
	size_t nsyms;
	int syms_built;
	/* Built when .debug_aranges fails us, sorted by lo. */
	struct sym_cu_range *cus;
	size_t ncus;
	int cus_built;
};

/* One address range of a subprogram with code, in DWARF addresses. */
struct sym_range {
	Dwarf_Addr lo, hi;
	Dwarf_Die die;
};

/* The subprograms of one compilation unit, sorted by lo. */
struct sym_unit {
	Dwarf_CU *cu;
	struct sym_range *ranges;
	size_t nranges;
};

struct symbolizer {
	Dwfl *dwfl;
	Dwfl_Callbacks cb;	/* libdwfl keeps a pointer to it */
	char *debuginfo_path;	/* for dwz files: elfutils' search path */
	unsigned next_id;	/* makes libdwfl module names unique */

	char **debug_dirs;	/* struct sym_search, copied */
	size_t ndebug_dirs;
	char *sysroot;
	int no_debuginfod;
	debuginfod_client *dfd;	/* created on first use */
	int dfd_failed;

	struct sym_modctx **ctxs;	/* owned, one per reported file */
	size_t nctxs, ctxs_cap;

	struct sym_module *mods;
	size_t nmods, mods_cap;

	struct strset strs;	/* every string a frame or module names */

	/* resolved ips: ip + 1 -> first << 16 | count (frames[first ..
	 * first + count)), one map for call sites, one for return addresses */
	struct u64map cache[2];

	struct sym_frame *frames;
	size_t nframes, frames_cap;

	struct u64map unit_index;	/* Dwarf_CU pointer -> index into units */
	struct sym_unit *units;
	size_t nunits, units_cap;
};

static const char sym_unknown_module[] = "?";

/* ------------------------------------------------------------ strings */

/*
 * Return the interned copy of `str`, valid until symbolizer_free().
 * NULL in gives NULL out; NULL is also returned if out of memory.
 */
static const char *sym_intern(struct symbolizer *s, const char *str)
{
	return strset_intern(&s->strs, str);
}

/* Intern the demangled form of a C++ symbol name, or the name as it is. */
static const char *sym_intern_demangled(struct symbolizer *s, const char *name)
{
	const char *ret;
	char *plain;
	int status = -1;

	if (!name || strncmp(name, "_Z", 2))
		return sym_intern(s, name);
	plain = __cxa_demangle(name, NULL, NULL, &status);
	ret = sym_intern(s, status == 0 && plain ? plain : name);
	free(plain);
	return ret;
}

/* ------------------------------------------------------------ modules */

static const char *sym_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash && slash[1])
		return slash + 1;
	return *path ? path : sym_unknown_module;
}

static int sym_has_prefix(const char *str, const char *prefix)
{
	return !strncmp(str, prefix, strlen(prefix));
}

/* Modules of the C and C++ runtime, by file name, including glibc < 2.34's
 * versioned names (libc-2.31.so). */
static int sym_is_runtime(const char *base)
{
	static const char *const prefixes[] = {
		"libc.so", "libc-2.", "ld-linux", "ld-2.", "libstdc++.so",
		"libgcc_s.so", "libm.so", "libm-2.", "libpthread.so",
		"libpthread-", "libdl.so", "libdl-",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (sym_has_prefix(base, prefixes[i]))
			return 1;
	return 0;
}

static void sym_hex(char *out, const uint8_t *id, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
	out[2 * len] = 0;
}

/* Which sections `elf` has that a symbolizer wants. */
static void sym_elf_sections(Elf *elf, struct sym_elf *e)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_SYMTAB)
			e->has_symtab = 1;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (name && shdr.sh_type != SHT_NOBITS &&
		    (!strcmp(name, ".debug_info") ||
		     !strcmp(name, ".zdebug_info")))
			e->has_dwarf = 1;
	}
}

/*
 * Open `path` if it is a regular ELF file and, when `id_len` is not 0,
 * carries that build-id; fill *e. Returns the descriptor, -1 if there is
 * no such ELF file, -2 if it is one with another build-id (in e->id).
 */
static int sym_open_elf(const char *path, const uint8_t *id, size_t id_len,
			struct sym_elf *e)
{
	const void *file_id;
	struct stat st;
	ssize_t n;
	Elf *elf;
	int fd, ret = -1;

	memset(e, 0, sizeof(*e));
	/* O_NONBLOCK: a FIFO must not hang us before fstat() rejects it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto out_close;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		goto out_close;
	if (elf_kind(elf) != ELF_K_ELF)
		goto out_end;
	if (id_len) {
		n = dwelf_elf_gnu_build_id(elf, &file_id);
		if (n <= 0 || (size_t)n != id_len || memcmp(file_id, id, id_len)) {
			if (n > 0 && n <= SYM_MAX_BUILD_ID)
				sym_hex(e->id, file_id, (size_t)n);
			else
				snprintf(e->id, sizeof(e->id), "none");
			ret = -2;
			goto out_end;
		}
	}
	sym_elf_sections(elf, e);
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	elf_end(elf);
	return fd;

out_end:
	elf_end(elf);
out_close:
	close(fd);
	return ret;
}

/* snprintf() into buf; 0, or -1 when the result did not fit. */
static int sym_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sym_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * Report the open file `fd` to libdwfl as module `m`, which is or will be
 * s->mods[idx], at m->bias. Consumes fd. Leaves m->dwmod NULL if libdwfl
 * will not take the file.
 */
static void sym_report(struct symbolizer *s, struct sym_module *m,
		       size_t idx, const char *file, int fd)
{
	Dwarf_Addr start, end, bias;
	struct sym_modctx *ctx;
	Dwfl_Module *dwmod;
	void **userdata;
	char name[64];

	if (s->nctxs == s->ctxs_cap) {
		size_t cap = s->ctxs_cap ? 2 * s->ctxs_cap : 64;
		struct sym_modctx **ctxs = realloc(s->ctxs, cap * sizeof(*ctxs));

		if (!ctxs)
			goto out_close;
		s->ctxs = ctxs;
		s->ctxs_cap = cap;
	}
	ctx = malloc(sizeof(*ctx));
	if (!ctx)
		goto out_close;
	ctx->s = s;
	ctx->idx = idx;
	s->ctxs[s->nctxs++] = ctx;

	/*
	 * libdwfl merges modules reported under one name and range, and on a
	 * mismatch drops the old one; a unique name keeps each registration
	 * its own module.
	 */
	snprintf(name, sizeof(name), "%u:%.40s", s->next_id++, m->name);
	dwfl_report_begin_add(s->dwfl);
	/* add_p_vaddr: for ET_DYN, `base` is the bias; ET_EXEC ignores it. */
	dwmod = dwfl_report_elf(s->dwfl, name, file, fd, m->bias, true);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (!dwmod)
		goto out_close;
	/* Before anything can make libdwfl look for the debug file. */
	dwfl_module_info(dwmod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = ctx;
	if (!dwfl_module_getelf(dwmod, &bias))
		return;
	dwfl_module_info(dwmod, NULL, &start, &end, NULL, NULL, NULL, NULL);
	m->dwmod = dwmod;
	m->dwbias = bias;
	if (m->hi <= m->lo) {
		m->lo = start - bias + m->bias;
		m->hi = end - bias + m->bias;
	}
	return;

out_close:
	close(fd);
}

/* ------------------------------------------------------------ finding files */

/*
 * A candidate for module m's ELF file (m is or will be s->mods[idx]):
 * report it when it is the right one. Returns 1 once m has a file.
 */
static int sym_try_main(struct symbolizer *s, struct sym_module *m,
			size_t idx, const char *path, int src)
{
	struct sym_elf e;
	int fd = sym_open_elf(path, m->build_id, m->build_id_len, &e);

	if (fd == -2 && !m->other_file) {
		m->other_file = sym_intern(s, path);
		m->other_id = sym_intern(s, e.id);
	}
	if (fd < 0)
		return 0;
	sym_report(s, m, idx, path, fd);
	if (!m->dwmod)
		return 0;
	m->elf_src = src;
	m->elf_file = sym_intern(s, path);
	m->elf = e;
	return 1;
}

/* A file standing in for the ELF file under DIR/.build-id. */
static int sym_try_main_by_id(struct symbolizer *s, struct sym_module *m,
			      size_t idx, const char *dir, int src)
{
	static const char *const suffixes[] = { "", ".debug" };
	const char *hex = m->build_id_hex;
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (!sym_fmt(path, sizeof(path), "%s/.build-id/%.2s/%s%s", dir,
			     hex, hex + 2, suffixes[i]) &&
		    sym_try_main(s, m, idx, path, src))
			return 1;
	return 0;
}

/*
 * Find module m's ELF file on this machine (see symbolize.h for the
 * order). debuginfod comes later, in sym_find_main_remote(), and only
 * for a module that a lookup needs.
 */
static void sym_find_main(struct symbolizer *s, struct sym_module *m,
			  size_t idx)
{
	char path[PATH_MAX];
	size_t i;

	if (m->path[0] && sym_try_main(s, m, idx, m->path, SRC_BINARY))
		return;
	if (s->sysroot && m->path[0] == '/' &&
	    !sym_fmt(path, sizeof(path), "%s%s", s->sysroot, m->path) &&
	    sym_try_main(s, m, idx, path, SRC_SYSROOT))
		return;
	/* Without a build-id, nothing found by another name can be trusted. */
	if (!m->build_id_hex)
		return;
	if (sym_try_main_by_id(s, m, idx, SYM_DEBUG_DIR, SRC_SYSTEM))
		return;
	for (i = 0; i < s->ndebug_dirs; i++) {
		const char *dir = s->debug_dirs[i];

		if (sym_try_main_by_id(s, m, idx, dir, SRC_DEBUG_DIR))
			return;
		if (!sym_fmt(path, sizeof(path), "%s/%s", dir, m->name) &&
		    sym_try_main(s, m, idx, path, SRC_DEBUG_DIR))
			return;
		if (!sym_fmt(path, sizeof(path), "%s/%s.debug", dir, m->name) &&
		    sym_try_main(s, m, idx, path, SRC_DEBUG_DIR))
			return;
	}
	if (s->sysroot &&
	    !sym_fmt(path, sizeof(path), "%s%s", s->sysroot, SYM_DEBUG_DIR))
		sym_try_main_by_id(s, m, idx, path, SRC_SYSROOT);
}

/*
 * Ask debuginfod for module m's executable (else its debug file). NULL
 * path and -1 unless DEBUGINFOD_URLS is set and the server has it.
 * Returns the path of the file in libdebuginfod's cache (caller frees).
 */
static char *sym_debuginfod(struct symbolizer *s, struct sym_module *m,
			    int executable)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	char *path = NULL;
	int fd;

	if (s->no_debuginfod || !urls || !*urls || !m->build_id_len)
		return NULL;
	if (!s->dfd && !s->dfd_failed) {
		s->dfd = debuginfod_begin();
		s->dfd_failed = !s->dfd;
	}
	if (!s->dfd)
		return NULL;
	if (executable)
		fd = debuginfod_find_executable(s->dfd, m->build_id,
						(int)m->build_id_len, &path);
	else
		fd = debuginfod_find_debuginfo(s->dfd, m->build_id,
					       (int)m->build_id_len, &path);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	/* Opened again, and checked, by path like every other candidate. */
	close(fd);
	return path;
}

/* The last resort for a module a lookup fell in: debuginfod. */
static void sym_find_main_remote(struct symbolizer *s, struct sym_module *m)
{
	size_t idx = (size_t)(m - s->mods);
	char *path;

	m->remote_tried = 1;
	path = sym_debuginfod(s, m, 1);
	if (path && sym_try_main(s, m, idx, path, SRC_DEBUGINFOD)) {
		free(path);
		return;
	}
	free(path);
	path = sym_debuginfod(s, m, 0);
	if (path)
		sym_try_main(s, m, idx, path, SRC_DEBUGINFOD);
	free(path);
}

/*
 * A candidate for module m's separate debug file: the right build-id,
 * something to offer (a symbol table or DWARF), and not the ELF file
 * itself by another name. Returns its descriptor and name for libdwfl.
 */
static int sym_try_debug(struct symbolizer *s, struct sym_module *m,
			 const char *path, int src, char **out)
{
	struct sym_elf e;
	int fd = sym_open_elf(path, m->build_id, m->build_id_len, &e);

	if (fd < 0)
		return -1;
	if ((e.dev == m->elf.dev && e.ino == m->elf.ino) ||
	    (!e.has_symtab && !e.has_dwarf) || !(*out = strdup(path))) {
		close(fd);
		return -1;
	}
	m->dbg_state = 2;
	m->dbg_src = src;
	m->dbg_file = sym_intern(s, path);
	m->dbg = e;
	return fd;
}

#define SYM_TRY_DEBUG(src, ...) do { \
	if (!sym_fmt(path, sizeof(path), __VA_ARGS__) && \
	    (fd = sym_try_debug(s, m, path, (src), out)) >= 0) \
		return fd; \
} while (0)

/*
 * Find module m's separate debug file, for its ELF file `file` with
 * .gnu_debuglink `link` (NULL if none), in the order symbolize.h gives.
 * Returns the descriptor, or -1 with errno 0: not found.
 */
static int sym_find_debug(struct symbolizer *s, struct sym_module *m,
			  const char *file, const char *link, char **out)
{
	char path[PATH_MAX], dir[PATH_MAX], name[PATH_MAX], rdir[PATH_MAX];
	const char *hex = m->build_id_hex, *slash = strrchr(file, '/');
	int near = m->elf_src == SRC_SYSROOT ? SRC_SYSROOT : SRC_DEBUGLINK;
	const char *r = s->sysroot;
	size_t i;
	int fd;

	/* The file's folder, and the recorded path's ("" if relative). */
	if (sym_fmt(dir, sizeof(dir), "%.*s", slash ? (int)(slash - file) : 1,
		    slash ? file : "."))
		goto out_none;
	slash = strrchr(m->path, '/');
	if (m->path[0] != '/' || sym_fmt(rdir, sizeof(rdir), "%.*s",
					 (int)(slash - m->path), m->path))
		rdir[0] = 0;
	if (link ? sym_fmt(name, sizeof(name), "%s", link)
		 : sym_fmt(name, sizeof(name), "%s.debug", m->name))
		goto out_none;

	SYM_TRY_DEBUG(near, "%s/%s", dir, name);
	SYM_TRY_DEBUG(near, "%s/.debug/%s", dir, name);
	SYM_TRY_DEBUG(SRC_SYSTEM, "%s/.build-id/%.2s/%s.debug", SYM_DEBUG_DIR,
		      hex, hex + 2);
	if (rdir[0])
		SYM_TRY_DEBUG(SRC_SYSTEM, "%s%s/%s", SYM_DEBUG_DIR, rdir, name);
	for (i = 0; i < s->ndebug_dirs; i++) {
		const char *d = s->debug_dirs[i];

		SYM_TRY_DEBUG(SRC_DEBUG_DIR, "%s/.build-id/%.2s/%s.debug", d,
			      hex, hex + 2);
		SYM_TRY_DEBUG(SRC_DEBUG_DIR, "%s/%s", d, name);
		if (rdir[0])
			SYM_TRY_DEBUG(SRC_DEBUG_DIR, "%s%s/%s", d, rdir, name);
		/* A copy of the unstripped file, by build-id or by name. */
		SYM_TRY_DEBUG(SRC_DEBUG_DIR, "%s/.build-id/%.2s/%s", d, hex,
			      hex + 2);
		SYM_TRY_DEBUG(SRC_DEBUG_DIR, "%s/%s", d, m->name);
	}
	if (r) {
		SYM_TRY_DEBUG(SRC_SYSROOT, "%s%s/.build-id/%.2s/%s.debug", r,
			      SYM_DEBUG_DIR, hex, hex + 2);
		if (rdir[0])
			SYM_TRY_DEBUG(SRC_SYSROOT, "%s%s%s/%s", r,
				      SYM_DEBUG_DIR, rdir, name);
		if (rdir[0] && m->elf_src != SRC_SYSROOT) {
			SYM_TRY_DEBUG(SRC_SYSROOT, "%s%s/%s", r, rdir, name);
			SYM_TRY_DEBUG(SRC_SYSROOT, "%s%s/.debug/%s", r, rdir,
				      name);
			SYM_TRY_DEBUG(SRC_SYSROOT, "%s%s", r, m->path);
		}
	}
	{
		char *remote = sym_debuginfod(s, m, 0);

		fd = remote ? sym_try_debug(s, m, remote, SRC_DEBUGINFOD, out) : -1;
		free(remote);
		if (fd >= 0)
			return fd;
	}
out_none:
	errno = 0;
	return -1;
}

#undef SYM_TRY_DEBUG

/*
 * libdwfl's find_debuginfo callback. It is called for the separate debug
 * file of a module whose ELF file lacks DWARF or .symtab (twice when
 * neither is found), and again for dwz's shared file once DWARF is
 * loaded; elfutils' standard search finds that one.
 */
static int sym_find_debuginfo(Dwfl_Module *mod, void **userdata,
			      const char *modname, Dwarf_Addr base,
			      const char *file_name, const char *debuglink,
			      GElf_Word crc, char **out)
{
	struct sym_modctx *ctx = *userdata;
	struct sym_module *m;
	int fd;

	if (!ctx)
		goto out_standard;
	m = &ctx->s->mods[ctx->idx];
	if (m->dbg_state == 2 || m->elf.has_dwarf)
		goto out_standard;	/* the dwz file */
	if (m->dbg_state == 1) {
		errno = 0;
		return -1;
	}
	m->dbg_state = 1;
	if (m->build_id_hex)
		return sym_find_debug(ctx->s, m, file_name, debuglink, out);
	/* No build-id: only elfutils' search checks the debuglink's CRC. */
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base,
					  file_name, debuglink, crc, out);
	if (fd >= 0) {
		int fd2 = sym_open_elf(*out, NULL, 0, &m->dbg);

		if (fd2 >= 0)
			close(fd2);
		m->dbg_state = 2;
		m->dbg_src = !strncmp(*out, SYM_DEBUG_DIR "/",
				      sizeof(SYM_DEBUG_DIR)) ? SRC_SYSTEM
							      : SRC_DEBUGLINK;
		m->dbg_file = sym_intern(ctx->s, *out);
	}
	return fd;

out_standard:
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base,
					    file_name, debuglink, crc, out);
}

static struct sym_module *sym_find_module(struct symbolizer *s, uint64_t ip)
{
	size_t i = s->nmods;

	/* Newest first: it replaced whatever an older one mapped there. */
	while (i--)
		if (s->mods[i].lo <= ip && ip < s->mods[i].hi)
			return &s->mods[i];
	return NULL;
}

static int sym_is_registered(struct symbolizer *s, const struct sym_module *m)
{
	size_t i;

	for (i = 0; i < s->nmods; i++) {
		const struct sym_module *o = &s->mods[i];

		if (o->path == m->path && o->bias == m->bias &&
		    o->reg_lo == m->reg_lo && o->reg_hi == m->reg_hi &&
		    o->build_id_len == m->build_id_len &&
		    !memcmp(o->build_id, m->build_id, m->build_id_len))
			return 1;
	}
	return 0;
}

static void sym_cache_clear(struct symbolizer *s)
{
	u64map_free(&s->cache[0]);
	u64map_free(&s->cache[1]);
	s->nframes = 0;
}

/* ------------------------------------------------------------ symbols */

/*
 * libdwfl's dwfl_module_addrinfo() scans the whole symbol table on every
 * call: over 100 us per address in libc. Each module's code symbols are
 * instead sorted once into a table and binary-searched.
 */

/*
 * How much a symbol looks like the name a user knows the code by. libc
 * gives one function several names (malloc, __libc_malloc,
 * __GI___libc_malloc; fopen, _IO_fopen, _IO_new_fopen): prefer a function
 * to an untyped label, then a name without a leading underscore (a mangled
 * C++ name counts as one), then global over weak over local binding.
 */
static int sym_rank(const char *name, const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info), rank = 0;

	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		rank += 8;
	if (name[0] != '_' || name[1] == 'Z')
		rank += 4;
	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL:
		return rank + 2;
	case STB_WEAK:
		return rank + 1;
	default:
		return rank;
	}
}

/* Whether symbol `sym` of section `shndx` in `elf` names code. */
static int sym_is_code(Elf *elf, const GElf_Sym *sym, GElf_Word shndx)
{
	int type = GELF_ST_TYPE(sym->st_info);
	GElf_Shdr shdr;
	Elf_Scn *scn;

	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return shndx != SHN_UNDEF && shndx != (GElf_Word)-1;
	/* Hand-written assembly often leaves its labels untyped. */
	if (type != STT_NOTYPE || shndx == SHN_UNDEF || shndx >= SHN_LORESERVE)
		return 0;
	scn = elf ? elf_getscn(elf, shndx) : NULL;
	return scn && gelf_getshdr(scn, &shdr) &&
	       (shdr.sh_flags & SHF_EXECINSTR);
}

static int sym_symbol_cmp(const void *a, const void *b)
{
	const struct sym_symbol *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return y->rank - x->rank;	/* best first */
	return (y->size > x->size) - (y->size < x->size);
}

/*
 * Sort m's code symbols by address, keep one per address (the best name,
 * the largest size), and drop labels inside a sized symbol: they would
 * hide the function around them.
 */
static void sym_symbols_build(struct sym_module *m)
{
	int i, n = dwfl_module_getsymtab(m->dwmod);
	uint64_t end = 0;
	size_t j = 0, k, kept;

	m->syms_built = 1;
	if (n <= 0)
		return;
	m->syms = calloc((size_t)n, sizeof(*m->syms));
	if (!m->syms)
		return;
	for (i = 1; i < n; i++) {
		const char *name;
		GElf_Word shndx;
		GElf_Addr addr;
		GElf_Sym sym;
		Elf *elf = NULL;

		name = dwfl_module_getsym_info(m->dwmod, i, &sym, &addr, &shndx,
					       &elf, NULL);
		if (!name || !*name || !sym_is_code(elf, &sym, shndx))
			continue;
		m->syms[j].addr = addr;
		m->syms[j].size = sym.st_size;
		m->syms[j].name = name;
		m->syms[j].rank = sym_rank(name, &sym);
		j++;
	}
	if (j)
		qsort(m->syms, j, sizeof(*m->syms), sym_symbol_cmp);
	for (k = 0, kept = 0; k < j; k++) {
		struct sym_symbol *sy = &m->syms[k];

		if (kept && m->syms[kept - 1].addr == sy->addr) {
			if (sy->size > m->syms[kept - 1].size)
				m->syms[kept - 1].size = sy->size;
		} else if (sy->size || sy->addr >= end) {
			m->syms[kept++] = *sy;
		} else {
			continue;
		}
		sy = &m->syms[kept - 1];
		if (sy->size && sy->addr + sy->size > end)
			end = sy->addr + sy->size;
	}
	m->nsyms = kept;
}

/*
 * The symbol naming `addr` (libdwfl's address space): the sized one that
 * holds it, else the closest label before it. NULL if none.
 */
static const struct sym_symbol *sym_symbol_find(struct sym_module *m,
						uint64_t addr)
{
	const struct sym_symbol *sy;
	size_t lo = 0, hi;

	if (!m->syms_built)
		sym_symbols_build(m);
	hi = m->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	sy = &m->syms[lo - 1];
	if (sy->size && addr - sy->addr >= sy->size)
		return NULL;
	return sy;
}

/* ------------------------------------------------------------ DWARF */

/* Name of a subprogram or inlined subroutine: demangled linkage name, else
 * DW_AT_name. Both are looked up through abstract origins. */
static const char *sym_die_function(struct symbolizer *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		name = dwarf_formstring(&attr);
	if (name && !strncmp(name, "_Z", 2))
		return sym_intern_demangled(s, name);
	if (dwarf_diename(die))
		return sym_intern(s, dwarf_diename(die));
	return sym_intern(s, name);
}

/* Where the inlined subroutine `die` was called from. */
static void sym_die_call_site(struct symbolizer *s, Dwarf_Die *die,
			      const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word val;
	Dwarf_Die cu;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_attr(die, DW_AT_call_line, &attr) &&
	    !dwarf_formudata(&attr, &val) && val <= INT32_MAX)
		*line = (int)val;
	/* The file index is into the line table of the unit holding the DIE,
	 * which with dwz may be a partial unit, not the CU we started from. */
	if (!dwarf_attr(die, DW_AT_call_file, &attr) ||
	    dwarf_formudata(&attr, &val) ||
	    !dwarf_diecu(die, &cu, NULL, NULL) ||
	    dwarf_getsrcfiles(&cu, &files, &nfiles) || val >= nfiles)
		return;
	*file = sym_intern(s, dwarf_filesrc(files, val, NULL, NULL));
}

/* ------------------------------------------------------------ units */

/*
 * dwarf_getscopes() walks the whole compilation unit for every address: a
 * few milliseconds each in a C++ unit. Instead, each unit is walked once
 * for its subprograms' address ranges; a lookup then binary-searches
 * those and walks down only the subprogram that holds the address.
 */

static int sym_range_cmp(const void *a, const void *b)
{
	const struct sym_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

static int sym_unit_add(struct sym_unit *u, size_t *cap, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi)
			continue;
		if (u->nranges == *cap) {
			size_t n = *cap ? 2 * *cap : 64;
			struct sym_range *r = realloc(u->ranges, n * sizeof(*r));

			if (!r)
				return -1;
			u->ranges = r;
			*cap = n;
		}
		u->ranges[u->nranges].lo = lo;
		u->ranges[u->nranges].hi = hi;
		u->ranges[u->nranges].die = *die;
		u->nranges++;
	}
	return 0;
}

/*
 * Collect the subprograms with code under `parent`. Compilers put them at
 * unit or namespace level (a member function's definition refers to its
 * declaration in the class with DW_AT_specification); functions nested in
 * functions are found by sym_unit_path() instead.
 */
static int sym_unit_collect(struct sym_unit *u, size_t *cap, Dwarf_Die *parent,
			    int depth)
{
	Dwarf_Die child;

	if (depth > SYM_MAX_DEPTH || dwarf_child(parent, &child))
		return 0;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			if (sym_unit_add(u, cap, &child))
				return -1;
			break;
		case DW_TAG_namespace:
		case DW_TAG_module:
			if (sym_unit_collect(u, cap, &child, depth + 1))
				return -1;
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

/* The subprogram index of the unit `cudie`, built on first use; NULL if
 * out of memory. */
static struct sym_unit *sym_unit_get(struct symbolizer *s, Dwarf_Die *cudie)
{
	struct sym_unit *u;
	uint64_t key = (uint64_t)(uintptr_t)cudie->cu, idx;
	size_t cap = 0;

	if (u64map_get(&s->unit_index, key, &idx))
		return &s->units[idx];
	if (!(u = VEC_PUSH(s->units, s->nunits, s->units_cap)))
		return NULL;
	if (sym_unit_collect(u, &cap, cudie, 0) ||
	    u64map_put(&s->unit_index, key, s->nunits - 1) < 0) {
		free(u->ranges);
		s->nunits--;
		return NULL;
	}
	if (u->nranges)
		qsort(u->ranges, u->nranges, sizeof(*u->ranges), sym_range_cmp);
	u->cu = cudie->cu;
	return u;
}

/* The subprogram of unit u whose code holds pc, or NULL. */
static Dwarf_Die *sym_unit_function(struct sym_unit *u, Dwarf_Addr pc)
{
	size_t lo = 0, hi = u->nranges;

	/* The last range starting at or before pc. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->ranges[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && pc < u->ranges[lo - 1].hi)
		return &u->ranges[lo - 1].die;
	return NULL;
}

static int sym_is_block(int tag)
{
	switch (tag) {
	case DW_TAG_lexical_block:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_subprogram:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
	case DW_TAG_with_stmt:
		return 1;
	}
	return 0;
}

/*
 * Walk down from `parent` towards pc and append to path[n..] each inlined
 * subroutine or nested subprogram that holds it, outermost first. Returns
 * the new length of path.
 */
static int sym_unit_path(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *path,
			 int n, int depth)
{
	Dwarf_Die child;

	if (depth > SYM_MAX_DEPTH || n == SYM_MAX_DEPTH ||
	    dwarf_child(parent, &child))
		return n;
	do {
		int tag = dwarf_tag(&child), m;

		if (!sym_is_block(tag))
			continue;
		if (dwarf_hasattr(&child, DW_AT_low_pc) ||
		    dwarf_hasattr(&child, DW_AT_ranges)) {
			if (dwarf_haspc(&child, pc) <= 0)
				continue;
			if (tag != DW_TAG_lexical_block)
				path[n++] = child;
			return sym_unit_path(&child, pc, path, n, depth + 1);
		}
		/* A block without addresses may still hold some that have. */
		m = sym_unit_path(&child, pc, path, n, depth + 1);
		if (m > n)
			return m;
	} while (dwarf_siblingof(&child, &child) == 0);
	return n;
}

/* ------------------------------------------------------------ frames */

static int sym_push(struct symbolizer *s, const struct sym_frame *f)
{
	if (s->nframes == s->frames_cap) {
		size_t cap = s->frames_cap ? s->frames_cap * 2 : 1024;
		struct sym_frame *frames;

		if (cap > UINT32_MAX)
			return -1;
		frames = realloc(s->frames, cap * sizeof(*frames));
		if (!frames)
			return -1;
		s->frames = frames;
		s->frames_cap = cap;
	}
	s->frames[s->nframes++] = *f;
	return 0;
}

/*
 * Fill path[] with the function DIEs around `pc` in the unit `cudie`,
 * outermost first: the subprogram, then the subroutines inlined into it
 * down to pc. Returns the count, 0 if no function holds pc.
 */
static int sym_function_path(struct symbolizer *s, Dwarf_Die *cudie,
			     Dwarf_Addr pc, Dwarf_Die *path)
{
	struct sym_unit *u;
	Dwarf_Die *fn, split;
	uint8_t type;

	/* -gsplit-dwarf: the functions are in the .dwo's split unit. */
	if (!dwarf_cu_info(cudie->cu, NULL, &type, NULL, &split, NULL, NULL,
			   NULL) && type == DW_UT_skeleton && split.addr)
		cudie = &split;
	u = sym_unit_get(s, cudie);
	if (!u || !(fn = sym_unit_function(u, pc)))
		return 0;
	path[0] = *fn;
	return sym_unit_path(fn, pc, path, 1, 0);
}

static int sym_cu_range_cmp(const void *a, const void *b)
{
	const struct sym_cu_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/* Index the address ranges of every unit in m. */
static void sym_cus_build(struct sym_module *m)
{
	Dwarf_Die *cudie = NULL;
	size_t cap = 0;
	Dwarf_Addr bias;

	m->cus_built = 1;
	while ((cudie = dwfl_module_nextcu(m->dwmod, cudie, &bias))) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;

		while ((off = dwarf_ranges(cudie, off, &base, &lo, &hi)) > 0) {
			if (lo >= hi)
				continue;
			if (m->ncus == cap) {
				size_t n = cap ? 2 * cap : 64;
				struct sym_cu_range *r;

				r = realloc(m->cus, n * sizeof(*r));
				if (!r)
					goto out_sort;
				m->cus = r;
				cap = n;
			}
			m->cus[m->ncus].lo = lo;
			m->cus[m->ncus].hi = hi;
			m->cus[m->ncus].cudie = *cudie;
			m->cus[m->ncus].bias = bias;
			m->ncus++;
		}
	}
out_sort:
	if (m->ncus)
		qsort(m->cus, m->ncus, sizeof(*m->cus), sym_cu_range_cmp);
}

/*
 * The unit holding `addr` (libdwfl's address space) in m, and the bias
 * from its DWARF addresses. libdwfl 0.188 finds units through
 * .debug_aranges only, which clang does not emit by default: fall back
 * to the units' own ranges.
 */
static Dwarf_Die *sym_cu_find(struct sym_module *m, Dwarf_Addr addr,
			      Dwarf_Addr *bias)
{
	Dwarf_Die *cudie = dwfl_module_addrdie(m->dwmod, addr, bias);
	size_t lo = 0, hi;

	if (cudie)
		return cudie;
	if (!m->cus_built)
		sym_cus_build(m);
	hi = m->ncus;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->cus[mid].lo + m->cus[mid].bias <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - m->cus[lo - 1].bias >= m->cus[lo - 1].hi)
		return NULL;
	*bias = m->cus[lo - 1].bias;
	return &m->cus[lo - 1].cudie;
}

/*
 * Append the frames for `addr` (libdwfl's address space) in module m, built
 * on `base`: the inline chain, innermost first, then the function itself.
 * The innermost line comes from the line table, each outer one from the
 * call site of the frame inside it.
 */
static int sym_resolve_dwarf(struct symbolizer *s, struct sym_module *m,
			     Dwarf_Addr addr, const struct sym_frame *base)
{
	struct sym_frame f = *base;
	const struct sym_symbol *sy;
	const char *file = NULL;
	Dwarf_Die *path, *cudie;
	Dwarf_Addr cubias;
	Dwarf_Line *dwline;
	int i, n = 0, line = 0, ret = -1;

	path = malloc(SYM_MAX_DEPTH * sizeof(*path));
	if (!path)
		return -1;
	sy = sym_symbol_find(m, addr);
	cudie = sym_cu_find(m, addr, &cubias);
	if (cudie) {
		dwline = dwarf_getsrc_die(cudie, addr - cubias);
		if (dwline && dwarf_lineno(dwline, &line) == 0)
			file = sym_intern(s, dwarf_linesrc(dwline, NULL, NULL));
		else
			line = 0;
		n = sym_function_path(s, cudie, addr - cubias, path);
	}

	for (i = n - 1; i >= 0; i--) {
		f.file = file;
		f.line = line;
		f.inlined = dwarf_tag(&path[i]) == DW_TAG_inlined_subroutine;
		/* The symbol table names the real function as other tools
		 * do (malloc, not __libc_malloc), when a sized symbol
		 * really covers the address. */
		if (!f.inlined && sy && sy->size)
			f.function = sym_intern_demangled(s, sy->name);
		else
			f.function = sym_die_function(s, &path[i]);
		ret = sym_push(s, &f);
		if (ret || !f.inlined)
			goto out_free;
		sym_die_call_site(s, &path[i], &file, &line);
	}

	/* No DWARF for addr: the symbol table and maybe the line table. */
	f.function = sy ? sym_intern_demangled(s, sy->name) : NULL;
	f.file = file;
	f.line = line;
	f.inlined = 0;
	ret = sym_push(s, &f);

out_free:
	free(path);
	return ret;
}

/* Append the frames for ip to the pool. Returns 0, or -1 if out of memory. */
static int sym_resolve(struct symbolizer *s, uint64_t ip, int is_ret)
{
	struct sym_frame f = { sym_unknown_module, ip, NULL, NULL, 0, 0, 0, NULL };
	struct sym_module *m = sym_find_module(s, ip);
	uint64_t addr;

	if (!m)
		return sym_push(s, &f);
	f.module = m->name;
	f.offset = ip - m->bias;
	f.runtime = m->runtime;
	f.build_id = m->build_id_hex;
	m->used = 1;
	if (!m->dwmod && !m->remote_tried)
		sym_find_main_remote(s, m);
	if (!m->dwmod)
		return sym_push(s, &f);
	addr = is_ret && ip ? ip - 1 : ip;
	return sym_resolve_dwarf(s, m, addr - m->bias + m->dwbias, &f);
}

/* Out of memory: still answer, with what needs no allocation. */
static void sym_fallback(struct symbolizer *s, uint64_t ip, struct sym_frame *out)
{
	const struct sym_module *m = sym_find_module(s, ip);
	struct sym_frame f = { sym_unknown_module, ip, NULL, NULL, 0, 0, 0, NULL };

	if (m) {
		f.module = m->name;
		f.offset = ip - m->bias;
		f.runtime = m->runtime;
		f.build_id = m->build_id_hex;
	}
	*out = f;
}

/* ------------------------------------------------------------ cache */

/* ------------------------------------------------------------ API */

struct symbolizer *symbolizer_new(void)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	elf_version(EV_CURRENT);
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = sym_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path;
	s->dwfl = dwfl_begin(&s->cb);
	if (!s->dwfl) {
		free(s);
		return NULL;
	}
	return s;
}

void symbolizer_free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	dwfl_end(s->dwfl);
	if (s->dfd)
		debuginfod_end(s->dfd);
	for (i = 0; i < s->nctxs; i++)
		free(s->ctxs[i]);
	free(s->ctxs);
	for (i = 0; i < s->ndebug_dirs; i++)
		free(s->debug_dirs[i]);
	free(s->debug_dirs);
	free(s->sysroot);
	free(s->debuginfo_path);
	for (i = 0; i < s->nmods; i++) {
		free(s->mods[i].syms);
		free(s->mods[i].cus);
	}
	for (i = 0; i < s->nunits; i++)
		free(s->units[i].ranges);
	free(s->units);
	u64map_free(&s->unit_index);
	strset_free(&s->strs);
	free(s->mods);
	u64map_free(&s->cache[0]);
	u64map_free(&s->cache[1]);
	free(s->frames);
	free(s);
}

/* A folder's absolute name (as given if it has none), without trailing
 * slashes: paths are joined with "/" after it, so "/" becomes "". */
static char *sym_dir_dup(const char *dir)
{
	char *abs = realpath(dir, NULL), *ret;
	size_t n;

	if (abs)
		dir = abs;
	n = strlen(dir);
	while (n > 0 && dir[n - 1] == '/')
		n--;
	ret = strndup(dir, n);
	free(abs);
	return ret;
}

int symbolizer_set_search(struct symbolizer *s, const struct sym_search *search)
{
	size_t i, len;
	char *p;

	assert(s && search);
	if (search->ndebug_dirs) {
		s->debug_dirs = calloc(search->ndebug_dirs, sizeof(*s->debug_dirs));
		if (!s->debug_dirs)
			return -1;
	}
	for (i = 0; i < search->ndebug_dirs; i++) {
		if (!(s->debug_dirs[i] = sym_dir_dup(search->debug_dirs[i])))
			return -1;
		s->ndebug_dirs = i + 1;
	}
	if (search->sysroot && !(s->sysroot = sym_dir_dup(search->sysroot)))
		return -1;
	s->no_debuginfod = search->no_debuginfod;

	/* elfutils' path for dwz files: its default, each debug folder,
	 * and the sysroot's /usr/lib/debug. */
	len = sizeof(":.debug:" SYM_DEBUG_DIR);
	for (i = 0; i < s->ndebug_dirs; i++)
		len += strlen(s->debug_dirs[i]) + 1;
	if (s->sysroot)
		len += strlen(s->sysroot) + sizeof(SYM_DEBUG_DIR) + 1;
	p = s->debuginfo_path = malloc(len);
	if (!p)
		return -1;
	p += sprintf(p, ":.debug:" SYM_DEBUG_DIR);
	for (i = 0; i < s->ndebug_dirs; i++)
		if (s->debug_dirs[i][0] == '/')	/* elfutils wants them absolute */
			p += sprintf(p, ":%s", s->debug_dirs[i]);
	if (s->sysroot && s->sysroot[0] == '/')
		sprintf(p, ":%s" SYM_DEBUG_DIR, s->sysroot);
	return 0;
}

int symbolizer_add_module(struct symbolizer *s, const char *path,
			  const uint8_t *build_id, size_t build_id_len,
			  uint64_t bias, uint64_t lo, uint64_t hi)
{
	char hex[2 * SYM_MAX_BUILD_ID + 1];
	struct sym_module m;

	assert(s);
	memset(&m, 0, sizeof(m));
	if (!path)
		path = "";
	if (!build_id || build_id_len > SYM_MAX_BUILD_ID)
		build_id_len = 0;
	m.path = sym_intern(s, path);
	m.name = sym_intern(s, sym_basename(path));
	if (!m.path || !m.name)
		return -1;
	if (build_id_len) {
		memcpy(m.build_id, build_id, build_id_len);
		sym_hex(hex, build_id, build_id_len);
		if (!(m.build_id_hex = sym_intern(s, hex)))
			return -1;
	}
	m.build_id_len = build_id_len;
	m.bias = bias;
	m.lo = m.reg_lo = lo;
	m.hi = m.reg_hi = hi;
	m.runtime = sym_is_runtime(m.name);
	if (sym_is_registered(s, &m))
		return 0;

	if (s->nmods == s->mods_cap) {
		size_t cap = s->mods_cap ? 2 * s->mods_cap : 64;
		struct sym_module *mods = realloc(s->mods, cap * sizeof(*mods));

		if (!mods)
			return -1;
		s->mods = mods;
		s->mods_cap = cap;
	}

	sym_find_main(s, &m, s->nmods);
	s->mods[s->nmods++] = m;
	sym_cache_clear(s);
	return 0;
}

int symbolizer_lookup(struct symbolizer *s, uint64_t ip, int is_return_address,
		      struct sym_frame *out, int max)
{
	int is_ret = is_return_address ? 1 : 0;
	uint64_t key = ip + 1, v; /* 0 (ip UINT64_MAX) is resolved every time */
	size_t first, count, skip;
	int cached = 0;

	assert(s && out && max >= 1);
	if (key && u64map_get(&s->cache[is_ret], key, &v)) {
		first = (size_t)(v >> 16);
		count = (size_t)(v & UINT16_MAX);
		cached = 1;
		goto out_copy;
	}
	first = s->nframes;
	if (sym_resolve(s, ip, is_ret) || s->nframes - first > UINT16_MAX)
		goto out_uncached;
	count = s->nframes - first;
	if (key && u64map_put(&s->cache[is_ret], key, (uint64_t)first << 16 | count) < 0)
		goto out_uncached;
	cached = key != 0;

out_copy:
	skip = count > (size_t)max ? count - (size_t)max : 0;
	memcpy(out, s->frames + first + skip, (count - skip) * sizeof(*out));
	if (!cached)
		s->nframes = first;
	return (int)(count - skip);

out_uncached:
	s->nframes = first;
	sym_fallback(s, ip, out);
	return 1;
}

size_t symbolizer_module_count(const struct symbolizer *s)
{
	return s->nmods;
}

void symbolizer_module_status(struct symbolizer *s, size_t i,
			      struct sym_module_status *out)
{
	struct sym_module *m;
	Dwarf_Addr bias;
	int dwarf;

	assert(s && i < s->nmods && out);
	m = &s->mods[i];
	memset(out, 0, sizeof(*out));
	out->path = m->path;
	out->build_id = m->build_id_hex;
	if (!m->used)
		return;
	if (!m->dwmod) {
		out->level = m->other_file ? SYM_MISMATCH : SYM_MISSING;
		out->other_file = m->other_file;
		out->other_build_id = m->other_id;
		return;
	}
	/* Loading DWARF makes libdwfl look for the debug file if it has not. */
	dwarf = dwfl_module_getdwarf(m->dwmod, &bias) != NULL;
	if (dwarf)
		out->level = SYM_FULL;
	else if (m->elf.has_symtab || (m->dbg_state == 2 && m->dbg.has_symtab))
		out->level = SYM_NAMES;
	else
		out->level = SYM_EXPORTS;
	/* The debug file, when one was found and the level owes it. */
	if (m->dbg_state == 2 && ((out->level == SYM_FULL && !m->elf.has_dwarf) ||
				  (out->level == SYM_NAMES && !m->elf.has_symtab))) {
		out->source = sym_source_names[m->dbg_src];
		out->file = m->dbg_file;
	} else {
		out->source = sym_source_names[m->elf_src];
		out->file = m->elf_file;
	}
}

const char *sym_level_name(enum sym_level level)
{
	static const char *const names[] = {
		NULL, "missing", "mismatch", "exports", "names", "full",
	};

	return (unsigned)level < sizeof(names) / sizeof(names[0]) ? names[level] : NULL;
}
