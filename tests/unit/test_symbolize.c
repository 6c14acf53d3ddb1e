/*
 * test_symbolize.c - the symbolizer on this very process.
 *
 * Registers every module dl_iterate_phdr() reports (path, build-id from
 * the PT_NOTE segment, dlpi_addr, PT_LOAD range), as the tracer records
 * them, then looks up return addresses captured in functions below whose
 * lines are known, libc functions, and garbage. The demangling check
 * loads build/programs/sym_cxx (make build/programs/sym_cxx) and is
 * skipped, with a note, when that file is missing.
 */
#include "ingest/symbolize.h"
#include "tests/unit/check.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FRAMES 16

/* Out of line and unchanged: a clone (foo.isra.0) would rename it. */
#ifdef __clang__
#define TEST_NOINLINE __attribute__((noinline))
#else
#define TEST_NOINLINE __attribute__((noinline, noclone))
#endif

static volatile int sink;

/* ------------------------------------------------------------ code to find */

uintptr_t test_return_address(void);
uintptr_t test_plain(int *line);
uintptr_t test_inliner(int *inner_line, int *outer_line);
uintptr_t test_inliner2(int lines[3]);

/* The address its caller resumes at, as a stack capture records it. */
TEST_NOINLINE uintptr_t test_return_address(void)
{
	sink++;
	return (uintptr_t)__builtin_return_address(0);
}

TEST_NOINLINE uintptr_t test_plain(int *line)
{
	uintptr_t ip = test_return_address(); *line = __LINE__;

	sink++;		/* no tail call: the return address stays here */
	return ip;
}

static inline __attribute__((always_inline))
uintptr_t test_inlinee(int *line)
{
	uintptr_t ip = test_return_address(); *line = __LINE__;

	sink++;
	return ip;
}

TEST_NOINLINE uintptr_t test_inliner(int *inner_line, int *outer_line)
{
	uintptr_t ip = test_inlinee(inner_line); *outer_line = __LINE__;

	sink++;
	return ip;
}

static inline __attribute__((always_inline))
uintptr_t test_inlinee2(int lines[3])
{
	uintptr_t ip = test_inlinee(&lines[0]); lines[1] = __LINE__;

	sink++;
	return ip;
}

/* Two levels: test_inlinee inlined into test_inlinee2 inlined here. */
TEST_NOINLINE uintptr_t test_inliner2(int lines[3])
{
	uintptr_t ip = test_inlinee2(lines); lines[2] = __LINE__;

	sink++;
	return ip;
}

/* ------------------------------------------------------------ modules */

struct module {
	char path[PATH_MAX];
	uint8_t build_id[64];
	size_t build_id_len;
	uint64_t bias, lo, hi;
};

static struct module modules[128];
static int nmodules;

static size_t align_up(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

static void read_build_id(struct dl_phdr_info *info, const ElfW(Phdr) *ph,
			  struct module *m)
{
	const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
	const char *end = p + ph->p_memsz;
	size_t align = ph->p_align == 8 ? 8 : 4;

	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *n = (const void *)p;
		const char *name = p + sizeof(*n);
		const char *desc = name + align_up(n->n_namesz, align);

		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
		    !memcmp(name, "GNU", 4) && n->n_descsz <= sizeof(m->build_id)) {
			memcpy(m->build_id, desc, n->n_descsz);
			m->build_id_len = n->n_descsz;
			return;
		}
		p = desc + align_up(n->n_descsz, align);
	}
}

static int collect_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct module *m;
	int i;

	(void)size;
	(void)arg;
	if (nmodules == (int)(sizeof(modules) / sizeof(modules[0])))
		return 1;
	m = &modules[nmodules++];
	memset(m, 0, sizeof(*m));
	if (info->dlpi_name && *info->dlpi_name) {
		snprintf(m->path, sizeof(m->path), "%s", info->dlpi_name);
	} else {
		ssize_t n = readlink("/proc/self/exe", m->path, sizeof(m->path) - 1);

		m->path[n > 0 ? n : 0] = 0;
	}
	m->bias = info->dlpi_addr;
	m->lo = UINT64_MAX;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_NOTE && !m->build_id_len)
			read_build_id(info, ph, m);
		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < m->lo)
			m->lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > m->hi)
			m->hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	return 0;
}

