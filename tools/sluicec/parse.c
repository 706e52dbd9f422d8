/* parse.c - reads .fbs text into the schema model (schema.h). Names are
 * resolved and rules checked afterwards (check.c), because types may be
 * used before they are declared. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "schema.h"

int sc_check(struct schema *s, struct lexer *lx);

struct parser {
	struct schema *s;
	struct lexer *lx;
	const char *ns;
	bool is_main;
	bool seen_decl;
	const char *dir;      /* directory of the file, for includes */
	char **files;         /* every file read, to include each once */
	size_t nfiles, capfiles;
	size_t capdefs;
	int depth;
	size_t file;          /* this file's entry in s->files */
};

/* Adds a file read to s->files; returns its index. */
static size_t add_file(struct schema *s, const char *path)
{
	s->files = sc_grow(s->files, &s->capfiles, s->nfiles + 1, sizeof(*s->files));
	memset(&s->files[s->nfiles], 0, sizeof(s->files[0]));
	s->files[s->nfiles].path = path;
	return s->nfiles++;
}

/* Records that file f includes path, once per path string, as flatc does. */
static void add_include(struct schema *s, size_t f, const char *path)
{
	struct sc_file *e = &s->files[f];
	size_t i;

	for (i = 0; i < e->nincs; i++)
		if (strcmp(e->incs[i], path) == 0)
			return;
	e->incs = sc_grow(e->incs, &e->capincs, e->nincs + 1, sizeof(*e->incs));
	e->incs[e->nincs++] = sc_strdup(path);
}

/* dir/name as flatc joins them: no '/' after an empty dir, no leading "./". */
static void join_path(char *out, size_t n, const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	snprintf(out, n, "%s%s%s", dir, dl && dir[dl - 1] != '/' ? "/" : "", name);
	if (out[0] == '.' && out[1] == '/')
		memmove(out, out + 2, strlen(out + 2) + 1);
}

static const char *known_attrs[] = {
	"id", "deprecated", "required", "key", "force_align", "bit_flags",
	"nested_flatbuffer", "flexbuffer", "hash", "original_order", "native_inline",
	"native_default", "native_custom_alloc", "native_type", "native_type_pack_name",
	"cpp_type", "cpp_ptr_type", "cpp_ptr_type_get", "cpp_str_type", "cpp_str_flex_ctor",
	"shared", "idempotent", "streaming", "private", "csharp_partial", "java_package",
	NULL,
};

static bool is(struct lexer *lx, char p)
{
	return lx->tok == TK_PUNCT && lx->punct == p;
}

static bool is_kw(struct lexer *lx, const char *kw)
{
	return lx->tok == TK_IDENT && strcmp(lx->text, kw) == 0;
}

static void expect(struct lexer *lx, char p)
{
	if (!is(lx, p))
		lex_error(lx, &lx->loc, "expected '%c'", p);
	lex_next(lx);
}

static const char *ident(struct lexer *lx, const char *what)
{
	const char *t;

	if (lx->tok != TK_IDENT)
		lex_error(lx, &lx->loc, "expected %s", what);
	t = lx->text;
	lex_next(lx);
	return t;
}

/* A dotted name a.b.C. */
static const char *dotted(struct lexer *lx, const char *what)
{
	char buf[1024];
	const char *part = ident(lx, what);

	snprintf(buf, sizeof(buf), "%s", part);
	while (is(lx, '.')) {
		size_t n = strlen(buf);

		lex_next(lx);
		part = ident(lx, what);
		snprintf(buf + n, sizeof(buf) - n, ".%s", part);
	}
	return sc_strdup(buf);
}

static bool attr_known(struct parser *p, const char *name)
{
	size_t i;

	for (i = 0; known_attrs[i]; i++)
		if (strcmp(known_attrs[i], name) == 0)
			return true;
	return sc_map_get(&p->s->attr_names, name, &i);
}

/* ( name [: value], ... ) */
static struct attr *metadata(struct parser *p)
{
	struct lexer *lx = p->lx;
	struct attr *head = NULL, **tail = &head;

