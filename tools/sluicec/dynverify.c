/* dynverify.c - see dynverify.h. */
#include "dynverify.h"

static int verify_field(sluice_fb_verifier *v, const sluice_fb_vtab *tab, const struct field *f)
{
	enum base b = f->type.base;
	const struct def *r = f->type.ref;
	const uint8_t *p = NULL;
	uint32_t n = 0, i;
	int rc;

	if (sc_is_scalar(b))
		return sluice_fb_verify_field(v, tab, (unsigned)f->id, sc_scalar_size(b),
					      sc_scalar_size(b), false);
	if (b == B_OBJ && r->kind == D_STRUCT)
		return sluice_fb_verify_field(v, tab, (unsigned)f->id, r->size, r->align, f->required);
	if (b == B_UNION) {
		uint8_t ut;

		rc = sluice_fb_verify_union(v, tab, (unsigned)f->id - 1, (unsigned)f->id, f->required,
					    &ut, &p);
		if (rc || !ut || !p)
			return rc; /* NONE, or a type without a value: a null member */
		for (i = 1; i < r->nvals; i++)
			if (r->vals[i].value == ut)
				return sc_verify_table(v, r->vals[i].utype.ref, p);
		return 0; /* a member newer than this schema */
	}
	rc = sluice_fb_verify_ref(v, tab, (unsigned)f->id, f->required, &p);
	if (rc || !p)
		return rc;
	if (b == B_STRING)
		return sluice_fb_verify_string(v, p);
	if (b == B_OBJ)
		return sc_verify_table(v, r, p);
	/* vectors */
	if (sc_is_scalar(f->type.elem) || (f->type.elem == B_OBJ && r->kind == D_STRUCT)) {
		uint32_t sz = f->type.elem == B_OBJ ? r->size : sc_scalar_size(f->type.elem);
		uint32_t al = f->type.elem == B_OBJ ? r->align : sc_scalar_size(f->type.elem);

		rc = sluice_fb_verify_vector(v, p, sz, al, &n);
		if (!rc && f->nested_def) {
			sluice_fb_verifier c;
			const uint8_t *root;

			rc = sluice_fb_verify_nested(v, p, &c, &root);
			if (!rc)
				rc = sc_verify_table(&c, f->nested_def, root);
		}
		return rc;
	}
	if (f->type.elem == B_STRING)
		return sluice_fb_verify_string_vector(v, p);
	rc = sluice_fb_verify_vector(v, p, 4, 4, &n);
	for (i = 0; !rc && i < n; i++) {
		const uint8_t *e;

		rc = sluice_fb_verify_vec_ref(v, p, i, &e);
		if (!rc)
			rc = sc_verify_table(v, r, e);
	}
	return rc;
}

int sc_verify_table(sluice_fb_verifier *v, const struct def *d, const uint8_t *t)
{
	sluice_fb_vtab tab;
	size_t i;
	int rc = sluice_fb_verify_table_enter(v, t, &tab);

	/* deprecated fields are skipped, as generated verifiers (and flatc's)
	 * do; readers must then skip them too */
	for (i = 0; !rc && i < d->nfields; i++)
		if (!d->fields[i].deprecated)
			rc = verify_field(v, &tab, &d->fields[i]);
	if (!rc)
		sluice_fb_verify_table_leave(v);
	return rc;
}

int sc_verify_buffer(const struct def *d, const void *buf, size_t len,
		     const sluice_fb_verify_opts *opts)
{
	sluice_fb_verifier v;
	const uint8_t *root;
	int rc = sluice_fb_verify_begin(&v, buf, len, opts, &root);

	return rc ? rc : sc_verify_table(&v, d, root);
}