static const struct module *find_module(const char *prefix)
{
	int i;

	for (i = 0; i < nmodules; i++) {
		const char *base = strrchr(modules[i].path, '/');

		base = base ? base + 1 : modules[i].path;
		if (!strncmp(base, prefix, strlen(prefix)))
			return &modules[i];
	}
	return NULL;
}

static int ends_with(const char *str, const char *suffix)
{
	size_t n = str ? strlen(str) : 0, k = strlen(suffix);

	return n >= k && !strcmp(str + n - k, suffix);
}

/* ------------------------------------------------------------ tests */

static void test_own_functions(struct symbolizer *s, const char *exe)
{
	struct sym_frame f[MAX_FRAMES], again[MAX_FRAMES];
	int n, line, inner, outer;
	uintptr_t ip;

	/* A plain C function, at a call it makes. */
	ip = test_plain(&line);
	n = symbolizer_lookup(s, ip, 1, f, MAX_FRAMES);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(f[0].module, exe);
	CHECK_EQ_STR(f[0].function, "test_plain");
	CHECK(ends_with(f[0].file, "tests/unit/test_symbolize.c"));
	CHECK_EQ_INT(f[0].line, line);
	CHECK_EQ_INT(f[0].inlined, 0);
	CHECK_EQ_INT(f[0].runtime, 0);

	/* The same ip again comes from the cache, pointers and all. */
	CHECK_EQ_INT(symbolizer_lookup(s, ip, 1, again, MAX_FRAMES), 1);
	CHECK(f[0].module == again[0].module && f[0].offset == again[0].offset &&
	      f[0].function == again[0].function && f[0].file == again[0].file &&
	      f[0].line == again[0].line);

	/* Its entry point, as an innermost (not return) address. */
	n = symbolizer_lookup(s, (uintptr_t)&test_plain, 0, f, MAX_FRAMES);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(f[0].function, "test_plain");

	/* An always_inline function: the inlined frame, then its caller. */
	ip = test_inliner(&inner, &outer);
	n = symbolizer_lookup(s, ip, 1, f, MAX_FRAMES);
	CHECK_EQ_INT(n, 2);
	if (n == 2) {
		CHECK_EQ_STR(f[0].function, "test_inlinee");
		CHECK_EQ_INT(f[0].line, inner);
		CHECK_EQ_INT(f[0].inlined, 1);
		CHECK(ends_with(f[0].file, "test_symbolize.c"));
		CHECK_EQ_STR(f[1].function, "test_inliner");
		CHECK_EQ_INT(f[1].line, outer);
		CHECK_EQ_INT(f[1].inlined, 0);
		CHECK(ends_with(f[1].file, "test_symbolize.c"));
		CHECK(f[0].module == f[1].module && f[0].offset == f[1].offset);
	}

	/* Every level of a deeper chain, each with the line of its call. */
	{
		int lines[3];
		uintptr_t ip2 = test_inliner2(lines);

		n = symbolizer_lookup(s, ip2, 1, f, MAX_FRAMES);
		CHECK_EQ_INT(n, 3);
		if (n == 3) {
			CHECK_EQ_STR(f[0].function, "test_inlinee");
			CHECK_EQ_INT(f[0].line, lines[0]);
			CHECK_EQ_INT(f[0].inlined, 1);
			CHECK_EQ_STR(f[1].function, "test_inlinee2");
			CHECK_EQ_INT(f[1].line, lines[1]);
			CHECK_EQ_INT(f[1].inlined, 1);
			CHECK_EQ_STR(f[2].function, "test_inliner2");
			CHECK_EQ_INT(f[2].line, lines[2]);
			CHECK_EQ_INT(f[2].inlined, 0);
		}
	}

	/* Too little room: the real function is kept, the inlined one goes. */
	n = symbolizer_lookup(s, ip, 1, f, 1);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(f[0].function, "test_inliner");
	CHECK_EQ_INT(f[0].inlined, 0);
}

static void test_libc(struct symbolizer *s, const struct module *libc)
{
	struct sym_frame f[MAX_FRAMES];
	void *handle = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	uintptr_t malloc_ip, qsort_ip;
	int n;

	CHECK(handle != NULL);
	if (!handle)
		return;
	/* From libc itself: the sanitizers interpose malloc and qsort. */
	malloc_ip = (uintptr_t)dlsym(handle, "malloc");
	qsort_ip = (uintptr_t)dlsym(handle, "qsort");
	dlclose(handle);

	n = symbolizer_lookup(s, malloc_ip, 0, f, MAX_FRAMES);
	CHECK(n >= 1);
	CHECK_EQ_STR(f[n - 1].function, "malloc");
	CHECK_EQ_STR(f[n - 1].module, "libc.so.6");
	CHECK_EQ_INT(f[n - 1].offset, malloc_ip - libc->bias);
	CHECK_EQ_INT(f[n - 1].runtime, 1);

	/* A return address just past the entry still belongs to qsort. */
	n = symbolizer_lookup(s, qsort_ip + 1, 1, f, MAX_FRAMES);
	CHECK(n >= 1);
	CHECK_EQ_STR(f[n - 1].function, "qsort");
	CHECK_EQ_INT(f[n - 1].runtime, 1);
}

