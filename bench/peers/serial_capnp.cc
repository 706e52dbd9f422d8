// serial_capnp.cc - Cap'n Proto (libcapnp-dev, capnp) rows of
// `sluice-bench serial`, on bench/peers/serial_bench.capnp, built into
// sluice-bench when Cap'n Proto is found. Encode: a MallocMessageBuilder
// over a reused zeroed first segment (it re-zeroes what it used when
// destroyed), every field set, then capnp::writeMessage into the buffer
// (the stream format: segment table and segment). Decode: a
// FlatArrayMessageReader over the buffer (read in place, every pointer
// bounds-checked as it is followed), every field read. Exceptions never
// leave this file: a refusal returns 0 / -1.
#include <cstring>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/io.h>

#include "serial_bench.capnp.h"
#include "serial_peers.h"

namespace {

alignas(8) capnp::word scratch[128]; // zero, as MallocMessageBuilder wants it

template <typename Fill> size_t encode(uint8_t *b, size_t cap, Fill fill)
{
	try {
		capnp::MallocMessageBuilder mb(kj::arrayPtr(scratch, sizeof(scratch) / sizeof(scratch[0])));
		fill(mb);
		kj::ArrayOutputStream out(kj::arrayPtr(b, cap));
		capnp::writeMessage(out, mb);
		return out.getArray().size();
	} catch (...) {
		return 0;
	}
}

kj::ArrayPtr<const capnp::word> words(const uint8_t *b, size_t len)
{
	return kj::arrayPtr(reinterpret_cast<const capnp::word *>(b), len / sizeof(capnp::word));
}

int copy_text(char *dst, size_t cap, capnp::Text::Reader t)
{
	if (t.size() >= cap)
		return -1;
	std::memcpy(dst, t.cStr(), t.size());
	dst[t.size()] = 0;
	return 0;
}

} // namespace

extern "C" size_t serial_capnp_enc32(uint8_t *b, size_t cap)
{
	return encode(b, cap, [](capnp::MessageBuilder &mb) {
		auto m = mb.initRoot<benchmsg::Msg>();
		m.setTs(m32.ts);
		m.setX(m32.x);
		m.setY(m32.y);
		m.setZ(m32.z);
	});
}

extern "C" int serial_capnp_dec32(const uint8_t *b, size_t len, struct msg32 *out)
{
	if ((uintptr_t)b % alignof(capnp::word) || len % sizeof(capnp::word))
		return -1;
	try {
		capnp::FlatArrayMessageReader r(words(b, len));
		auto m = r.getRoot<benchmsg::Msg>();
		out->ts = m.getTs();
		out->x = m.getX();
		out->y = m.getY();
		out->z = m.getZ();
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" size_t serial_capnp_encr(uint8_t *b, size_t cap)
{
	return encode(b, cap, [](capnp::MessageBuilder &mb) {
		auto r = mb.initRoot<benchmsg::Rich>();
		r.setTs(rich_ref.ts);
		r.setSeq(rich_ref.seq);
		r.setName(rich_ref.name);
		r.setFrame(rich_ref.frame);
		auto s = r.initSamples(RICH_N);
		for (unsigned i = 0; i < RICH_N; i++)
			s.set(i, rich_ref.samples[i]);
		auto p = r.initPose();
		p.setX(rich_ref.px);
		p.setY(rich_ref.py);
		p.setZ(rich_ref.pz);
	});
}

extern "C" int serial_capnp_decr(const uint8_t *b, size_t len, struct rich *out)
{
	if ((uintptr_t)b % alignof(capnp::word) || len % sizeof(capnp::word))
		return -1;
	try {
		capnp::FlatArrayMessageReader rd(words(b, len));
		auto r = rd.getRoot<benchmsg::Rich>();
		out->ts = r.getTs();
		out->seq = r.getSeq();
		if (!r.hasName() || !r.hasFrame() || !r.hasPose() ||
		    copy_text(out->name, sizeof(out->name), r.getName()) ||
		    copy_text(out->frame, sizeof(out->frame), r.getFrame()))
			return -1;
		auto s = r.getSamples();
		if (s.size() != RICH_N)
			return -1;
		for (unsigned i = 0; i < RICH_N; i++)
			out->samples[i] = s[i];
		auto p = r.getPose();
		out->px = p.getX();
		out->py = p.getY();
		out->pz = p.getZ();
		return 0;
	} catch (...) {
		return -1;
	}
}
