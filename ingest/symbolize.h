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
 * Where the debugging information comes from:
 *
 *  - The module's file at the recorded path, if its build-id matches the
 *    recorded one (or none was recorded).
 *  - Otherwise, by build-id, /usr/lib/debug/.build-id/xx/yyyy and then
 *    /usr/lib/debug/.build-id/xx/yyyy.debug (a separate debug file stands
 *    in for the binary: it keeps the program headers, .symtab and DWARF).
 *  - Otherwise the module degrades to module+offset frames.
 *  - For a file that was found, separate DWARF is looked up with elfutils'
 *    standard callback: build-id under /usr/lib/debug, then .gnu_debuglink
 *    next to the file, in .debug/ and under /usr/lib/debug. As everywhere
 *    in elfutils, that callback also asks debuginfod servers when the user
 *    has set DEBUGINFOD_URLS; nothing else goes to the network.
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
 *	for each module of the trace:
 *		symbolizer_add_module(s, path, id, id_len, bias, lo, hi);
 *	for each ip of a stack, innermost first (depth 0 is not a return
 *	address, every deeper one is):
 *		n = symbolizer_lookup(s, ip, depth > 0, frames, 16);
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

#endif
