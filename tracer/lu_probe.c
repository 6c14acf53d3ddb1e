/*
 * lu_probe.c - see lu_probe.h. The GOT of one library is patched, found
 * through its own dynamic section: the relocations of its PLT name the
 * slots, and each slot is written once, at start-up, before libunwind
 * runs.
 */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <libunwind.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <stdarg.h>
#include <unistd.h>

#include "tracer/lu_probe.h"

static ssize_t (*libc_read)(int, void *, size_t);
static ssize_t (*libc_write)(int, const void *, size_t);
static int (*libc_close)(int);
static long (*libc_syscall)(long, ...);

/* A byte at addr can be read: the kernel copies it, or says EFAULT. */
static int probe_readable(const void *addr)
{
	char c;
	struct iovec local = { &c, 1 }, remote = { (void *)addr, 1 };
	return libc_syscall(SYS_process_vm_readv, (long)getpid(), &local, 1L, &remote, 1L, 0L) == 1;
}

static ssize_t probe_read(int fd, void *buf, size_t n)
{
	if (fd == ML_LU_FAKE_R) {
		errno = EAGAIN;
		return -1;
	}
	return libc_read(fd, buf, n);
}

static ssize_t probe_write(int fd, const void *buf, size_t n)
{
	if (fd != ML_LU_FAKE_W)
		return libc_write(fd, buf, n);
	if (n >= 1 && probe_readable(buf))
		return 1;
	errno = EFAULT;
	return -1;
}

/* libunwind 1.6 writes its probe byte with syscall(SYS_write, ...). The
 * six argument words are passed on whatever the call gave, as libc's
 * syscall() itself does. */
static long probe_syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_write && a[0] == ML_LU_FAKE_W) {
		if (a[2] >= 1 && probe_readable((const void *)a[1]))
			return 1;
		errno = EFAULT;
		return -1;
	}
	return libc_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static int probe_close(int fd)
{
	if (fd == ML_LU_FAKE_R || fd == ML_LU_FAKE_W)
		return 0;
	return libc_close(fd);
}

void ml_lu_probe_pipe(int fds[2])
{
	fds[0] = ML_LU_FAKE_R;
	fds[1] = ML_LU_FAKE_W;
}

struct patch {
	const char *path;   /* libunwind's file, from dladdr */
	int done;
};

/* d_ptr values are relocated in place by glibc's loader; be safe if not. */
static uintptr_t dyn_ptr(uintptr_t base, ElfW(Addr) v)
{
	return v < base ? base + v : v;
}

static void slot_write(uintptr_t slot, uintptr_t value, uintptr_t relro_lo, uintptr_t relro_hi)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t pg = slot & ~((uintptr_t)page - 1);
	int ro = slot >= relro_lo && slot < relro_hi;
	if (ro && mprotect((void *)pg, (size_t)page, PROT_READ | PROT_WRITE) != 0)
		return;
	*(volatile uintptr_t *)slot = value;
	if (ro)
		mprotect((void *)pg, (size_t)page, PROT_READ);
}

static int patch_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct patch *pt = arg;
	(void)size;
	if (!info->dlpi_name || strcmp(info->dlpi_name, pt->path) != 0)
		return 0;
	uintptr_t base = info->dlpi_addr, relro_lo = 0, relro_hi = 0;
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(base + ph->p_vaddr);
		else if (ph->p_type == PT_GNU_RELRO) {
			relro_lo = base + ph->p_vaddr;
			relro_hi = relro_lo + ph->p_memsz;
		}
	}
	if (!dyn)
		return 1;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Rela) *rel = NULL;
	size_t relsz = 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = (const ElfW(Sym) *)dyn_ptr(base, dyn->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const char *)dyn_ptr(base, dyn->d_un.d_ptr); break;
		case DT_JMPREL: rel = (const ElfW(Rela) *)dyn_ptr(base, dyn->d_un.d_ptr); break;
		case DT_PLTRELSZ: relsz = dyn->d_un.d_val; break;
		}
	}
	if (!symtab || !strtab || !rel)
		return 1;
	for (size_t i = 0; i < relsz / sizeof *rel; i++) {
		if (ELF64_R_TYPE(rel[i].r_info) != R_X86_64_JUMP_SLOT)
			continue;
		const char *name = strtab + symtab[ELF64_R_SYM(rel[i].r_info)].st_name;
		uintptr_t to = 0;
		if (!strcmp(name, "read"))
			to = (uintptr_t)probe_read;
		else if (!strcmp(name, "write"))
			to = (uintptr_t)probe_write;
		else if (!strcmp(name, "close"))
			to = (uintptr_t)probe_close;
		else if (!strcmp(name, "syscall"))
			to = (uintptr_t)probe_syscall;
		if (to) {
			slot_write(base + rel[i].r_offset, to, relro_lo, relro_hi);
			pt->done++;
		}
	}
	return 1;
}

int ml_lu_probe_install(void)
{
	Dl_info di;
	libc_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	libc_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	libc_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	libc_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (!libc_read || !libc_write || !libc_close || !libc_syscall)
		return -1;
	if (!dladdr((void *)unw_backtrace, &di) || !di.dli_fname)
		return -1;
	struct patch pt = { di.dli_fname, 0 };
	dl_iterate_phdr(patch_object, &pt);
	return pt.done >= 3 ? 0 : -1;
}
