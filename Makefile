# The commands a newcomer needs (README.md):
#   make demo    the main job
#   make check   the whole test suite: normal, ASan+UBSan and TSan builds
#   make bench   sluice-bench with every peer installed
#   make fuzz    the fuzz targets, FUZZ_SECONDS each (default 60)
#   make chaos   the chaos test for CHAOS_SECONDS (default 180; CHAOS_SEED=N replays)
#   make package the Debian packages (CPack), in build-package/
# Each first installs any missing Debian package (deps/debian-packages.txt).

JOBS   ?= $(shell nproc)
CMAKE  ?= cmake
# Extra flags for ctest, e.g. make check CTEST_ARGS='-R ring'
CTEST_ARGS ?=

.PHONY: all build deps demo check bench fuzz chaos package format clean

all: build

deps:
	@sh scripts/deps.sh build

build: deps
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@echo "building into build/ (log: build.log)"
	@$(CMAKE) --build build -j $(JOBS) >build.log 2>&1 || { tail -n 40 build.log; exit 1; }

demo: build
	@sh scripts/demo.sh build/bin


check: deps
	@sh scripts/deps.sh build check
	@sh scripts/check.sh $(JOBS) "$(CTEST_ARGS)"

# The ipc table also goes to bench-out/: ipc.txt, ipc.json, ipc.csv and the
# gnuplot ipc.png / ipc.svg (SLUICE_BENCH_OUT; see docs/benchmarks.md).
bench: build
	@sh scripts/deps.sh bench
	@$(CMAKE) -S . -B build >/dev/null && $(CMAKE) --build build -j $(JOBS)
	@mkdir -p bench-out
	@SLUICE_BENCH_OUT=bench-out build/bin/sluice-bench all

# The libFuzzer targets for as long as asked: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 60
fuzz: deps
	@sh scripts/deps.sh build check
	@sh scripts/fuzz.sh $(FUZZ_SECONDS)

# Random SIGKILL/SIGSTOP of the running demo pipeline, invariants checked
# (tests/runtime/test_chaos.sh; make check runs a 30-second one)
CHAOS_SECONDS ?= 180
chaos: build
	@$(CMAKE) --build build --target chaos_sub >/dev/null
	@sh scripts/chaos.sh $(CHAOS_SECONDS)

# Debian packages: libsluice0, libsluice-dev, sluice-tools, sluice-bench
# (cmake/SluicePackage.cmake says why split so) from a Release build for
# prefix /usr in build-package/; lintian them with `lintian build-package/*.deb`.
CPACK ?= cpack
package: deps
	@sh scripts/deps.sh build package
	@$(CMAKE) -S . -B build-package -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
	@echo "building into build-package/ (log: build-package.log)"
	@$(CMAKE) --build build-package -j $(JOBS) >build-package.log 2>&1 || { tail -n 40 build-package.log; exit 1; }
	@cd build-package && $(CPACK) -G DEB >>../build-package.log 2>&1 || { tail -n 40 ../build-package.log; exit 1; }
	@ls -l build-package/*.deb

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-plain build-address build-thread build-fuzz build-package
