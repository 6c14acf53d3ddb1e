/*
 * symbolize.h - instruction pointers of a traced process to source frames.
 *
 * The tracer records raw instruction pointers and, for every module the
 * process had loaded, its path, GNU build-id, load bias and address range.
 * At ingest time a symbolizer turns each ip back into frames: module,
 * offset, demangled function, source file, line, and the chain of frames
 * inlined at that ip. It reads the files offline with elfutils libdwfl; the
 * traced process is long gone.
 *
 * Invariants:
 *
 *  - Every string a lookup hands out (module, function, file) is interned
 *    and owned by the symbolizer. It stays valid, at the same address,
 *    until symbolizer_free(), so callers may compare pointers and keep
 *    them without copying.
 *  - A lookup never fails: an ip no module covers, a module whose file is
 *    missing, a file without symbols all give at least one frame with what
 *    is known (module "?" and offset = ip, or module and offset).
 *  - Results are cached per (ip, is_return_address): the DWARF work for an
 *    ip is done once however often it is looked up.
 *  - The module prints nothing and never exits. It is not thread-safe: use
 *    one symbolizer per thread, or lock around it.
 *
 * Where the debugging information comes from. Every file is checked
 * against the module's recorded build-id; one that differs is never used
 * (a module recorded without a build-id trusts its path):
 *
 *  - The ELF file itself: the recorded path, else the same path under
 *    the sysroot (a trace made on another machine or in a container),
 *    else a file that stands in for it, found by build-id: a separate
 *    debug file keeps the program headers, .symtab and DWARF. Stand-ins
 *    are looked for under /usr/lib/debug/.build-id, each debug directory
 *    and the sysroot's /usr/lib/debug; last, from debuginfod.
 *  - When that file has no DWARF (or no .symtab), a separate debug file,
 *    in this order: the .gnu_debuglink name (else NAME.debug) next to the
 *    file and in its .debug/ folder; /usr/lib/debug/.build-id/xx/yyyy.debug
 *    and /usr/lib/debug/DIR/LINK; each debug directory (its .build-id
 *    tree, LINK, DIR/LINK, and a copy of the unstripped file by name);
 *    the sysroot's versions of all of these; then debuginfod.
 *  - debuginfod is asked through elfutils' libdebuginfod, with its cache,
 *    only when DEBUGINFOD_URLS is set, and only for a module that a
 *    lookup needs: nothing is downloaded for modules no stack touches.
 *  - dwz's shared files (.gnu_debugaltlink) are found by elfutils'
 *    standard search over the same folders.
 *  - Otherwise the module degrades to module+offset frames, and its
 *    status (symbolizer_module_status) says why: no file, or only a file
 *    with another build-id.
 *  - The real function is named from the symbol table (.symtab, else
 *    .dynsym for stripped libraries) when a sized symbol covers the ip, as
 *    perf does: the public alias (malloc, not __libc_malloc), compiler
 *    clones included ("f() [clone .cold]"). Otherwise, and for inlined
 *    frames, from DWARF, which also gives files and lines: DWARF 2 to 5,
 *    clang output without .debug_aranges, and -gsplit-dwarf (.dwo files
 *    found through DW_AT_comp_dir).
 *
 * Typical use:
 *
 *	struct symbolizer *s = symbolizer_new();
 *	symbolizer_set_search(s, &search);	(optional: extra folders)
 *	for each module of the trace:
 *		symbolizer_add_module(s, path, id, id_len, bias, lo, hi);
 *	for each ip of a stack, innermost first (depth 0 is not a return
 *	address, every deeper one is):
 *		n = symbolizer_lookup(s, ip, depth > 0, frames, 16);
 *	for each i < symbolizer_module_count(s):
 *		symbolizer_module_status(s, i, &status);
 *	symbolizer_free(s);
 */
#ifndef MEMLEDGER_SYMBOLIZE_H
#define MEMLEDGER_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

struct symbolizer;

/**
 * One source-level frame at an ip. A single ip gives several of these
 * when code was inlined: all share module and offset.
 */
struct sym_frame {
	const char *module;	/* basename of the module's path, or "?" */
	uint64_t offset;	/* ip - load bias of the module (ip if no module) */
	const char *function;	/* demangled name, or NULL if unknown */
	const char *file;	/* source file, or NULL if unknown */
	int line;		/* source line, 0 if unknown */
	int inlined;		/* 1 if this frame was inlined into the next one */
	int runtime;		/* 1 if the module is part of the C/C++ runtime:
				   libc, ld-linux, libstdc++, libgcc_s, libm,
				   libpthread, libdl */
	const char *build_id;	/* the module's recorded build-id in hex, or
				   NULL: with module, it names the file, so
				   two builds of one program never share a
				   frame */
};

