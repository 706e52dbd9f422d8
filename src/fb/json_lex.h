/* json_lex.h - the lexical part of reading JSON for the runtime parser
 * (src/fb/json_parse.c, which sluicec -b uses too): a position with its line
 * and column, skipping white space and comments (flatc accepts // and block
 * comments in its JSON), and the one string decoder, which decodes as
 * flatc 2.0.8 does. */
#ifndef SLUICE_FB_JSON_LEX_H
#define SLUICE_FB_JSON_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

static inline int sluice__jlex_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits at the position into *v; false (position at the bad one)
 * when there are fewer. */
static inline bool sluice__jlex_hexn(struct sluice__jlex *x, int n, unsigned *v)
{
	*v = 0;
	while (n--) {
		int h = sluice__jlex_hex(sluice__jlex_peek(x));

		if (h < 0)
			return false;
		*v = *v * 16 + (unsigned)h;
		sluice__jlex_adv(x);
	}
	return true;
}

static inline size_t sluice__jlex_put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Whether s[0..n) is UTF-8 as RFC 3629 has it: shortest forms, no
 * surrogates, nothing past U+10FFFF. */
static inline bool sluice__jlex_utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], lo = 0x80, hi = 0xbf;
		size_t k, more;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else
			return false;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
		else if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
		if (n - i <= more)
			return false;
		for (k = 1; k <= more; k++) {
			unsigned b = s[i + k];

			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
				return false;
		}
		i += more + 1;
	}
	return true;
}

/* Decodes the string whose opening quote is at the position into
 * out[0..*n), as flatc 2.0.8 reads JSON: the JSON escapes; \xNN (exactly
 * two hex digits) as that byte; \uXXXX as UTF-8, a surrogate pair as the
 * one code point it makes, a lone surrogate refused; and the result must be
 * valid UTF-8. The decoded text is never longer than the source, so
 * out has room for the rest of the input, or for cap bytes. 0; -1 with
 * *why set and the position where the error was found; -2 when cap is
 * too small. */
static inline int sluice__jlex_string(struct sluice__jlex *x, char *out, size_t cap, size_t *n,
				      const char **why)
{
	size_t k = 0;
	unsigned hi = 0; /* a high surrogate waiting for its low half */

	sluice__jlex_adv(x); /* the quote */
	for (;;) {
		int c = sluice__jlex_peek(x);
		unsigned v;

		if (c == -1) {
			*why = "unterminated string";
			return -1;
		}
		if (hi && c != '\\') {
			*why = "illegal Unicode sequence (unpaired high surrogate)";
			return -1;
		}
		sluice__jlex_adv(x);
		if (c == '"')
			break;
		if (k + 4 > cap)
			return -2;
		if (c != '\\') {
			out[k++] = (char)c;
			continue;
		}
		c = sluice__jlex_peek(x);
		sluice__jlex_adv(x);
		if (hi && c != 'u') {
			*why = "illegal Unicode sequence (unpaired high surrogate)";
			return -1;
		}
		switch (c) {
		case 'n': out[k++] = '\n'; break;
		case 't': out[k++] = '\t'; break;
		case 'r': out[k++] = '\r'; break;
		case 'b': out[k++] = '\b'; break;
		case 'f': out[k++] = '\f'; break;
		case '"': case '\\': case '/': out[k++] = (char)c; break;
		case 'x':
			if (!sluice__jlex_hexn(x, 2, &v)) {
				*why = "escape code must be followed by 2 hex digits";
				return -1;
			}
			out[k++] = (char)v;
			break;
		case 'u':
			if (!sluice__jlex_hexn(x, 4, &v)) {
				*why = "escape code must be followed by 4 hex digits";
				return -1;
			}
			if (v >= 0xd800 && v <= 0xdbff) {
				if (hi) {
					*why = "illegal Unicode sequence (multiple high surrogates)";
					return -1;
				}
				hi = v;
			} else if (v >= 0xdc00 && v <= 0xdfff) {
				if (!hi) {
					*why = "illegal Unicode sequence (unpaired low surrogate)";
					return -1;
				}
				k += sluice__jlex_put_utf8(out + k,
							   0x10000 + ((hi - 0xd800) << 10) + (v - 0xdc00));
				hi = 0;
			} else {
				if (hi) {
					*why = "illegal Unicode sequence (unpaired high surrogate)";
					return -1;
				}
				k += sluice__jlex_put_utf8(out + k, v);
			}
			break;
		default:
			*why = "unknown escape code in string constant";
			return -1;
		}
	}
	if (!sluice__jlex_utf8_ok((const unsigned char *)out, k)) {
		*why = "illegal UTF-8 sequence";
		return -1;
	}
	*n = k;
	return 0;
}

#endif
