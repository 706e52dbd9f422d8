/* lex.c - see lex.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lex.h"

void lex_init(struct lexer *lx, const char *file, const char *src, size_t len, jmp_buf *fail,
	      char *err, size_t errlen)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = len;
	lx->at.file = file;
	lx->at.line = 1;
	lx->at.col = 1;
	lx->fail = fail;
	lx->err = err;
	lx->errlen = errlen;
}

_Noreturn void lex_error(struct lexer *lx, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(lx->err, lx->errlen, "%s:%d:%d: error: ", loc->file, loc->line, loc->col);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < lx->errlen)
		vsnprintf(lx->err + n, lx->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	longjmp(*lx->fail, 1);
}

static int peek(const struct lexer *lx, size_t k)
{
	return lx->pos + k < lx->len ? (unsigned char)lx->src[lx->pos + k] : -1;
}

static void advance(struct lexer *lx)
{
	if (lx->pos >= lx->len)
		return;
	if (lx->src[lx->pos] == '\n') {
		lx->at.line++;
		lx->at.col = 1;
	} else {
		lx->at.col++;
	}
	lx->pos++;
}

/* Skips blanks and comments, gathering /// documentation. */
static void skip(struct lexer *lx)
{
	lx->doc = NULL;
	for (;;) {
		int c = peek(lx, 0);

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			advance(lx);
		} else if (c == '/' && peek(lx, 1) == '/') {
			size_t start = lx->pos;
			bool doc = peek(lx, 2) == '/';

			if (doc) {
				/* flatc: "///" only on a line of its own */
				size_t k = start;

				while (k > 0 && (lx->src[k - 1] == ' ' || lx->src[k - 1] == '\t' ||
						 lx->src[k - 1] == '\r'))
					k--;
				if (k > 0 && lx->src[k - 1] != '\n')
					lex_error(lx, &lx->at,
						  "a documentation comment should be on a line on its own");
			}
			while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
				advance(lx);
			if (doc)
				lx->doc = sc_strndup(lx->src + start + 3, lx->pos - start - 3);
		} else if (c == '/' && peek(lx, 1) == '*') {
			struct loc l = lx->at;

			advance(lx);
			advance(lx);
			while (!(peek(lx, 0) == '*' && peek(lx, 1) == '/')) {
				if (peek(lx, 0) == -1)
					lex_error(lx, &l, "unterminated comment");
				advance(lx);
			}
			advance(lx);
			advance(lx);
		} else if (c == 0) {
			lex_error(lx, &lx->at, "NUL character in schema");
		} else {
			return;
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string in double or single quotes, as flatc reads both; it ends at
 * the quote it began with. */
static void string(struct lexer *lx)
{
	size_t cap = 16, n = 0;
	char *buf = sc_alloc(cap);
	int quote = peek(lx, 0);

	advance(lx); /* opening quote */
	for (;;) {
		int c = peek(lx, 0);

		if (c == -1 || c == '\n')
			lex_error(lx, &lx->loc, "unterminated string");
		advance(lx);
		if (c == quote)
			break;
		if (c == '\\') {
			int e = peek(lx, 0);

			advance(lx);
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '0': c = 0; break;
			case '"': case '\\': case '/': case '\'': c = e; break;
			case 'x': {
				int h = hexval(peek(lx, 0)), l;

				if (h < 0)
					lex_error(lx, &lx->at, "bad \\x escape");
				advance(lx);
				l = hexval(peek(lx, 0));
				if (l < 0)
					lex_error(lx, &lx->at, "bad \\x escape");
				advance(lx);
				c = h * 16 + l;
				break;
			}
			default:
				lex_error(lx, &lx->at, "unknown escape in string");
			}
		}
		if (n + 2 > cap)
			buf = sc_grow(buf, &cap, n + 2, 1);
		buf[n++] = (char)c;
	}
	buf[n] = 0;
	lx->text = buf;
	lx->tok = TK_STRING;
}

static void number(struct lexer *lx)
{
	size_t start = lx->pos;
	bool flt = false;

	if (peek(lx, 0) == '-' || peek(lx, 0) == '+')
		advance(lx);
	if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X')) {
		advance(lx);
		advance(lx);
		while (isxdigit(peek(lx, 0)))
			advance(lx);
		/* a hex float, 0x1.8p3, as flatc (and strtod) read it */
		if (peek(lx, 0) == '.') {
			flt = true;
			advance(lx);
			while (isxdigit(peek(lx, 0)))
				advance(lx);
		}
		if (peek(lx, 0) == 'p' || peek(lx, 0) == 'P') {
			flt = true;
			advance(lx);
			if (peek(lx, 0) == '-' || peek(lx, 0) == '+')
				advance(lx);
			if (!isdigit(peek(lx, 0)))
				lex_error(lx, &lx->at, "malformed number");
			while (isdigit(peek(lx, 0)))
				advance(lx);
		}
	} else {
		while (isdigit(peek(lx, 0)))
			advance(lx);
		if (peek(lx, 0) == '.') {
			flt = true;
			advance(lx);
			while (isdigit(peek(lx, 0)))
				advance(lx);
		}
		if (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') {
			flt = true;
			advance(lx);
			if (peek(lx, 0) == '-' || peek(lx, 0) == '+')
				advance(lx);
			if (!isdigit(peek(lx, 0)))
				lex_error(lx, &lx->at, "malformed number");
			while (isdigit(peek(lx, 0)))
				advance(lx);
		}
	}
	if (isalnum(peek(lx, 0)) || peek(lx, 0) == '_')
		lex_error(lx, &lx->loc, "malformed number");
	lx->text = sc_strndup(lx->src + start, lx->pos - start);
	lx->tok = flt ? TK_FLOAT : TK_INT;
}

void lex_next(struct lexer *lx)
{
	int c;

	skip(lx);
	lx->loc = lx->at;
	c = peek(lx, 0);
	lx->text = NULL;
	if (c == -1) {
		lx->tok = TK_EOF;
	} else if (isalpha(c) || c == '_') {
		size_t start = lx->pos;

		while (isalnum(peek(lx, 0)) || peek(lx, 0) == '_')
			advance(lx);
		lx->text = sc_strndup(lx->src + start, lx->pos - start);
		lx->tok = TK_IDENT;
	} else if (isdigit(c) || ((c == '-' || c == '+') && (isdigit(peek(lx, 1)) || peek(lx, 1) == '.')) ||
		   (c == '.' && isdigit(peek(lx, 1)))) {
		number(lx);
	} else if (c == '"' || c == '\'') {
		string(lx);
	} else if (strchr("{}()[];:,=.", c)) {
		advance(lx);
		lx->tok = TK_PUNCT;
		lx->punct = (char)c;
	} else if (c == '-' || c == '+') {
		/* a sign before inf/nan */
		advance(lx);
		lx->tok = TK_PUNCT;
		lx->punct = (char)c;
	} else {
		lex_error(lx, &lx->at, "unexpected character '%c'", isprint(c) ? c : '?');
	}
}