	if (!is(lx, '('))
		return NULL;
	lex_next(lx);
	while (!is(lx, ')')) {
		struct attr *a = sc_alloc(sizeof(*a));
		struct loc l = lx->loc;

		a->name = ident(lx, "attribute name");
		if (!attr_known(p, a->name))
			lex_error(lx, &l, "user define attributes must be declared before use: %s",
				  a->name);
		if (is(lx, ':')) {
			lex_next(lx);
			if (is(lx, '-') || is(lx, '+')) {
				char sign = lx->punct;

				lex_next(lx);
				if (lx->tok != TK_INT && lx->tok != TK_FLOAT)
					lex_error(lx, &lx->loc, "expected a number");
				a->value = sc_strdup(lx->text);
				if (sign == '-') {
					char *v = sc_alloc(strlen(a->value) + 2);
					sprintf(v, "-%s", lx->text);
					a->value = v;
				}
			} else if (lx->tok == TK_INT || lx->tok == TK_FLOAT ||
				   lx->tok == TK_STRING || lx->tok == TK_IDENT) {
				a->value = lx->text;
			} else {
				lex_error(lx, &lx->loc, "expected an attribute value");
			}
			lex_next(lx);
		}
		*tail = a;
		tail = &a->next;
		if (!is(lx, ','))
			break;
		lex_next(lx);
	}
	expect(lx, ')');
	return head;
}

static const struct {
	const char *name;
	enum base base;
} base_names[] = {
	{"bool", B_BOOL},   {"byte", B_I8},      {"ubyte", B_U8},    {"short", B_I16},
	{"ushort", B_U16},  {"int", B_I32},      {"uint", B_U32},    {"long", B_I64},
	{"ulong", B_U64},   {"float", B_F32},    {"double", B_F64},  {"int8", B_I8},
	{"uint8", B_U8},    {"int16", B_I16},    {"uint16", B_U16},  {"int32", B_I32},
	{"uint32", B_U32},  {"int64", B_I64},    {"uint64", B_U64},  {"float32", B_F32},
	{"float64", B_F64}, {"string", B_STRING}, {NULL, B_NONE},
};

static enum base base_of(const char *name)
{
	int i;

	for (i = 0; base_names[i].name; i++)
		if (strcmp(base_names[i].name, name) == 0)
			return base_names[i].base;
	return B_NONE;
}

/* A type: a base name, a user type, [T] or [T:n]. */
static void type(struct parser *p, struct type *t)
{
	struct lexer *lx = p->lx;

	memset(t, 0, sizeof(*t));
	if (is(lx, '[')) {
		struct type e;
		struct loc l = lx->loc;

		lex_next(lx);
		/* before recursing: "[[[[..." must not cost a stack frame each */
		if (is(lx, '['))
			lex_error(lx, &l, "nested vector types not supported (wrap in table first)");
		type(p, &e);
		t->elem = e.base;
		t->ref_name = e.ref_name;
		t->ref_ns = e.ref_ns;
		if (is(lx, ':')) {
			lex_next(lx);
			if (lx->tok != TK_INT)
				lex_error(lx, &lx->loc, "expected the length of a fixed array");
			errno = 0;
			{
				char *end;
				unsigned long long n = strtoull(lx->text, &end, 0);

				if (*end || errno || n == 0 || n > 0xffff)
					lex_error(lx, &lx->loc,
						  "fixed-length array size must be between 1 and 65535");
				t->fixed_len = (uint32_t)n;
			}
			lex_next(lx);
			t->base = B_ARRAY;
		} else {
			t->base = B_VECTOR;
		}
		expect(lx, ']');
		return;
	}
	{
		const char *name = dotted(lx, "a type");
		enum base b = base_of(name);

		if (b != B_NONE) {
			t->base = b;
		} else {
			/* OBJ until resolution says enum, union or struct/table. */
			t->base = B_OBJ;
			t->ref_name = name;
			t->ref_ns = p->ns;
		}
	}
}

