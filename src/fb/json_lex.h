/* json_lex.h - the part of reading JSON that the runtime parser
 * (src/fb/json_parse.c) and sluicec -b (tools/sluicec/json_parse.c) share:
 * a position with its line and column, and skipping white space and
 * comments (flatc accepts // and block comments in its JSON). */
#ifndef SLUICE_FB_JSON_LEX_H
#define SLUICE_FB_JSON_LEX_H

#include <stddef.h>

struct sluice__jlex {
	const char *src;
	size_t len, pos;
	int line, col; /* of pos, from 1 */
};

static inline void sluice__jlex_init(struct sluice__jlex *x, const char *src, size_t len)
{
	x->src = src;
	x->len = len;
	x->pos = 0;
	x->line = x->col = 1;
}

/* The character at the position, or -1 at the end. */
static inline int sluice__jlex_peek(const struct sluice__jlex *x)
{
	return x->pos < x->len ? (unsigned char)x->src[x->pos] : -1;
}

static inline void sluice__jlex_adv(struct sluice__jlex *x)
{
	if (x->pos >= x->len)
		return;
	if (x->src[x->pos] == '\n') {
		x->line++;
		x->col = 1;
	} else {
		x->col++;
	}
	x->pos++;
}

static inline int sluice__jlex_next_is(const struct sluice__jlex *x, char c)
{
	return x->pos + 1 < x->len && x->src[x->pos + 1] == c;
}

/* Skips white space and comments: 0, or -1 at an unterminated comment
 * (the position is then at the end). */
static inline int sluice__jlex_ws(struct sluice__jlex *x)
{
	for (;;) {
		int c = sluice__jlex_peek(x);

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			sluice__jlex_adv(x);
		} else if (c == '/' && sluice__jlex_next_is(x, '/')) {
			while (sluice__jlex_peek(x) != -1 && sluice__jlex_peek(x) != '\n')
				sluice__jlex_adv(x);
		} else if (c == '/' && sluice__jlex_next_is(x, '*')) {
			sluice__jlex_adv(x);
			sluice__jlex_adv(x);
			while (sluice__jlex_peek(x) != -1 &&
			       !(sluice__jlex_peek(x) == '*' && sluice__jlex_next_is(x, '/')))
				sluice__jlex_adv(x);
			if (sluice__jlex_peek(x) == -1)
				return -1;
			sluice__jlex_adv(x);
			sluice__jlex_adv(x);
		} else {
			return 0;
		}
	}
}

#endif
