/* zoo_build.c - see zoo_build.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zoo_build.h"
#include "zoo_sluice.h"

int zoo_build(void *buf, size_t cap, sluice_fb_msg *out)
{
	return zoo_build_ex(buf, cap, false, out);
}

int zoo_build_ex(void *buf, size_t cap, bool size_prefixed, sluice_fb_msg *out)
{
	sluice_fb_builder *b = malloc(sizeof(*b));
	uint8_t nested[256];
	sluice_fb_builder nb;
	sluice_fb_msg nm;
	sluice_fb_ref tags[2], strs[2], r, name, pal, home, note, payload;
	zoo_Vec3 path[2] = {{1, 2, 3}, {-4, 5.5f, 6}};
	zoo_Vec3 pos = {0.5f, -1.25f, 3};
	zoo_Aligned al;
	zoo_Grid grid;
	int64_t scores[3] = {1, -2, INT64_C(1) << 40};
	int16_t kinds[2] = {zoo_Kind_Cat, zoo_Kind_Bird};
	int rc;

	if (!b)
		return -1;
	memset(&al, 0, sizeof(al));
	al.a = -3;
	al.v = pos;
	al.d = 2.25;
	memset(&grid, 0, sizeof(grid));
	grid.cells[0] = 1;
	grid.cells[3] = -4;
	grid.tag = 200;
	grid.pts[1] = path[1];

	/* a Tag as its own buffer, to nest */
	sluice_fb_builder_init(&nb, nested, sizeof(nested));
	r = sluice_fb_cstring(&nb, "inner");
	zoo_Tag_start(&nb);
	zoo_Tag_add_name(&nb, r);
	zoo_Tag_add_weight(&nb, 99);
	r = zoo_Tag_end(&nb);
	if ((rc = sluice_fb_finish(&nb, r, NULL, false, &nm)))
		goto out;

	sluice_fb_builder_init(b, buf, cap);
	payload = sluice_fb_vector(b, nested + nm.offset, nm.length, 1, 8);
	strs[0] = sluice_fb_cstring(b, "a");
	tags[0] = 0;
	zoo_Tag_start(b);
	zoo_Tag_add_name(b, strs[0]);
	zoo_Tag_add_weight(b, 1);
	tags[0] = zoo_Tag_end(b);
	strs[1] = sluice_fb_cstring(b, "b");
	zoo_Tag_start(b);
	zoo_Tag_add_name(b, strs[1]);
	zoo_Tag_add_weight(b, 7); /* the default: not stored */
	tags[1] = zoo_Tag_end(b);
	r = zoo_Animal_create_tags(b, tags, 2);
	strs[0] = sluice_fb_cstring(b, "x");
	strs[1] = sluice_fb_string(b, "yz", 2);

	zoo_Cage_start(b);
	zoo_Cage_add_id(b, 5);
	zoo_Cage_add_size(b, 2.0);
	home = zoo_Cage_end(b);

	note = sluice_fb_cstring(b, "hi");
	zoo_common_Note_start(b);
	zoo_common_Note_add_text(b, note);
	note = zoo_common_Note_end(b);

	name = sluice_fb_cstring(b, "Pal");
	zoo_Animal_start(b);
	zoo_Animal_add_name(b, name);
	pal = zoo_Animal_end(b);

	{
		sluice_fb_ref names = zoo_Animal_create_names(b, strs, 2);
		sluice_fb_ref sc = zoo_Animal_create_scores(b, scores, 3);
		sluice_fb_ref pa = zoo_Animal_create_path(b, path, 2);
		sluice_fb_ref ed = zoo_Animal_create_empty_d(b, NULL, 0);
		sluice_fb_ref ki = zoo_Animal_create_kinds(b, kinds, 2);

		name = sluice_fb_cstring(b, "Rex");
		zoo_Animal_start(b);
		zoo_Animal_add_name(b, name);
		zoo_Animal_add_kind(b, zoo_Kind_Bird);
		zoo_Animal_add_colors(b, zoo_Color_Green | zoo_Color_Blue);
		zoo_Animal_add_age(b, 12);
		zoo_Animal_add_weight(b, 31.5f);
		zoo_Animal_add_legs(b, 4);
		zoo_Animal_add_alive(b, false);
		zoo_Animal_add_pos(b, &pos);
		zoo_Animal_add_al(b, &al);
		zoo_Animal_add_grid(b, &grid);
		zoo_Animal_add_tags(b, r);
		zoo_Animal_add_names(b, names);
		zoo_Animal_add_scores(b, sc);
		zoo_Animal_add_path(b, pa);
		zoo_Animal_add_empty_d(b, ed);
		zoo_Animal_add_home(b, zoo_Home_Cage, home);
		zoo_Animal_add_note(b, note);
		zoo_Animal_add_big(b, 42);
		zoo_Animal_add_small(b, -7);
		zoo_Animal_add_inf_d(b, -0.5);
		zoo_Animal_add_payload(b, payload);
		zoo_Animal_add_friend(b, pal);
		zoo_Animal_add_kinds(b, ki);
		zoo_Animal_add_flag(b, true);
		r = zoo_Animal_end(b);
	}
	rc = size_prefixed ? zoo_Animal_finish_size_prefixed(b, r, out) : zoo_Animal_finish(b, r, out);