static struct def *new_def(struct parser *p, enum def_kind kind, const char *name,
			   struct loc loc)
{
	struct def *d = sc_alloc(sizeof(*d));
	struct schema *s = p->s;
	char *full, *c;
	size_t i;

	d->kind = kind;
	d->name = name;
	d->ns = p->ns;
	full = sc_alloc(strlen(p->ns) + strlen(name) + 2);
	sprintf(full, "%s%s%s", p->ns, *p->ns ? "." : "", name);
	d->fullname = full;
	c = sc_strdup(full);
	for (i = 0; c[i]; i++)
		if (c[i] == '.')
			c[i] = '_';
	d->cname = c;
	d->loc = loc;
	d->in_main = p->is_main;
	d->doc = p->lx->doc;
	if (sc_find(s, full))
		lex_error(p->lx, &loc, "datatype already exists: %s", full);
	s->defs = sc_grow(s->defs, &p->capdefs, s->ndefs + 1, sizeof(*s->defs));
	d->order = (int)s->ndefs;
	sc_map_add(&s->names, d->fullname, s->ndefs);
	s->defs[s->ndefs++] = d;
	return d;
}

/* Parses an integer literal (with optional sign already in text). */
static bool parse_int(const char *text, struct value *v)
{
	const char *t = text;
	char *end;

	memset(v, 0, sizeof(*v));
	if (*t == '-' || *t == '+') {
		v->is_neg = *t == '-';
		t++;
	}
	if (*t == '-' || *t == '+')
		return false;
	errno = 0;
	v->u = strtoull(t, &end, 0);
	if (errno || *end || end == t)
		return false;
	if (v->u == 0)
		v->is_neg = false;
	return true;
}

static void enum_decl(struct parser *p, bool is_union)
{
	struct lexer *lx = p->lx;
	struct loc l = lx->loc;
	struct def *d;
	size_t cap = 0;

	lex_next(lx);
	d = new_def(p, is_union ? D_UNION : D_ENUM, ident(lx, "a name"), l);
	if (is_union) {
		d->underlying = B_UTYPE;
	} else {
		struct type t;
		struct loc tl;

		if (!is(lx, ':'))
			lex_error(lx, &lx->loc, "must specify the underlying integer type for enum");
		lex_next(lx);
		tl = lx->loc;
		type(p, &t);
		if (!sc_is_integer(t.base) || t.base == B_BOOL)
			lex_error(lx, &tl, "underlying enum type must be integral");
		d->underlying = t.base;
	}
	d->attrs = metadata(p);
	d->bit_flags = sc_attr(d->attrs, "bit_flags") != NULL;
	expect(lx, '{');
	/* flatc gives a union, and an enum declared empty, a NONE = 0 */
	if (is_union || is(lx, '}')) {
		d->vals = sc_grow(d->vals, &cap, 1, sizeof(*d->vals));
		d->vals[0].name = "NONE";
		d->vals[0].loc = l;
		d->nvals = 1;
	}
	while (!is(lx, '}')) {
		struct enumval *e;

		d->vals = sc_grow(d->vals, &cap, d->nvals + 1, sizeof(*d->vals));
		e = &d->vals[d->nvals];
		memset(e, 0, sizeof(*e));
		e->loc = lx->loc;
		if (is_union) {
			const char *name = dotted(lx, "a union member");

			if (is(lx, ':')) {
				/* Alias: Type, a table, a struct or string (check.c
				 * refuses anything else) */
				lex_next(lx);
				e->name = name;
				type(p, &e->utype);
			} else {
				/* as flatc names it: a qualified member's dots become
				 * '_', so Monster and a.b.Monster may share a union */
				char *n = sc_strdup(name), *c;

				for (c = n; *c; c++)
					if (*c == '.')
						*c = '_';
				e->name = n;
				e->utype.base = B_OBJ;
				e->utype.ref_name = name;
				e->utype.ref_ns = p->ns;
			}
		} else {
			e->name = ident(lx, "an enum value");
		}
		/* value: explicit or the previous one plus one */
		if (is(lx, '=')) {
			struct value v;
			struct loc vl;
			char buf[64];

			lex_next(lx);
			vl = lx->loc;
			if (is(lx, '-')) {
				lex_next(lx);
				snprintf(buf, sizeof(buf), "-%s", lx->text ? lx->text : "");
			} else {
				snprintf(buf, sizeof(buf), "%s", lx->text ? lx->text : "");
			}
			if (lx->tok != TK_INT || !parse_int(buf, &v))
				lex_error(lx, &vl, "enum value must be an integer");
			if (v.is_neg && v.u > (uint64_t)INT64_MAX + 1)
				lex_error(lx, &vl, "enum value does not fit");
			e->value = v.is_neg ? (int64_t)(0 - v.u) : (int64_t)v.u;
			/* remember the sign for range checks */
			e->utype.fixed_len = v.is_neg;
			lex_next(lx);
		} else if (d->nvals == 0) {
			e->value = 0;
		} else {
			e->value = d->vals[d->nvals - 1].value + 1;
			e->utype.fixed_len = e->value < 0;
		}
		/* (flatc 2.0.8 takes no attributes on enum values) */
		d->nvals++;
		if (!is(lx, ','))
			break;
		lex_next(lx);
	}
	expect(lx, '}');
}

