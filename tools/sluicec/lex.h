/* lex.h - the .fbs tokenizer: identifiers, numbers, strings, punctuation,
 * with the line and column of each token for error messages. */
#ifndef SLUICEC_LEX_H
#define SLUICEC_LEX_H

#include <setjmp.h>
#include <stddef.h>

#include "schema.h"

enum tok { TK_EOF, TK_IDENT, TK_INT, TK_FLOAT, TK_STRING, TK_PUNCT };

struct lexer {
	const char *src;
	size_t len, pos;
	struct loc at;       /* position of the next character */
	/* the current token */
	enum tok tok;
	char punct;
	const char *text;    /* identifier, number text or decoded string */
	struct loc loc;
	const char *doc;     /* /// comments before the token */
	/* errors jump here after writing err */
	jmp_buf *fail;
	char *err;
	size_t errlen;
};

void lex_init(struct lexer *lx, const char *file, const char *src, size_t len, jmp_buf *fail,
	      char *err, size_t errlen);
/* Advances to the next token. */
void lex_next(struct lexer *lx);
/* Reports "file:line:col: message" at loc and jumps out. */
_Noreturn void lex_error(struct lexer *lx, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
