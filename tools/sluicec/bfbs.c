/* bfbs.c - see bfbs.h. Field ids below are those of reflection.fbs; the
 * choices (sorted objects, enums and fields, the hidden union type field,
 * "optional" on every non-scalar, only user attributes, "//"-relative file
 * names) follow what flatc 2.0.8 writes, so the two compare equal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfbs.h"
#include "sluice/fb.h"

/* reflection.fbs BaseType values equal enum base (schema.h). */

struct bf {
	const struct schema *s;
	sluice_fb_builder *b;
	const struct def **objs, **enums;
	size_t nobjs, nenums;
	const char *root_dir;
	bool nested; /* keep nested_flatbuffer attributes */
	struct sc_map index; /* full name -> index in objs or enums */
};

static int cmp_def(const void *a, const void *b)
{
	return strcmp((*(const struct def *const *)a)->fullname,
		      (*(const struct def *const *)b)->fullname);
}

/* d's index among the sorted objects or enums (a hash map: a schema may
 * have thousands of types and fields). */
static int index_of(const struct bf *x, const struct def *d)
{
	size_t i;

	return d && sc_map_get(&x->index, d->fullname, &i) ? (int)i : -1;
}

/* flatc's SizeOf(BaseType): NONE and UTYPE count as a byte, offsets and
 * arrays as 4. */
static uint32_t size_of(enum base b)
{
	if (b == B_NONE || b == B_UTYPE)
		return 1;
	return sc_is_scalar(b) ? sc_scalar_size(b) : 4;
}

static sluice_fb_ref type_ref(struct bf *x, enum base base, enum base elem, const struct def *ref,
			      uint16_t fixed)
{
	sluice_fb_builder *b = x->b;
	int32_t index = index_of(x, ref);

	sluice_fb_table_start(b);
	sluice_fb_add_i8(b, 0, (int8_t)base, 0);
	sluice_fb_add_i8(b, 1, (int8_t)elem, 0);
	sluice_fb_add_i32(b, 2, index, -1);
	sluice_fb_add_u16(b, 3, fixed, 0);
	sluice_fb_add_u32(b, 4, size_of(base), 4);
	sluice_fb_add_u32(b, 5, size_of(elem), 0);
	return sluice_fb_table_end(b, NULL, 0);
}