/* Retypes a quoted default as what its text is: an integer or a float
 * (leading blanks and a sign allowed, as strtod reads them), else it stays
 * a string of names (true/false, inf/nan or enum values, space-separated
 * for bit flags), which the caller reads as it reads a name. */
static void string_default(struct lexer *lx)
{
	const char *t = lx->text, *s = t;
	char *end;
	struct value v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return;
	if (parse_int(s, &v)) {
		lx->text = s;
		lx->tok = TK_INT;
		return;
	}
	if (isdigit((unsigned char)*s) || *s == '.' || *s == '-' || *s == '+') {
		errno = 0;
		(void)strtod(s, &end);
		if (end != s && !*end) {
			lx->text = s;
			lx->tok = TK_FLOAT;
		}
	}
}

static void field_decl(struct parser *p, struct def *d, size_t *cap)
{
	struct lexer *lx = p->lx;
	struct field *f;
	struct loc l = lx->loc;

	d->fields = sc_grow(d->fields, cap, d->nfields + 1, sizeof(*d->fields));
	f = &d->fields[d->nfields];
	memset(f, 0, sizeof(*f));
	f->doc = lx->doc;
	f->loc = l;
	f->name = ident(lx, "a field name");
	expect(lx, ':');
	type(p, &f->type);
	if (is(lx, '=')) {
		struct loc vl;
		char buf[256];
		bool neg = false;

		lex_next(lx);
		vl = lx->loc;
		if (is(lx, '-') || is(lx, '+')) {
			neg = lx->punct == '-';
			lex_next(lx);
		}
		f->has_default = true;
		/* a default in quotes is read as its text would be: a number, a
		 * bool, or enum value names (flatc reads it so) */
		if (lx->tok == TK_STRING && !neg)
			string_default(lx);
		if (lx->tok == TK_INT || lx->tok == TK_FLOAT) {
			snprintf(buf, sizeof(buf), "%s%s", neg ? "-" : "", lx->text);
			if (lx->tok == TK_INT && parse_int(buf, &f->dflt)) {
				f->dflt.lit = strchr(buf, 'x') || strchr(buf, 'X') ? 'x' : 'i';
				/* also keep it as a double for float fields */
				f->dflt.f = f->dflt.is_neg ? -(double)f->dflt.u : (double)f->dflt.u;
			} else if (lx->tok == TK_FLOAT) {
				f->dflt.is_float = true;
				f->dflt.lit = 'f';
				f->dflt.f = strtod(buf, NULL);
			} else {
				lex_error(lx, &vl, "invalid default value");
			}
		} else if (lx->tok == TK_IDENT || lx->tok == TK_STRING) {
			const char *t = lx->text;

			if (strcmp(t, "null") == 0 && !neg && lx->tok == TK_IDENT) {
				f->has_default = false;
				f->optional = true;
			} else if (strcmp(t, "true") == 0 || strcmp(t, "false") == 0) {
				f->dflt.u = t[0] == 't';
				f->dflt.lit = 'b';
				f->dflt.f = (double)f->dflt.u;
			} else if (strcmp(t, "inf") == 0 || strcmp(t, "infinity") == 0) {
				f->dflt.is_float = true;
				f->dflt.f = neg ? -INFINITY : INFINITY;
			} else if (strcmp(t, "nan") == 0) {
				f->dflt.is_float = true;
				f->dflt.f = NAN;
			} else {
				/* an enum value name, resolved later; kept in doc-free slot */
				f->nested = NULL;
				f->attrs = NULL;
				f->dflt.is_float = false;
				f->dflt.u = 0;
				f->has_default = true;
				f->type.ref_ns = f->type.ref_ns ? f->type.ref_ns : p->ns;
				{
					struct attr *a = sc_alloc(sizeof(*a));
					a->name = "$default";
					a->value = t;
					f->attrs = a;
				}
			}
		} else {
			lex_error(lx, &vl, "invalid default value");
		}
		lex_next(lx);
	}
	{
		struct attr *a = metadata(p), **tail = &f->attrs;

		while (*tail)
			tail = &(*tail)->next;
		*tail = a;
	}
	expect(lx, ';');
	d->nfields++;
}

