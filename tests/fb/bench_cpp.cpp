// bench_cpp.cpp - sluice-serial-cpp: the C++ flatbuffers (Debian
// libflatbuffers-dev) peer of `sluice-bench serial`, which runs it when it
// sits beside sluice-bench. The same messages and the same measurement as
// bench/serial.c: median of R runs of N builds (encode) and N
// verify-then-read-every-field (decode). Prints "message encode_ns
// decode_ns bytes" lines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "benchmsg_generated.h"

static volatile double sink;

int main(int argc, char **argv)
{
	long iters = 200000;
	int reps = 7;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!std::strcmp(argv[i], "--iters"))
			iters = std::atol(argv[i + 1]);
		else if (!std::strcmp(argv[i], "--reps"))
			reps = std::atoi(argv[i + 1]);
	}
	if (iters < 1)
		iters = 1;
	if (reps < 1)
		reps = 1;
	flatbuffers::FlatBufferBuilder fbb(1024);
	float samples[16];
	for (int i = 0; i < 16; i++)
		samples[i] = float(i) * 0.5f;
	for (int which = 0; which < 2; which++) {
		std::vector<double> enc, dec;
		for (int r = 0; r < reps; r++) {
			double acc = 0;
			auto t0 = std::chrono::steady_clock::now();
			for (long i = 0; i < iters; i++) {
				fbb.Clear();
				if (!which) {
					fbb.Finish(benchmsg::CreateMsg(fbb, 1700000000123456789ull, 1.5, -2.25, 3.125));
				} else {
					auto n = fbb.CreateString("front-left-camera");
					auto f = fbb.CreateString("base_link");
					auto s = fbb.CreateVector(samples, 16);
					auto p = benchmsg::CreateP(fbb, 10.0, -3.5, 0.25);
					fbb.Finish(benchmsg::CreateRich(fbb, 1700000000123456789ull, 42, n, f, s, p));
				}
				acc += fbb.GetSize();
			}
			auto t1 = std::chrono::steady_clock::now();
			const uint8_t *b = fbb.GetBufferPointer();
			size_t len = fbb.GetSize();
			for (long i = 0; i < iters; i++) {
				flatbuffers::Verifier v(b, len);
				if (!which) {
					if (!v.VerifyBuffer<benchmsg::Msg>(nullptr))
						return 1;
					auto m = flatbuffers::GetRoot<benchmsg::Msg>(b);
					acc += double(m->ts()) + m->x() + m->y() + m->z();
				} else {
					if (!v.VerifyBuffer<benchmsg::Rich>(nullptr))
						return 1;
					auto m = flatbuffers::GetRoot<benchmsg::Rich>(b);
					acc += double(m->ts()) + m->seq() + m->name()->size() + m->frame()->size();
					for (auto x : *m->samples())
						acc += x;
					acc += m->pose()->x() + m->pose()->y() + m->pose()->z();
				}
			}
			auto t2 = std::chrono::steady_clock::now();
			sink = acc;
			enc.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / double(iters));
			dec.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count() / double(iters));
		}
		std::sort(enc.begin(), enc.end());
		std::sort(dec.begin(), dec.end());
		std::printf("%s %.1f %.1f %u\n", which ? "rich" : "msg32", enc[enc.size() / 2],
			    dec[dec.size() / 2], unsigned(fbb.GetSize()));
	}
	return 0;
}