static void test_garbage(struct symbolizer *s)
{
	static const uint64_t ips[] = { 0, 1, 0x10, UINT64_MAX, UINT64_MAX - 1 };
	struct sym_frame f[MAX_FRAMES];
	size_t i;

	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		CHECK_EQ_INT(symbolizer_lookup(s, ips[i], 0, f, MAX_FRAMES), 1);
		CHECK_EQ_STR(f[0].module, "?");
		CHECK_EQ_INT(f[0].offset, ips[i]);
		CHECK(f[0].function == NULL && f[0].file == NULL);
		CHECK_EQ_INT(symbolizer_lookup(s, ips[i], 1, f, MAX_FRAMES), 1);
		CHECK_EQ_STR(f[0].module, "?");
	}
}

/* Modules whose file is missing, wrong or odd: module+offset only. */
static void test_degraded(const struct module *exe)
{
	static const uint8_t wrong_id[20] = { 0xde, 0xad, 0xbe, 0xef };
	struct symbolizer *s = symbolizer_new();
	struct sym_frame f[MAX_FRAMES];
	int line;
	uintptr_t ip = test_plain(&line);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_INT(symbolizer_add_module(s, "/nonexistent/dir/libgone.so.1",
					   NULL, 0, 0x10000, 0x10000, 0x20000), 0);
	CHECK_EQ_INT(symbolizer_add_module(s, "/tmp", NULL, 0,
					   0x30000, 0x30000, 0x40000), 0);
	CHECK_EQ_INT(symbolizer_add_module(s, "/etc/passwd", wrong_id,
					   sizeof(wrong_id), 0x50000, 0x50000,
					   0x60000), 0);
	CHECK_EQ_INT(symbolizer_add_module(s, "", NULL, 0, 0x70000, 0x70000,
					   0x80000), 0);
	/* The right file, but the trace saw another build of it. */
	CHECK_EQ_INT(symbolizer_add_module(s, exe->path, wrong_id,
					   sizeof(wrong_id), exe->bias, exe->lo,
					   exe->hi), 0);

	CHECK_EQ_INT(symbolizer_lookup(s, 0x10123, 1, f, MAX_FRAMES), 1);
	CHECK_EQ_STR(f[0].module, "libgone.so.1");
	CHECK_EQ_INT(f[0].offset, 0x123);
	CHECK(f[0].function == NULL && f[0].file == NULL && f[0].line == 0);

	CHECK_EQ_INT(symbolizer_lookup(s, 0x30010, 0, f, MAX_FRAMES), 1);
	CHECK_EQ_STR(f[0].module, "tmp");
	CHECK_EQ_INT(f[0].offset, 0x10);
	CHECK_EQ_INT(symbolizer_lookup(s, 0x50010, 0, f, MAX_FRAMES), 1);
	CHECK_EQ_STR(f[0].module, "passwd");
	CHECK(f[0].function == NULL);
	CHECK_EQ_INT(symbolizer_lookup(s, 0x70010, 0, f, MAX_FRAMES), 1);
	CHECK_EQ_STR(f[0].module, "?");
	CHECK_EQ_INT(f[0].offset, 0x10);

	CHECK_EQ_INT(symbolizer_lookup(s, ip, 1, f, MAX_FRAMES), 1);
	CHECK_EQ_INT(f[0].offset, ip - exe->bias);
	CHECK(f[0].function == NULL && f[0].file == NULL);
	CHECK_EQ_STR(f[0].build_id, "deadbeef00000000000000000000000000000000");

	/* What each module gave, and why not more. */
	{
		struct sym_module_status st;
		char hex[2 * sizeof(exe->build_id) + 1];
		size_t i;

		CHECK_EQ_INT(symbolizer_module_count(s), 5);
		symbolizer_module_status(s, 0, &st);
		CHECK_EQ_INT(st.level, SYM_MISSING);
		CHECK_EQ_STR(sym_level_name(st.level), "missing");
		CHECK(st.source == NULL && st.file == NULL && st.other_file == NULL);
		symbolizer_module_status(s, 2, &st);	/* not ELF: nothing refused */
		CHECK_EQ_INT(st.level, SYM_MISSING);
		symbolizer_module_status(s, 3, &st);	/* no path at all */
		CHECK_EQ_INT(st.level, SYM_MISSING);
		symbolizer_module_status(s, 4, &st);
		CHECK_EQ_INT(st.level, SYM_MISMATCH);
		CHECK_EQ_STR(st.other_file, exe->path);
		for (i = 0; i < exe->build_id_len; i++)
			snprintf(hex + 2 * i, 3, "%02x", exe->build_id[i]);
		CHECK_EQ_STR(st.other_build_id, hex);
		CHECK_EQ_STR(st.build_id, "deadbeef00000000000000000000000000000000");
	}
	symbolizer_free(s);
}

