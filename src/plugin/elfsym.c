/* elfsym.c - does an ELF shared object export a given symbol? Answered from
 * the file alone, without dlopen (which would run the library's
 * constructors), by the route the dynamic linker itself takes: PT_DYNAMIC,
 * then DT_SYMTAB / DT_STRTAB / DT_STRSZ and a hash table (DT_GNU_HASH, else
 * DT_HASH). The file is untrusted input: every offset, count and index read
 * from it is checked against the file's size before use, and every walk
 * has a bound. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/error.h"
#include "plugin/internal.h"

#if UINTPTR_MAX > 0xffffffffu
#define ELF_CLASS ELFCLASS64
typedef Elf64_Ehdr Ehdr;
typedef Elf64_Phdr Phdr;
typedef Elf64_Dyn Dyn;
typedef Elf64_Sym Sym;
typedef Elf64_Addr Addr;
#define SYM_BIND(i) ELF64_ST_BIND(i)
#define SYM_TYPE(i) ELF64_ST_TYPE(i)
#else
#define ELF_CLASS   ELFCLASS32
typedef Elf32_Ehdr Ehdr;
typedef Elf32_Phdr Phdr;
typedef Elf32_Dyn Dyn;
typedef Elf32_Sym Sym;
typedef Elf32_Addr Addr;
#define SYM_BIND(i) ELF32_ST_BIND(i)
#define SYM_TYPE(i) ELF32_ST_TYPE(i)
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ELF_DATA ELFDATA2LSB
#else
#define ELF_DATA ELFDATA2MSB
#endif

#define MAX_LOADS 64      /* PT_LOAD entries looked at */
#define MAX_DYN   4096    /* dynamic entries read */
#define MAX_CHAIN 1000000 /* hash chain steps before giving up */

/* The image: a buffer (tests) or a file read with pread. */
struct img {
	const uint8_t *buf;
	int fd;
	uint64_t size;
};

/* Copies n bytes at off into dst; -1 when they are not all in the image. */
static int get(const struct img *m, uint64_t off, void *dst, size_t n)
{
	if (off > m->size || n > m->size - off)
		return -1;
	if (m->buf) {
		memcpy(dst, m->buf + off, n);
		return 0;
	}
	for (size_t done = 0; done < n;) {
		ssize_t r = pread(m->fd, (uint8_t *)dst + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1; /* an error, or the file shrank under us */
		done += (size_t)r;
	}
	return 0;
}

struct dyninfo {
	Phdr loads[MAX_LOADS];
	unsigned nloads;
	uint64_t symtab, strtab, strsz, gnu_hash, hash; /* file offsets; 0: absent */
};

/* The file offset of virtual address va, or 0 (never a valid table offset:
 * the ELF header is there) when no PT_LOAD holds it in the file. */
static uint64_t va_to_off(const struct dyninfo *d, uint64_t va)
{
	for (unsigned i = 0; i < d->nloads; i++) {
		const Phdr *p = &d->loads[i];

		if (va >= p->p_vaddr && va - p->p_vaddr < p->p_filesz)
			return p->p_offset + (va - p->p_vaddr);
	}
	return 0;
}

static int fail(const char **why, const char *text)
{
	*why = text;
	return -SLUICE_EPLUGIN_NOTSO;
}

static int read_dynamic(const struct img *m, struct dyninfo *d, const char **why)
{
	Ehdr eh;
	Phdr dyn = {0};
	int have_dyn = 0;
	uint64_t va_sym = 0, va_str = 0, va_gnu = 0, va_hash = 0;

	if (get(m, 0, &eh, sizeof(eh)))
		return fail(why, "truncated ELF header");
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return fail(why, "no ELF header");
	if (eh.e_ident[EI_CLASS] != ELF_CLASS || eh.e_ident[EI_DATA] != ELF_DATA)
		return fail(why, "ELF class or byte order of another machine");
	if (eh.e_type != ET_DYN)
		return fail(why, "not a shared object (ELF type)");
	if (eh.e_phnum == 0 || eh.e_phentsize != sizeof(Phdr) || eh.e_phoff >= m->size)
		return fail(why, "no program headers");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Phdr p;

		if (get(m, (uint64_t)eh.e_phoff + (uint64_t)i * sizeof(Phdr), &p, sizeof(p)))
			return fail(why, "program headers beyond the end of the file");
		if (p.p_type == PT_LOAD && d->nloads < MAX_LOADS)
			d->loads[d->nloads++] = p;
		else if (p.p_type == PT_DYNAMIC && !have_dyn) {
			dyn = p;
			have_dyn = 1;
		}
	}
	if (!have_dyn)
		return 0; /* nothing for the dynamic linker to find either */
	for (uint64_t i = 0; i < MAX_DYN && (i + 1) * sizeof(Dyn) <= dyn.p_filesz; i++) {
		Dyn e;

		if (get(m, (uint64_t)dyn.p_offset + i * sizeof(Dyn), &e, sizeof(e)))
			return fail(why, "dynamic section beyond the end of the file");
		if (e.d_tag == DT_NULL)
			break;
		switch (e.d_tag) {
		case DT_SYMTAB:
			va_sym = e.d_un.d_ptr;
			break;
		case DT_STRTAB:
			va_str = e.d_un.d_ptr;
			break;
		case DT_STRSZ:
			d->strsz = e.d_un.d_val;
			break;
		case DT_GNU_HASH:
			va_gnu = e.d_un.d_ptr;
			break;
		case DT_HASH:
			va_hash = e.d_un.d_ptr;
			break;
		case DT_SYMENT:
			if (e.d_un.d_val != sizeof(Sym))
				return fail(why, "unexpected symbol entry size");
			break;
		default:
			break;
		}
	}
	d->symtab = va_sym ? va_to_off(d, va_sym) : 0;
	d->strtab = va_str ? va_to_off(d, va_str) : 0;
	d->gnu_hash = va_gnu ? va_to_off(d, va_gnu) : 0;
	d->hash = va_hash ? va_to_off(d, va_hash) : 0;
	if ((va_sym && !d->symtab) || (va_str && !d->strtab))
		return fail(why, "dynamic symbol table outside the file's loaded parts");
	return 0;
}

