/* compress.c - chunk compression for MCAP: zstd and lz4's frame format
 * (what the MCAP spec names "zstd" and "lz4"). */
#include <errno.h>
#include <inttypes.h>
#include <lz4frame.h>
#include <string.h>
#include <zstd.h>

#include "common/detail.h"
#include "record/mcap.h"

int mcap_compression(const char *name, size_t len)
{
	if (len == 0)
		return MCAP_NONE;
	if (len == 4 && !memcmp(name, "zstd", 4))
		return MCAP_ZSTD;
	if (len == 3 && !memcmp(name, "lz4", 3))
		return MCAP_LZ4;
	return -1;
}

int mcap_compress(int kind, void **zctx, const void *src, size_t n, struct mbuf *dst)
{
	size_t bound, got;

	dst->len = 0;
	if (kind == MCAP_ZSTD) {
		/* one context for every chunk: a new one per chunk costs its
		 * allocation and set-up each time */
		if (!*zctx && !(*zctx = ZSTD_createCCtx()))
			return -ENOMEM;
		bound = ZSTD_compressBound(n);
		if (mbuf_reserve(dst, bound))
			return -ENOMEM;
		got = ZSTD_compressCCtx(*zctx, dst->p, bound, src, n, MCAP_ZSTD_LEVEL);
		if (ZSTD_isError(got))
			return sluice__fail(-EIO, "zstd: %s", ZSTD_getErrorName(got));
	} else {
		LZ4F_preferences_t prefs;
		memset(&prefs, 0, sizeof(prefs));
		prefs.frameInfo.contentSize = n;
		bound = LZ4F_compressFrameBound(n, &prefs);
		if (mbuf_reserve(dst, bound))
			return -ENOMEM;
		got = LZ4F_compressFrame(dst->p, bound, src, n, &prefs);
		if (LZ4F_isError(got))
			return sluice__fail(-EIO, "lz4: %s", LZ4F_getErrorName(got));
	}
	dst->len = got;
	return 0;
}

void mcap_compress_free(void *zctx)
{
	ZSTD_freeCCtx(zctx);
}

int mcap_decompress(int kind, const void *src, size_t n, void *dst, size_t want, uint64_t at)
{
	if (kind == MCAP_ZSTD) {
		size_t got = ZSTD_decompress(dst, want, src, n);
		if (ZSTD_isError(got) || got != want)
			return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 ": zstd: %s", at,
					    ZSTD_isError(got) ? ZSTD_getErrorName(got)
							      : "fewer bytes than it says");
		return 0;
	}
	LZ4F_dctx *ctx;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
		return -ENOMEM;
	size_t out = want, in = n;
	size_t hint = LZ4F_decompress(ctx, dst, &out, src, &in, NULL);
	LZ4F_freeDecompressionContext(ctx);
	if (LZ4F_isError(hint) || hint != 0 || out != want || in != n)
		return sluice__fail(-EBADMSG, "Chunk at offset %" PRIu64 ": lz4: %s", at,
				    LZ4F_isError(hint) ? LZ4F_getErrorName(hint)
						       : "frame size differs from what it says");
	return 0;
}