static void struct_decl(struct parser *p, bool is_table)
{
	struct lexer *lx = p->lx;
	struct loc l = lx->loc;
	struct def *d;
	size_t cap = 0;

	lex_next(lx);
	d = new_def(p, is_table ? D_TABLE : D_STRUCT, ident(lx, "a name"), l);
	d->attrs = metadata(p);
	expect(lx, '{');
	while (!is(lx, '}')) {
		if (lx->tok == TK_EOF)
			lex_error(lx, &lx->loc, "unexpected end of file in %s", d->name);
		field_decl(p, d, &cap);
	}
	expect(lx, '}');
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		buf = sc_grow(buf, &cap, n + 4096, 1);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void parse_file(struct parser *p, const char *path, const char *text, size_t len);

static void include(struct parser *p)
{
	struct lexer *lx = p->lx;
	struct loc l = lx->loc;
	const char *name;
	char path[4096], real[PATH_MAX];
	char *text = NULL;
	size_t len = 0, i;

	lex_next(lx);
	if (lx->tok != TK_STRING)
		lex_error(lx, &lx->loc, "expected a file name");
	name = lx->text;
	lex_next(lx);
	expect(lx, ';');
	if (p->s->no_includes)
		lex_error(lx, &l, "includes are disabled");
	if (p->seen_decl)
		lex_error(lx, &l, "includes must come before declarations");
	/* Beside the including file first, then each -I directory. */
	join_path(path, sizeof(path), p->dir, name);
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	text = read_all(path, &len);
	for (i = 0; !text && i < p->s->nincdirs; i++) {
		join_path(path, sizeof(path), p->s->incdirs[i], name);
		text = read_all(path, &len);
	}
	if (!text) {
		/* flatc searches the main schema's folder last */
		const char *m = p->s->main_file, *slash = strrchr(m, '/');
		char *mdir = sc_strndup(m, slash ? (size_t)(slash - m) : 0);

		join_path(path, sizeof(path), mdir, name);
		text = read_all(path, &len);
	}
	if (!text)
		lex_error(lx, &l, "unable to load include file: %s", name);
	add_include(p->s, p->file, path);
	if (p->is_main) {
		size_t capi = p->s->nincludes;
		p->s->includes = sc_grow(p->s->includes, &capi, p->s->nincludes + 1,
					 sizeof(*p->s->includes));
		p->s->includes[p->s->nincludes++] = name;
	}
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i], real) == 0)
			return; /* already read: includes may repeat or cycle */
	if (p->depth > 64)
		lex_error(lx, &l, "includes nest too deep");
	{
		struct parser sub = *p;
		struct lexer sublx;

		p->files = sc_grow(p->files, &p->capfiles, p->nfiles + 1, sizeof(*p->files));
		p->files[p->nfiles++] = sc_strdup(real);
		sub.files = p->files;
		sub.nfiles = p->nfiles;
		sub.capfiles = p->capfiles;
		sub.lx = &sublx;
		sub.is_main = false;
		sub.depth = p->depth + 1;
		sub.file = add_file(p->s, sc_strdup(path));
		lex_init(&sublx, sc_strdup(path), text, len, lx->fail, lx->err, lx->errlen);
		parse_file(&sub, sublx.at.file, text, len);
		p->files = sub.files;
		p->nfiles = sub.nfiles;
		p->capfiles = sub.capfiles;
		p->capdefs = sub.capdefs;
	}
}