/* The executable found only in a --debug-dir, as an unstripped copy named
 * like it, and the status saying so. */
static void test_debug_dir(const struct module *exe, const char *exe_name)
{
	char dir[] = "/tmp/memledger-unit.XXXXXX", copy[PATH_MAX], gone[PATH_MAX];
	const char *dirs[1] = { dir };
	struct sym_search search = { dirs, 1, NULL, 1 };
	struct sym_module_status st;
	struct sym_frame f[MAX_FRAMES];
	struct symbolizer *s;
	FILE *in, *out;
	char buf[65536];
	size_t n;
	int line;
	uintptr_t ip = test_plain(&line);

	CHECK(mkdtemp(dir) != NULL);
	snprintf(copy, sizeof(copy), "%s/%s", dir, exe_name);
	snprintf(gone, sizeof(gone), "/gone/%s", exe_name);
	in = fopen(exe->path, "rb");
	out = fopen(copy, "wb");
	CHECK(in && out);
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		CHECK_EQ_INT(fwrite(buf, 1, n, out), n);
	if (in)
		fclose(in);
	if (out)
		fclose(out);

	s = symbolizer_new();
	CHECK(s != NULL);
	if (!s)
		goto out_rm;
	CHECK_EQ_INT(symbolizer_set_search(s, &search), 0);
	CHECK_EQ_INT(symbolizer_add_module(s, gone, exe->build_id, exe->build_id_len,
					   exe->bias, exe->lo, exe->hi), 0);
	symbolizer_module_status(s, 0, &st);
	CHECK_EQ_INT(st.level, SYM_UNUSED);
	CHECK(sym_level_name(st.level) == NULL);
	CHECK(symbolizer_lookup(s, ip, 1, f, MAX_FRAMES) >= 1);
	CHECK_EQ_STR(f[0].function, "test_plain");
	CHECK_EQ_INT(f[0].line, line);
	symbolizer_module_status(s, 0, &st);
	CHECK_EQ_INT(st.level, SYM_FULL);
	CHECK_EQ_STR(st.source, "debug-dir");
	CHECK_EQ_STR(st.file, copy);
	symbolizer_free(s);
out_rm:
	unlink(copy);
	rmdir(dir);
}

/* libc registered under a path that no longer exists: found again by its
 * build-id under /usr/lib/debug/.build-id, if its debug file is installed. */
static void test_by_build_id(const struct module *libc)
{
	char path[PATH_MAX];
	struct sym_frame f[MAX_FRAMES];
	struct symbolizer *s;
	void *handle;
	uintptr_t ip;
	size_t i;
	int n, len;

	len = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/",
		       libc->build_id[0]);
	for (i = 1; i < libc->build_id_len; i++)
		len += snprintf(path + len, sizeof(path) - len, "%02x",
				libc->build_id[i]);
	snprintf(path + len, sizeof(path) - len, ".debug");
	if (libc->build_id_len < 2 || access(path, R_OK)) {
		fprintf(stderr, "%s: no %s, lookup by build-id not tested\n",
			__FILE__, path);
		return;
	}
	handle = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	ip = handle ? (uintptr_t)dlsym(handle, "qsort") : 0;
	if (handle)
		dlclose(handle);

	s = symbolizer_new();
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_INT(symbolizer_add_module(s, "/gone/libc.so.6", libc->build_id,
					   libc->build_id_len, libc->bias,
					   libc->lo, libc->hi), 0);
	n = symbolizer_lookup(s, ip, 0, f, MAX_FRAMES);
	CHECK(n >= 1);
	CHECK_EQ_STR(f[n - 1].module, "libc.so.6");
	CHECK_EQ_STR(f[n - 1].function, "qsort");
	CHECK(f[n - 1].file != NULL && f[n - 1].line > 0);
	symbolizer_free(s);
}