/* 1 if symbol idx is a defined, exported function called name; 0 if not;
 * negative when the entry lies outside the file. */
static int sym_is(const struct img *m, const struct dyninfo *d, uint64_t idx, const char *name,
                  size_t nlen, const char **why)
{
	Sym s;
	char buf[256];

	if (idx > UINT64_MAX / sizeof(Sym) || get(m, d->symtab + idx * sizeof(Sym), &s, sizeof(s)))
		return fail(why, "symbol index beyond the end of the file");
	if (s.st_shndx == SHN_UNDEF || s.st_name >= d->strsz || nlen + 1 > d->strsz - s.st_name)
		return 0;
	if (nlen + 1 > sizeof(buf) || get(m, d->strtab + s.st_name, buf, nlen + 1))
		return 0;
	if (memcmp(buf, name, nlen + 1) != 0)
		return 0;
	if (SYM_BIND(s.st_info) != STB_GLOBAL && SYM_BIND(s.st_info) != STB_WEAK)
		return 0;
	return SYM_TYPE(s.st_info) == STT_FUNC;
}

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (uint8_t)*s;
	return h;
}

static uint32_t sysv_hash(const char *s)
{
	uint32_t h = 0, g;

	for (; *s; s++) {
		h = (h << 4) + (uint8_t)*s;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

static int lookup_gnu(const struct img *m, const struct dyninfo *d, const char *name, size_t nlen,
                      const char **why)
{
	uint32_t hdr[4], h = gnu_hash(name), idx, chain;
	uint64_t buckets, chains;

	if (get(m, d->gnu_hash, hdr, sizeof(hdr)))
		return fail(why, "GNU hash table beyond the end of the file");
	/* nbuckets, symoffset, bloom words, bloom shift */
	if (hdr[0] == 0)
		return 0;
	buckets = d->gnu_hash + sizeof(hdr) + (uint64_t)hdr[2] * sizeof(Addr);
	chains = buckets + (uint64_t)hdr[0] * 4;
	if (get(m, buckets + (uint64_t)(h % hdr[0]) * 4, &idx, 4))
		return fail(why, "GNU hash buckets beyond the end of the file");
	if (idx == 0 || idx < hdr[1])
		return 0;
	for (uint32_t step = 0; step < MAX_CHAIN; step++, idx++) {
		if (idx == UINT32_MAX || get(m, chains + (uint64_t)(idx - hdr[1]) * 4, &chain, 4))
			return fail(why, "GNU hash chain beyond the end of the file");
		if ((chain | 1) == (h | 1)) {
			int rc = sym_is(m, d, idx, name, nlen, why);

			if (rc != 0)
				return rc;
		}
		if (chain & 1)
			return 0;
	}
	return fail(why, "GNU hash chain without an end");
}

static int lookup_sysv(const struct img *m, const struct dyninfo *d, const char *name, size_t nlen,
                       const char **why)
{
	uint32_t hdr[2], idx;
	uint32_t h = sysv_hash(name);

	if (get(m, d->hash, hdr, sizeof(hdr)))
		return fail(why, "hash table beyond the end of the file");
	/* nbucket, nchain; then bucket[nbucket], chain[nchain] */
	if (hdr[0] == 0)
		return 0;
	if (get(m, d->hash + 8 + (uint64_t)(h % hdr[0]) * 4, &idx, 4))
		return fail(why, "hash buckets beyond the end of the file");
	for (uint32_t step = 0; idx != STN_UNDEF; step++) {
		int rc;

		if (idx >= hdr[1] || step >= MAX_CHAIN)
			return fail(why, "hash chain out of range or without an end");
		rc = sym_is(m, d, idx, name, nlen, why);
		if (rc != 0)
			return rc;
		if (get(m, d->hash + 8 + ((uint64_t)hdr[0] + idx) * 4, &idx, 4))
			return fail(why, "hash chain beyond the end of the file");
	}
	return 0;
}

static int lookup(const struct img *m, const char *name, const char **why)
{
	struct dyninfo d = {0};
	size_t nlen = strlen(name);
	int rc;

	*why = NULL;
	rc = read_dynamic(m, &d, why);
	if (rc < 0)
		return rc;
	if (!d.symtab || !d.strtab || !d.strsz)
		return 0; /* no dynamic symbols at all */
	if (d.gnu_hash)
		return lookup_gnu(m, &d, name, nlen, why);
	if (d.hash)
		return lookup_sysv(m, &d, name, nlen, why);
	return 0; /* no hash table: the dynamic linker could not find it either */
}

int sluice__elf_exports(const void *buf, size_t len, const char *name, const char **why)
{
	struct img m = {.buf = buf, .fd = -1, .size = len};

	if (!buf)
		m.size = 0, m.buf = (const uint8_t *)"";
	return lookup(&m, name, why);
}

int sluice__elf_fd_exports(int fd, const char *name, const char **why)
{
	struct stat st;
	struct img m = {.buf = NULL, .fd = fd};

	*why = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return fail(why, "not a regular file");
	m.size = (uint64_t)st.st_size;
	return lookup(&m, name, why);
}