static bool builtin_attr(const char *name)
{
	static const char *const names[] = {
		"id", "deprecated", "required", "key", "force_align", "bit_flags",
		"nested_flatbuffer", "flexbuffer", "hash", "original_order", "native_inline",
		"native_default", "native_custom_alloc", "native_type", "native_type_pack_name",
		"cpp_type", "cpp_ptr_type", "cpp_ptr_type_get", "cpp_str_type", "cpp_str_flex_ctor",
		"shared", "idempotent", "streaming", "private", "csharp_partial", "java_package",
		"$default", NULL,
	};
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* User attributes; for the JSON tools also hash, which JSON reads. */
static bool kept_attr(const struct bf *x, const char *name)
{
	return !builtin_attr(name) || (x->nested && strcmp(name, "hash") == 0);
}

static int cmp_attr(const void *a, const void *b)
{
	return strcmp((*(const struct attr *const *)a)->name, (*(const struct attr *const *)b)->name);
}

/* The user-declared attributes, sorted by key; 0 when there are none.
 * nested (a fully qualified table name, or NULL) adds nested_flatbuffer,
 * as flatc --bfbs-builtins does, for the runtime's JSON to read. */
static sluice_fb_ref attributes(struct bf *x, const struct attr *list, const char *nested)
{
	const struct attr *a, **v;
	struct attr nf;
	sluice_fb_ref *refs;
	size_t n = nested != NULL, i;

	for (a = list; a; a = a->next)
		n += kept_attr(x, a->name);
	if (!n)
		return 0;
	v = sc_alloc(n * sizeof(*v));
	refs = sc_alloc(n * sizeof(*refs));
	n = 0;
	for (a = list; a; a = a->next)
		if (kept_attr(x, a->name))
			v[n++] = a;
	if (nested) {
		memset(&nf, 0, sizeof(nf));
		nf.name = "nested_flatbuffer";
		nf.value = nested;
		v[n++] = &nf;
	}
	qsort(v, n, sizeof(*v), cmp_attr);
	for (i = 0; i < n; i++) {
		sluice_fb_ref k = sluice_fb_cstring(x->b, v[i]->name);
		sluice_fb_ref val = v[i]->value ? sluice_fb_cstring(x->b, v[i]->value) : 0;

		sluice_fb_table_start(x->b);
		sluice_fb_table_ref(x->b, 0, k);
		sluice_fb_table_ref(x->b, 1, val);
		refs[i] = sluice_fb_table_end(x->b, NULL, 0);
	}
	return sluice_fb_ref_vector(x->b, refs, n);
}

/* An absolute path, as flatc's AbsolutePath: realpath, or as given. */
static const char *absolute(const char *path)
{
	char *r = realpath(path, NULL), *out;

	if (!r)
		return path;
	out = sc_strdup(r);
	free(r);
	return out;
}

/* flatc's RelativeToRootPath: "//" then path relative to the main
 * schema's folder, "../" for each folder up to the common one; "" when
 * the main schema was named without a folder (flatc then writes empty
 * declaration files and no fbs_files). */
static const char *decl_file(const struct bf *x, const char *path)
{
	const char *root, *file, *suffix;
	size_t common = 0, i, up = 0;
	char *rb, *out;

	if (!*x->root_dir)
		return "";
	root = absolute(x->root_dir);
	rb = sc_alloc(strlen(root) + 2);
	sprintf(rb, "%s%s", root, root[0] && root[strlen(root) - 1] == '/' ? "" : "/");
	file = absolute(path);
	for (i = 0; rb[i] && file[i] && rb[i] == file[i]; i++)
		if (rb[i] == '/')
			common = i;
	for (suffix = rb + common; *suffix; suffix++)
		up += *suffix == '/';
	up--; /* the last '/' of rb */
	out = sc_alloc(3 + 3 * up + strlen(file));
	strcpy(out, "//");
	for (i = 0; i < up; i++)
		strcat(out, "../");
	if (strlen(file) > common)
		strcat(out, file + common + 1);
	return out;
}

struct fentry {
	const char *name;
	const struct field *f;
	bool utype; /* the hidden type field of union f */
	sluice_fb_ref ref;
	size_t pos;
};

static int cmp_fentry(const void *a, const void *b)
{
	const struct fentry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static sluice_fb_ref field_ref(struct bf *x, const struct def *d, const struct fentry *e, size_t idx)
{
	sluice_fb_builder *b = x->b;
	const struct field *f = e->f;
	const struct type *t = &f->type;
	sluice_fb_ref name = sluice_fb_cstring(b, e->name), type, attrs = 0;
	bool scalar = e->utype || sc_is_scalar(t->base);
	uint16_t id = 0, off;
	bool is_struct = d->kind == D_STRUCT;

	if (e->utype && t->base == B_VECTOR)
		type = type_ref(x, B_VECTOR, B_UTYPE, t->ref, 0);
	else if (e->utype)
		type = type_ref(x, B_UTYPE, B_NONE, t->ref, 0);
	else if (t->base == B_VECTOR || t->base == B_ARRAY)
		type = type_ref(x, t->base, t->elem, t->ref, (uint16_t)t->fixed_len);
	else
		type = type_ref(x, t->base, B_NONE, t->ref, 0);
	if (!e->utype)
		attrs = attributes(x, f->attrs, x->nested && f->nested_def ?
						   f->nested_def->fullname : NULL);
	if (is_struct) {
		id = (uint16_t)idx;
		off = (uint16_t)f->offset;
	} else {
		id = (uint16_t)(e->utype ? f->id - 1 : f->id);
		off = (uint16_t)(4 + 2 * id);
	}
	sluice_fb_table_start(b);
	sluice_fb_table_ref(b, 0, name);
	sluice_fb_table_ref(b, 1, type);
	sluice_fb_add_u16(b, 2, id, 0);
	sluice_fb_add_u16(b, 3, off, 0);
	if (!e->utype && f->has_default && sc_is_scalar(t->base)) {
		if (sc_is_float(t->base)) {
			sluice_fb_add_f64(b, 5, f->dflt.f, 0.0);
		} else {
			int64_t v = f->dflt.is_neg ? (int64_t)(0 - f->dflt.u) : (int64_t)f->dflt.u;

			/* flatc 2.0.8 writes 0 for a ulong default above INT64_MAX */
			if (!f->dflt.is_neg && f->dflt.u > (uint64_t)INT64_MAX)
				v = 0;
			sluice_fb_add_i64(b, 4, v, 0);
		}
	}
	/* flatc deprecates a union's hidden type field with the union */
	if (e->utype) {
		sluice_fb_add_bool(b, 6, f->deprecated, false);
		/* the _type vector of a vector of unions is optional, as vectors
		 * are, and required with its vector */
		sluice_fb_add_bool(b, 7, t->base == B_VECTOR && f->required, false);
		sluice_fb_add_bool(b, 11, t->base == B_VECTOR && !f->required, false);
	}
	if (!e->utype) {
		/* a string key is required, as flatc makes it */
		bool required = f->required || (f->key && t->base == B_STRING);

		sluice_fb_add_bool(b, 6, f->deprecated, false);
		sluice_fb_add_bool(b, 7, required, false);
		sluice_fb_add_bool(b, 8, f->key, false);
		sluice_fb_table_ref(b, 9, attrs);
		sluice_fb_add_bool(b, 11, f->optional || (!scalar && !required), false);
		if (is_struct)
			sluice_fb_add_u16(b, 12, (uint16_t)f->padding, 0);
	}
	return sluice_fb_table_end(b, NULL, 0);
}

static sluice_fb_ref object_ref(struct bf *x, const struct def *d)
{
	sluice_fb_builder *b = x->b;
	struct fentry *e = sc_alloc((2 * d->nfields + 1) * sizeof(*e));
	sluice_fb_ref *refs, fields, name, attrs, file;
	size_t n = 0, i;

	for (i = 0; i < d->nfields; i++) {
		const struct field *f = &d->fields[i];

		if (sc_two_slots(&f->type)) {
			char *tn = sc_alloc(strlen(f->name) + 6);

			sprintf(tn, "%s_type", f->name);
			e[n].name = tn;
			e[n].f = f;
			e[n].utype = true;
			n++;
		}
		e[n].name = f->name;
		e[n].f = f;
		e[n].utype = false;
		n++;
	}
	refs = sc_alloc((n + 1) * sizeof(*refs));
	/* struct field ids are their positions in declaration order */
	for (i = 0; i < n; i++) {
		e[i].ref = field_ref(x, d, &e[i], d->kind == D_STRUCT ? i : 0);
		e[i].pos = i;
	}
	/* sorted by name (qsort: a table may have 32765 fields); names are
	 * unique, the position only makes the order total */
	qsort(e, n, sizeof(*e), cmp_fentry);
	for (i = 0; i < n; i++)
		refs[i] = e[i].ref;
	fields = sluice_fb_ref_vector(b, refs, n);
	name = sluice_fb_cstring(b, d->fullname);
	attrs = attributes(x, d->attrs, NULL);
	file = sluice_fb_cstring(b, decl_file(x, d->loc.file));
	sluice_fb_table_start(b);
	sluice_fb_table_ref(b, 0, name);
	sluice_fb_table_ref(b, 1, fields);
	sluice_fb_add_bool(b, 2, d->kind == D_STRUCT, false);
	sluice_fb_add_i32(b, 3, d->kind == D_STRUCT ? (int32_t)d->align : 1, 0);
	sluice_fb_add_i32(b, 4, d->kind == D_STRUCT ? (int32_t)d->size : 0, 0);
	sluice_fb_table_ref(b, 5, attrs);
	sluice_fb_table_ref(b, 7, file);
	return sluice_fb_table_end(b, NULL, 0);
}

/* Values by number, then (repeated numbers) by name, as flatc sorts them;
 * ulong enums as unsigned numbers. */
static int cmp_val(const void *a, const void *b)
{
	const struct enumval *p = a, *q = b;

	if (p->value != q->value)
		return p->value < q->value ? -1 : 1;
	return strcmp(p->name, q->name);
}

static int cmp_val_u(const void *a, const void *b)
{
	const struct enumval *p = a, *q = b;

	if (p->value != q->value)
		return (uint64_t)p->value < (uint64_t)q->value ? -1 : 1;
	return strcmp(p->name, q->name);
}

static sluice_fb_ref enum_ref(struct bf *x, const struct def *d)
{
	sluice_fb_builder *b = x->b;
	struct enumval *v = sc_alloc((d->nvals + 1) * sizeof(*v));
	sluice_fb_ref *refs = sc_alloc((d->nvals + 1) * sizeof(*refs));
	sluice_fb_ref vals, name, under, attrs, file;
	size_t i;

	if (d->nvals)
		memcpy(v, d->vals, d->nvals * sizeof(*v));
	qsort(v, d->nvals, sizeof(*v), d->underlying == B_U64 ? cmp_val_u : cmp_val);
	for (i = 0; i < d->nvals; i++) {
		sluice_fb_ref n = sluice_fb_cstring(b, v[i].name), ut;

		if (d->kind == D_UNION && v[i].utype.base == B_STRING)
			ut = type_ref(x, B_STRING, B_NONE, NULL, 0);
		else if (d->kind == D_UNION && v[i].utype.ref)
			ut = type_ref(x, B_OBJ, B_NONE, v[i].utype.ref, 0);
		else
			ut = type_ref(x, B_NONE, B_NONE, NULL, 0);
		sluice_fb_table_start(b);
		sluice_fb_table_ref(b, 0, n);
		sluice_fb_add_i64(b, 1, v[i].value, 0);
		sluice_fb_table_ref(b, 3, ut);
		refs[i] = sluice_fb_table_end(b, NULL, 0);
	}
	vals = sluice_fb_ref_vector(b, refs, d->nvals);
	name = sluice_fb_cstring(b, d->fullname);
	under = type_ref(x, d->kind == D_UNION ? B_UTYPE : d->underlying, B_NONE, d, 0);
	attrs = attributes(x, d->attrs, NULL);
	file = sluice_fb_cstring(b, decl_file(x, d->loc.file));
	sluice_fb_table_start(b);
	sluice_fb_table_ref(b, 0, name);
	sluice_fb_table_ref(b, 1, vals);
	sluice_fb_add_bool(b, 2, d->kind == D_UNION, false);
	sluice_fb_table_ref(b, 3, under);
	sluice_fb_table_ref(b, 4, attrs);
	sluice_fb_table_ref(b, 6, file);
	return sluice_fb_table_end(b, NULL, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct fname {
	const char *name; /* relative, as written */
	const struct sc_file *f;
};

static int cmp_fname(const void *a, const void *b)
{
	return strcmp(((const struct fname *)a)->name, ((const struct fname *)b)->name);
}

/* The schema files as flatc lists them: every file read, sorted by its
 * relative name, each with the files it includes, in the order of the
 * paths as found (flatc keeps them in a set of those paths); none when
 * the main schema was named without a folder. */
static sluice_fb_ref files_ref(struct bf *x)
{
	const struct schema *s = x->s;
	struct fname *v = sc_alloc((s->nfiles + 1) * sizeof(*v));
	sluice_fb_ref *refs = sc_alloc((s->nfiles + 1) * sizeof(*refs));
	size_t i, j;

	if (!*x->root_dir)
		return 0;
	for (i = 0; i < s->nfiles; i++) {
		v[i].name = decl_file(x, s->files[i].path);
		v[i].f = &s->files[i];
	}
	qsort(v, s->nfiles, sizeof(*v), cmp_fname);
	for (i = 0; i < s->nfiles; i++) {
		const char **incs = sc_alloc((v[i].f->nincs + 1) * sizeof(*incs));
		sluice_fb_ref *ir = sc_alloc((v[i].f->nincs + 1) * sizeof(*ir));
		sluice_fb_ref fn, inc;

		if (v[i].f->nincs)
			memcpy(incs, v[i].f->incs, v[i].f->nincs * sizeof(*incs));
		qsort(incs, v[i].f->nincs, sizeof(*incs), cmp_str);
		for (j = 0; j < v[i].f->nincs; j++)
			ir[j] = sluice_fb_cstring(x->b, decl_file(x, incs[j]));
		inc = sluice_fb_ref_vector(x->b, ir, v[i].f->nincs);
		fn = sluice_fb_cstring(x->b, v[i].name);
		sluice_fb_table_start(x->b);
		sluice_fb_table_ref(x->b, 0, fn);
		sluice_fb_table_ref(x->b, 1, inc);
		refs[i] = sluice_fb_table_end(x->b, NULL, 0);
	}
	return sluice_fb_ref_vector(x->b, refs, s->nfiles);
}

/* The Object of d, shared with the objects vector (as flatc shares it). */
static sluice_fb_ref shared_obj(struct bf *x, sluice_fb_ref objs, const struct def *d)
{
	const uint8_t *vec;

	if (!objs || x->b->err)
		return 0;
	vec = x->b->end - objs;
	return (sluice_fb_ref)(x->b->end - sluice_fb_vec_ref(vec, (uint32_t)index_of(x, d)));
}

static int cmp_service(const void *a, const void *b)
{
	return strcmp((*(const struct service *const *)a)->fullname,
		      (*(const struct service *const *)b)->fullname);
}

/* rpc_service blocks, sorted by name; calls in declaration order. */
static sluice_fb_ref services_ref(struct bf *x, sluice_fb_ref objs)
{
	const struct schema *s = x->s;
	const struct service **v = sc_alloc((s->nservices + 1) * sizeof(*v));
	sluice_fb_ref *refs = sc_alloc((s->nservices + 1) * sizeof(*refs));
	sluice_fb_builder *b = x->b;
	size_t i, j;

	for (i = 0; i < s->nservices; i++)
		v[i] = &s->services[i];
	qsort(v, s->nservices, sizeof(*v), cmp_service);
	for (i = 0; i < s->nservices; i++) {
		sluice_fb_ref *cr = sc_alloc((v[i]->ncalls + 1) * sizeof(*cr));
		sluice_fb_ref name, calls, attrs, file;

		for (j = 0; j < v[i]->ncalls; j++) {
			const struct rpccall *c = &v[i]->calls[j];
			sluice_fb_ref cn = sluice_fb_cstring(b, c->name);
			sluice_fb_ref ca = attributes(x, c->attrs, NULL);

			sluice_fb_table_start(b);
			sluice_fb_table_ref(b, 0, cn);
			sluice_fb_table_ref(b, 1, shared_obj(x, objs, c->req.ref));
			sluice_fb_table_ref(b, 2, shared_obj(x, objs, c->resp.ref));
			sluice_fb_table_ref(b, 3, ca);
			cr[j] = sluice_fb_table_end(b, NULL, 0);
		}
		name = sluice_fb_cstring(b, v[i]->fullname);
		calls = sluice_fb_ref_vector(b, cr, v[i]->ncalls);
		attrs = attributes(x, v[i]->attrs, NULL);
		file = sluice_fb_cstring(b, decl_file(x, v[i]->loc.file));
		sluice_fb_table_start(b);
		sluice_fb_table_ref(b, 0, name);
		sluice_fb_table_ref(b, 1, calls);
		sluice_fb_table_ref(b, 2, attrs);
		sluice_fb_table_ref(b, 4, file);
		refs[i] = sluice_fb_table_end(b, NULL, 0);
	}
	return sluice_fb_ref_vector(b, refs, s->nservices);
}

static uint64_t features(const struct schema *s)
{
	uint64_t f = 0;
	size_t i, j;

	for (i = 0; i < s->ndefs; i++)
		for (j = 0; j < s->defs[i]->nfields; j++) {
			const struct field *fl = &s->defs[i]->fields[j];

			if (fl->type.base == B_ARRAY)
				f |= 1; /* AdvancedArrayFeatures */
			if (fl->optional)
				f |= 4; /* OptionalScalars */
			if (fl->type.base == B_VECTOR && fl->type.elem == B_UNION)
				f |= 2; /* AdvancedUnionFeatures */
		}
	return f;
}

static int bfbs(const struct schema *s, bool nested, uint8_t **out, size_t *len, char *err,
		size_t errlen)
{
	size_t cap = 1 << 16, i;
	struct bf x;
	char *dir = sc_strdup(s->main_file), *slash = strrchr(dir, '/');

	memset(&x, 0, sizeof(x));
	x.s = s;
	x.nested = nested;
	x.root_dir = slash ? (*slash = 0, dir) : "";
	x.objs = sc_alloc((s->ndefs + 1) * sizeof(*x.objs));
	x.enums = sc_alloc((s->ndefs + 1) * sizeof(*x.enums));
	for (i = 0; i < s->ndefs; i++) {
		if (s->defs[i]->kind == D_STRUCT || s->defs[i]->kind == D_TABLE)
			x.objs[x.nobjs++] = s->defs[i];
		else
			x.enums[x.nenums++] = s->defs[i];
	}
	qsort(x.objs, x.nobjs, sizeof(*x.objs), cmp_def);
	qsort(x.enums, x.nenums, sizeof(*x.enums), cmp_def);
	for (i = 0; i < x.nobjs; i++)
		sc_map_add(&x.index, x.objs[i]->fullname, i);
	for (i = 0; i < x.nenums; i++)
		sc_map_add(&x.index, x.enums[i]->fullname, i);
	for (;;) {
		uint8_t *buf = sc_alloc(cap);
		sluice_fb_builder *b = sc_alloc(sizeof(*b));
		sluice_fb_ref *r = sc_alloc((s->ndefs + 1) * sizeof(*r));
		sluice_fb_ref objs, enums, ident = 0, ext = 0, services, files, root;
		sluice_fb_msg m;
		int rc;

		x.b = b;
		sluice_fb_builder_init(b, buf, cap);
		for (i = 0; i < x.nobjs; i++)
			r[i] = object_ref(&x, x.objs[i]);
		objs = sluice_fb_ref_vector(b, r, x.nobjs);
		for (i = 0; i < x.nenums; i++)
			r[i] = enum_ref(&x, x.enums[i]);
		enums = sluice_fb_ref_vector(b, r, x.nenums);
		ident = sluice_fb_cstring(b, s->ident);
		/* flatc writes an extension, empty when the schema names none */
		ext = sluice_fb_cstring(b, s->ext ? s->ext : "");
		services = services_ref(&x, objs);
		files = files_ref(&x);
		/* the root Object is shared with the objects vector */
		root = s->root ? shared_obj(&x, objs, s->root) : 0;
		sluice_fb_table_start(b);
		sluice_fb_table_ref(b, 0, objs);
		sluice_fb_table_ref(b, 1, enums);
		sluice_fb_table_ref(b, 2, ident);
		sluice_fb_table_ref(b, 3, ext);
		sluice_fb_table_ref(b, 4, root);
		sluice_fb_table_ref(b, 5, services);
		sluice_fb_add_u64(b, 6, features(s), 0);
		sluice_fb_table_ref(b, 7, files);
		rc = sluice_fb_finish(b, sluice_fb_table_end(b, NULL, 0), "BFBS", false, &m);
		if (rc == -SLUICE_EFBFULL && cap < ((size_t)1 << 30)) {
			cap *= 4;
			continue;
		}
		if (rc) {
			snprintf(err, errlen, "%s: error: binary schema: %s", s->main_file,
				 sluice_strerror(rc));
			return -1;
		}
		*out = buf + m.offset;
		*len = m.length;
		return 0;
	}
}

int sc_bfbs(const struct schema *s, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	return bfbs(s, false, out, len, err, errlen);
}

int sc_bfbs_json(const struct schema *s, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	return bfbs(s, true, out, len, err, errlen);
}