/* Find the value of the first .symtab symbol whose name starts with prefix. */
static int elf_symbol(const char *path, const char *prefix, uint64_t *value)
{
	Elf_Scn *scn = NULL;
	int ret = -1, fd;
	Elf *elf;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && ret && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Shdr shdr;
		size_t i;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB ||
		    !data || !shdr.sh_entsize)
			continue;
		for (i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym))
				break;
			name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (name && !strncmp(name, prefix, strlen(prefix))) {
				*value = sym.st_value;
				ret = 0;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return ret;
}

/* A C++ template instance, demangled; at bias 0 and at a PIE's bias. */
static void test_cxx(void)
{
	static const char path[] = "build/programs/sym_cxx";
	static const uint64_t biases[] = { 0, 0x555555554000 };
	const char *first_name = NULL;
	struct sym_frame f[MAX_FRAMES];
	struct symbolizer *s;
	uint64_t value = 0;
	size_t i;
	int n;

	if (access(path, R_OK)) {
		fprintf(stderr, "%s: no %s (make %s), demangling not tested\n",
			__FILE__, path, path);
		return;
	}
	/* int *make_thing<int>(std::map<int, std::string> &) */
	n = elf_symbol(path, "_Z10make_thingIiE", &value);
	CHECK_EQ_INT(n, 0);
	if (n)
		return;
	s = symbolizer_new();
	CHECK(s != NULL);
	if (!s)
		return;
	for (i = 0; i < sizeof(biases) / sizeof(biases[0]); i++) {
		/* hi <= lo: the range comes from the program headers. */
		CHECK_EQ_INT(symbolizer_add_module(s, path, NULL, 0, biases[i],
						   0, 0), 0);
		n = symbolizer_lookup(s, biases[i] + value, 0, f, MAX_FRAMES);
		CHECK_EQ_INT(n, 1);
		CHECK_EQ_STR(f[0].module, "sym_cxx");
		CHECK_EQ_INT(f[0].offset, value);
		CHECK(f[0].function && strstr(f[0].function, "make_thing<int>("));
		CHECK(f[0].function && strstr(f[0].function, "std::map<int,"));
		CHECK(ends_with(f[0].file, "tests/programs/sym_cxx.cc"));
		CHECK(f[0].line > 0);
		if (!first_name)
			first_name = f[0].function;
		/* Interned: one name, one pointer. */
		CHECK(f[0].function == first_name);
	}
	/* Registering the same module again changes nothing. */
	CHECK_EQ_INT(symbolizer_add_module(s, path, NULL, 0, 0, 0, 0), 0);
	symbolizer_free(s);
}

int main(void)
{
	const struct module *exe, *libc;
	struct symbolizer *s;
	const char *exe_name;
	int i;

	dl_iterate_phdr(collect_module, NULL);
	exe = &modules[0];
	exe_name = strrchr(exe->path, '/') ? strrchr(exe->path, '/') + 1 : exe->path;
	libc = find_module("libc.so");
	CHECK(nmodules > 1 && libc != NULL);
	if (!libc)
		return CHECK_DONE();

	s = symbolizer_new();
	CHECK(s != NULL);
	if (!s)
		return CHECK_DONE();
	for (i = 0; i < nmodules; i++)
		CHECK_EQ_INT(symbolizer_add_module(s, modules[i].path,
						   modules[i].build_id,
						   modules[i].build_id_len,
						   modules[i].bias, modules[i].lo,
						   modules[i].hi), 0);
	test_own_functions(s, exe_name);
	test_libc(s, libc);
	test_garbage(s);
	{
		struct sym_module_status st;

		symbolizer_module_status(s, 0, &st);
		CHECK_EQ_INT(st.level, SYM_FULL);
		CHECK_EQ_STR(st.source, "binary");
		CHECK_EQ_STR(st.file, exe->path);
	}
	symbolizer_free(s);
	test_debug_dir(exe, exe_name);

	test_degraded(exe);
	test_by_build_id(libc);
	test_cxx();
	return CHECK_DONE();
}