out:
	free(b);
	return rc;
}

int zoo_build_create(void *buf, size_t cap, bool size_prefixed, sluice_fb_msg *out)
{
	sluice_fb_builder *b = malloc(sizeof(*b));
	uint8_t nested[256];
	sluice_fb_builder nb;
	sluice_fb_msg nm;
	sluice_fb_ref tags[2], strs[2], r, name, pal, home, note, payload;
	zoo_Vec3 path[2] = {{1, 2, 3}, {-4, 5.5f, 6}};
	zoo_Vec3 pos = {0.5f, -1.25f, 3};
	zoo_Aligned al;
	zoo_Grid grid;
	int64_t scores[3] = {1, -2, INT64_C(1) << 40};
	int16_t kinds[2] = {zoo_Kind_Cat, zoo_Kind_Bird};
	int8_t legs = 4;
	int rc;

	if (!b)
		return -1;
	memset(&al, 0, sizeof(al));
	al.a = -3;
	al.v = pos;
	al.d = 2.25;
	memset(&grid, 0, sizeof(grid));
	grid.cells[0] = 1;
	grid.cells[3] = -4;
	grid.tag = 200;
	grid.pts[1] = path[1];

	sluice_fb_builder_init(&nb, nested, sizeof(nested));
	r = sluice_fb_cstring(&nb, "inner");
	r = zoo_Tag_create(&nb, r, 99);
	if ((rc = sluice_fb_finish(&nb, r, NULL, false, &nm)))
		goto out;

	sluice_fb_builder_init(b, buf, cap);
	payload = sluice_fb_vector(b, nested + nm.offset, nm.length, 1, 8);
	strs[0] = sluice_fb_cstring(b, "a");
	tags[0] = zoo_Tag_create(b, strs[0], 1);
	strs[1] = sluice_fb_cstring(b, "b");
	zoo_Tag_start(b);
	zoo_Tag_add_name(b, strs[1]);
	zoo_Tag_add_weight(b, 7); /* the default: not stored */
	tags[1] = zoo_Tag_end(b);
	r = zoo_Animal_create_tags(b, tags, 2);
	strs[0] = sluice_fb_cstring(b, "x");
	strs[1] = sluice_fb_string(b, "yz", 2);
	home = zoo_Cage_create(b, 5, 2.0);
	note = sluice_fb_cstring(b, "hi");
	note = zoo_common_Note_create(b, note, -2);
	name = sluice_fb_cstring(b, "Pal");
	/* every field at its default, the optional and the references absent */
	pal = zoo_Animal_create(b, name, zoo_Kind_Dog, zoo_Color_Red, 3, 2.5f, NULL, true, NULL,
				NULL, NULL, 0, 0, 0, 0, 0, zoo_Home_NONE, 0, 0, UINT64_MAX,
				INT64_MIN, INFINITY, 0, 0, 0, false, 0);
	{
		sluice_fb_ref names = zoo_Animal_create_names(b, strs, 2);
		sluice_fb_ref sc = zoo_Animal_create_scores(b, scores, 3);
		sluice_fb_ref pa = zoo_Animal_create_path(b, path, 2);
		sluice_fb_ref ed = zoo_Animal_create_empty_d(b, NULL, 0);
		sluice_fb_ref ki = zoo_Animal_create_kinds(b, kinds, 2);

		name = sluice_fb_cstring(b, "Rex");
		r = zoo_Animal_create(b, name, zoo_Kind_Bird, zoo_Color_Green | zoo_Color_Blue, 12,
				      31.5f, &legs, false, &pos, &al, &grid, r, names, sc, pa, ed,
				      zoo_Home_Cage, home, note, 42, -7, -0.5, payload, pal, ki, true, 0);
	}
	rc = size_prefixed ? zoo_Animal_finish_size_prefixed(b, r, out) : zoo_Animal_finish(b, r, out);
out:
	free(b);
	return rc;
}

#define CHECK(cond, what)                                                                    \
	do {                                                                                 \
		if (!(cond))                                                                 \
			return what;                                                         \
	} while (0)