/* rpc_service Name (attrs) { call(Request): Response (attrs); ... }, at
 * least one call, as flatc reads it; types are resolved by check.c. */
static void service_decl(struct parser *p)
{
	struct lexer *lx = p->lx;
	struct schema *s = p->s;
	struct loc l = lx->loc;
	struct service *sv;
	const char *name;
	char *full;
	size_t cap = 0, i;

	lex_next(lx);
	name = ident(lx, "a service name");
	full = sc_alloc(strlen(p->ns) + strlen(name) + 2);
	sprintf(full, "%s%s%s", p->ns, *p->ns ? "." : "", name);
	for (i = 0; i < s->nservices; i++)
		if (strcmp(s->services[i].fullname, full) == 0)
			lex_error(lx, &l, "service already exists: %s", name);
	s->services = sc_grow(s->services, &s->capservices, s->nservices + 1, sizeof(*s->services));
	sv = &s->services[s->nservices++];
	memset(sv, 0, sizeof(*sv));
	sv->fullname = full;
	sv->loc = l;
	sv->ndefs_before = s->ndefs;
	sv->attrs = metadata(p);
	expect(lx, '{');
	do {
		struct rpccall *c;

		sv->calls = sc_grow(sv->calls, &cap, sv->ncalls + 1, sizeof(*sv->calls));
		c = &sv->calls[sv->ncalls];
		memset(c, 0, sizeof(*c));
		c->loc = lx->loc;
		c->name = ident(lx, "an rpc name");
		for (i = 0; i < sv->ncalls; i++)
			if (strcmp(sv->calls[i].name, c->name) == 0)
				lex_error(lx, &c->loc, "rpc already exists: %s", c->name);
		expect(lx, '(');
		c->req.base = B_OBJ;
		c->req.ref_name = dotted(lx, "a request table");
		c->req.ref_ns = p->ns;
		expect(lx, ')');
		expect(lx, ':');
		c->resp.base = B_OBJ;
		c->resp.ref_name = dotted(lx, "a response table");
		c->resp.ref_ns = p->ns;
		c->attrs = metadata(p);
		expect(lx, ';');
		sv->ncalls++;
	} while (!is(lx, '}'));
	lex_next(lx);
}