/**
 * Where to look besides the recorded paths and /usr/lib/debug. Strings
 * are copied by symbolizer_set_search().
 */
struct sym_search {
	const char *const *debug_dirs;	/* --debug-dir folders, in order */
	size_t ndebug_dirs;
	const char *sysroot;		/* --sysroot, or NULL */
	int no_debuginfod;		/* never ask debuginfod, whatever
					   DEBUGINFOD_URLS says */
};

/** How much a module's files tell, worst first. */
enum sym_level {
	SYM_UNUSED = 0,	/* no lookup fell in the module: nothing was looked for */
	SYM_MISSING,	/* no file found: module+offset frames */
	SYM_MISMATCH,	/* only a file with another build-id: refused */
	SYM_EXPORTS,	/* .dynsym only: exported function names, no lines */
	SYM_NAMES,	/* a full symbol table: every function, no lines */
	SYM_FULL,	/* DWARF: functions, inlining, files and lines */
};

/** A module's symbols, as symbolizer_module_status() reports them. */
struct sym_module_status {
	const char *path;	/* as registered */
	const char *build_id;	/* recorded build-id in hex, or NULL */
	enum sym_level level;
	const char *source;	/* where the symbols came from: "binary",
				   "debuglink", "/usr/lib/debug",
				   "debug-dir", "sysroot", "debuginfod";
				   NULL below SYM_EXPORTS */
	const char *file;	/* the file they came from, or NULL */
	const char *other_file;	/* SYM_MISMATCH: the file that was refused */
	const char *other_build_id; /* and its build-id in hex */
};

/**
 * Create an empty symbolizer. Returns NULL only if out of memory.
 */
struct symbolizer *symbolizer_new(void);

/**
 * Release the symbolizer, its open files and every string it handed out.
 * NULL is allowed.
 */
void symbolizer_free(struct symbolizer *s);

/**
 * Set where files are looked for. Call it once, before registering
 * modules: a module already registered keeps the files it found. Returns
 * 0, or -1 only if out of memory.
 */
int symbolizer_set_search(struct symbolizer *s, const struct sym_search *search);

/**
 * Register a module as it was loaded in the traced process.
 *
 * `path` is the file the process loaded, `build_id` its GNU build-id as the
 * tracer read it from memory (NULL or length 0 if unknown), `bias` the load
 * bias (dlpi_addr from dl_iterate_phdr: 0 for a non-PIE executable) and
 * [lo, hi) the addresses the module covered. If hi <= lo the range is taken
 * from the file's program headers, when the file is found.
 *
 * A missing file, a file with another build-id, a directory, a non-ELF
 * file: none of these is an error. The module is registered anyway and
 * lookups in its range give module+offset frames (see the header comment
 * for where else the right file is looked for).
 *
 * When ranges overlap (a library unloaded and another loaded at its
 * address), lookups use the module registered last. Registering a module
 * drops the cached lookups. Registering the same module twice is a no-op.
 *
 * Returns 0, or -1 only if out of memory.
 */
int symbolizer_add_module(struct symbolizer *s, const char *path,
			  const uint8_t *build_id, size_t build_id_len,
			  uint64_t bias, uint64_t lo, uint64_t hi);

/**
 * Symbolize one ip into out[0..max-1], innermost (most inlined) frame
 * first and the real, out-of-line function last (inlined == 0).
 *
 * `is_return_address` is 1 for every frame of a stack except the innermost
 * captured one: the lookup then uses ip - 1, so that a call that ends a
 * function, or a call to a noreturn function, resolves to the caller's
 * line rather than to whatever follows it. `offset` is still ip - bias.
 *
 * If the inline chain has more than `max` frames, the innermost ones are
 * dropped, so that the last frame is always the real function. `max` must
 * be at least 1.
 *
 * Returns the number of frames written, at least 1.
 */
int symbolizer_lookup(struct symbolizer *s, uint64_t ip, int is_return_address,
		      struct sym_frame *out, int max);

/** The number of modules registered (a repeated registration is not counted). */
size_t symbolizer_module_count(const struct symbolizer *s);

/**
 * What module i (in registration order) gave: how much, from where, and
 * for a refused file, which one. A module that lookups fell in but whose
 * separate debug file was not needed yet is looked up now. Strings are
 * owned by the symbolizer.
 */
void symbolizer_module_status(struct symbolizer *s, size_t i, struct sym_module_status *out);

/** "full", "names", "exports", "mismatch", "missing"; NULL for SYM_UNUSED. */
const char *sym_level_name(enum sym_level level);

#endif