const char *zoo_check(const void *msg)
{
	const uint8_t *a = zoo_Animal_as_root(msg), *t, *f, *n;
	zoo_Vec3 v;
	zoo_Aligned al;
	zoo_Grid g;

	CHECK(memcmp(sluice_fb_identifier(msg), "ZOO1", 4) == 0, "identifier");
	CHECK(strcmp(zoo_Animal_name(a), "Rex") == 0 && zoo_Animal_name_len(a) == 3, "name");
	CHECK(zoo_Animal_kind(a) == zoo_Kind_Bird, "kind");
	CHECK(zoo_Animal_colors(a) == (zoo_Color_Green | zoo_Color_Blue), "colors");
	CHECK(zoo_Animal_age(a) == 12, "age");
	CHECK(zoo_Animal_weight(a) == 31.5f, "weight");
	CHECK(zoo_Animal_legs_is_present(a) && zoo_Animal_legs(a) == 4, "legs");
	CHECK(zoo_Animal_alive_is_present(a) && !zoo_Animal_alive(a), "alive");
	v = zoo_Animal_pos(a);
	CHECK(v.x == 0.5f && v.y == -1.25f && v.z == 3, "pos");
	al = zoo_Animal_al(a);
	CHECK(al.a == -3 && al.v.y == -1.25f && al.d == 2.25, "al");
	/* force_align holds in memory: readers get buffers aligned at least as
	 * strongly as the message needs (the builder and the tests see to it) */
	CHECK((uintptr_t)zoo_Animal_al_ptr(a) % 16 == 0, "al alignment");
	g = zoo_Animal_grid(a);
	CHECK(g.cells[0] == 1 && g.cells[1] == 0 && g.cells[3] == -4 && g.tag == 200 &&
		      g.pts[1].y == 5.5f && g.pts[0].x == 0,
	      "grid");
	CHECK(zoo_Animal_tags_len(a) == 2, "tags length");
	t = zoo_Animal_tags_at(a, 0);
	CHECK(strcmp(zoo_Tag_name(t), "a") == 0 && zoo_Tag_weight(t) == 1, "tags[0]");
	t = zoo_Animal_tags_at(a, 1);
	CHECK(strcmp(zoo_Tag_name(t), "b") == 0 && zoo_Tag_weight(t) == 7 &&
		      !zoo_Tag_weight_is_present(t),
	      "tags[1]");
	CHECK(zoo_Animal_tags_at(a, 2) == NULL, "tags[2]");
	CHECK(zoo_Animal_names_len(a) == 2 && strcmp(zoo_Animal_names_at(a, 0), "x") == 0 &&
		      strcmp(zoo_Animal_names_at(a, 1), "yz") == 0 && zoo_Animal_names_at_len(a, 1) == 2,
	      "names");
	CHECK(zoo_Animal_scores_len(a) == 3 && zoo_Animal_scores_at(a, 1) == -2 &&
		      zoo_Animal_scores_at(a, 2) == INT64_C(1) << 40,
	      "scores");
	CHECK(zoo_Animal_path_len(a) == 2 && zoo_Animal_path_at(a, 1).x == -4 &&
		      zoo_Animal_path_at(a, 1).y == 5.5f,
	      "path");
	CHECK(zoo_Animal_empty_d_is_present(a) && zoo_Animal_empty_d_len(a) == 0, "empty_d");
	CHECK(zoo_Animal_home_type(a) == zoo_Home_Cage, "home type");
	t = zoo_Animal_home(a);
	CHECK(zoo_Cage_id(t) == 5 && zoo_Cage_size(t) == 2.0, "home");
	n = zoo_Animal_note(a);
	CHECK(strcmp(zoo_common_Note_text(n), "hi") == 0 && zoo_common_Note_level(n) == -2, "note");
	CHECK(zoo_Animal_big(a) == 42 && zoo_Animal_small(a) == -7, "big/small");
	CHECK(zoo_Animal_inf_d(a) == -0.5, "inf_d");
	t = zoo_Animal_payload_nested_root(a);
	CHECK(t && strcmp(zoo_Tag_name(t), "inner") == 0 && zoo_Tag_weight(t) == 99, "payload");
	f = zoo_Animal_friend(a);
	CHECK(f && strcmp(zoo_Animal_name(f), "Pal") == 0, "friend name");
	CHECK(!zoo_Animal_legs_is_present(f) && zoo_Animal_legs(f) == 0, "friend legs");
	CHECK(zoo_Animal_kind(f) == zoo_Kind_Dog && zoo_Animal_age(f) == 3 &&
		      zoo_Animal_weight(f) == 2.5f && zoo_Animal_alive(f) &&
		      zoo_Animal_colors(f) == zoo_Color_Red &&
		      zoo_Animal_big(f) == UINT64_MAX && zoo_Animal_small(f) == INT64_MIN &&
		      isinf(zoo_Animal_inf_d(f)) && zoo_Animal_home_type(f) == zoo_Home_NONE &&
		      zoo_Animal_friend(f) == NULL && zoo_Animal_tags_len(f) == 0,
	      "friend defaults");
	CHECK(zoo_Animal_kinds_len(a) == 2 && zoo_Animal_kinds_at(a, 0) == zoo_Kind_Cat &&
		      zoo_Animal_kinds_at(a, 1) == zoo_Kind_Bird,
	      "kinds");
	CHECK(zoo_Animal_flag(a), "flag");
	return NULL;
}