static void parse_file(struct parser *p, const char *path, const char *text, size_t len)
{
	struct lexer *lx = p->lx;
	char *dir = sc_strdup(path), *slash = strrchr(dir, '/');

	(void)text;
	(void)len;
	if (slash)
		*slash = 0;
	else
		dir = "";
	p->dir = dir;
	p->ns = "";
	p->seen_decl = false;
	/* a UTF-8 byte order mark is skipped, and a file with nothing in it
	 * refused, as flatc does */
	if (lx->len >= 3 && memcmp(lx->src, "\xef\xbb\xbf", 3) == 0)
		lx->pos = 3;
	lex_next(lx);
	if (lx->tok == TK_EOF)
		lex_error(lx, &lx->loc, "input file is empty");
	while (lx->tok != TK_EOF) {
		struct loc l = lx->loc;

		if (is_kw(lx, "include")) {
			include(p);
			continue;
		}
		if (is_kw(lx, "native_include")) {
			lex_next(lx);
			lex_next(lx);
			expect(lx, ';');
			continue;
		}
		p->seen_decl = true;
		if (is_kw(lx, "namespace")) {
			lex_next(lx);
			p->ns = is(lx, ';') ? "" : dotted(lx, "a namespace");
			expect(lx, ';');
		} else if (is_kw(lx, "attribute")) {
			size_t capa = p->s->nattrs;

			lex_next(lx);
			if (lx->tok != TK_STRING && lx->tok != TK_IDENT)
				lex_error(lx, &lx->loc, "expected an attribute name");
			p->s->attrs = sc_grow(p->s->attrs, &capa, p->s->nattrs + 1,
					      sizeof(*p->s->attrs));
			sc_map_add(&p->s->attr_names, lx->text, p->s->nattrs);
			p->s->attrs[p->s->nattrs++] = lx->text;
			lex_next(lx);
			expect(lx, ';');
		} else if (is_kw(lx, "enum")) {
			enum_decl(p, false);
		} else if (is_kw(lx, "union")) {
			enum_decl(p, true);
		} else if (is_kw(lx, "struct")) {
			struct_decl(p, false);
		} else if (is_kw(lx, "table")) {
			struct_decl(p, true);
		} else if (is_kw(lx, "root_type")) {
			struct type t;

			lex_next(lx);
			type(p, &t);
			if (t.base != B_OBJ)
				lex_error(lx, &l, "root type must be a table");
			expect(lx, ';');
			if (p->is_main) {
				/* resolved by check.c via a placeholder def */
				struct def *r = sc_alloc(sizeof(*r));
				r->name = t.ref_name;
				r->ns = t.ref_ns;
				r->loc = l;
				r->kind = D_ENUM; /* marks "unresolved" */
				p->s->root = r;
			}
		} else if (is_kw(lx, "file_identifier")) {
			lex_next(lx);
			if (lx->tok != TK_STRING)
				lex_error(lx, &lx->loc, "expected a string");
			if (strlen(lx->text) != 4)
				lex_error(lx, &lx->loc, "file_identifier must be exactly 4 characters");
			if (p->is_main)
				memcpy(p->s->ident, lx->text, 5);
			lex_next(lx);
			expect(lx, ';');
		} else if (is_kw(lx, "file_extension")) {
			lex_next(lx);
			if (lx->tok != TK_STRING)
				lex_error(lx, &lx->loc, "expected a string");
			if (p->is_main)
				p->s->ext = lx->text;
			lex_next(lx);
			expect(lx, ';');
		} else if (is_kw(lx, "rpc_service")) {
			service_decl(p);
		} else if (is(lx, '{')) {
			lex_error(lx, &l, "JSON data is not accepted in a schema here");
		} else {
			lex_error(lx, &l, "expected a declaration, found %s",
				  lx->tok == TK_IDENT ? lx->text : "a symbol");
		}
	}
}

int sc_parse(struct schema *s, const char *name, const char *text, size_t len, char *err,
	     size_t errlen)
{
	jmp_buf fail;
	struct lexer lx;
	struct parser p;
	char real[PATH_MAX];

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.lx = &lx;
	p.is_main = true;
	s->main_file = name;
	p.file = add_file(s, name);
	lex_init(&lx, name, text, len, &fail, err, errlen);
	if (setjmp(fail))
		return -1;
	if (realpath(name, real)) {
		p.files = sc_grow(p.files, &p.capfiles, 1, sizeof(*p.files));
		p.files[p.nfiles++] = sc_strdup(real);
	}
	parse_file(&p, name, text, len);
	return sc_check(s, &lx);
}

int sc_parse_file(struct schema *s, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = read_all(path, &len);

	if (!text) {
		snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
		return -1;
	}
	return sc_parse(s, path, text, len, err, errlen);
}
