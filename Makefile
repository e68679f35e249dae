# The README's two commands are `make run` and `make test`; everything else is a convenience.
PRESET ?= release
JOBS   ?= $(shell nproc)
BUILD   = build/$(PRESET)
# scripts/setup.sh's package profile: run (build vigil and run it), test (+ servers, browsers, tools),
# bench (+ the peers). Each target below asks for the smallest that serves it.
SETUP_PROFILE ?= test

.PHONY: setup configure build run test asan tsan bench clean vigil-model fuzz fuzz-build package

# The libFuzzer targets (tests/fuzz): their own clang build with ASan and UBSan. `make fuzz` runs each
# for FUZZ_SECONDS; `make test` runs each for FUZZ_TEST_SECONDS (0 skips them), so a crash fails CI.
FUZZ_BUILD        = build/fuzz
FUZZ_SECONDS      ?= 600
FUZZ_TEST_SECONDS ?= 15

setup:
	@bash scripts/setup.sh $(SETUP_PROFILE)

configure: setup
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: vigil on its bundled configuration (SQLite under ./var/), with demo traffic appended to
# the log it tails; the dashboard is at http://127.0.0.1:8080/ui. Ctrl-C stops it gracefully. Its own
# light build (preset `run`: -O1, no debug info, no tests or benchmarks) of vigil and what it links only,
# on the `run` package profile; `make test` builds everything in build/release.
run: SETUP_PROFILE = run
run: PRESET = run
run: configure
	@cmake --build $(BUILD) -j $(JOBS) --target vigil
	$(BUILD)/apps/vigil/vigil serve --set demo.enabled=true --set models.root=apps/vigil/models

test: build $(if $(filter-out 0,$(FUZZ_TEST_SECONDS)),fuzz-build)
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 300
ifneq ($(FUZZ_TEST_SECONDS),0)
	@FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) ctest --test-dir $(FUZZ_BUILD) -L fuzz --output-on-failure -j $(JOBS) \
	  --timeout $$(( $(FUZZ_TEST_SECONDS) + 120 ))
endif

fuzz-build: setup
	@cmake --preset fuzz >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir $(FUZZ_BUILD) -L fuzz --output-on-failure -j $(JOBS) \
	  --timeout $$(( $(FUZZ_SECONDS) + 120 ))

# Sanitizer builds: the whole suite under ASan+UBSan, and under TSan.
asan:
	@$(MAKE) --no-print-directory test PRESET=asan FUZZ_TEST_SECONDS=0
tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan FUZZ_TEST_SECONDS=0

bench: PRESET = release
bench: SETUP_PROFILE = bench
bench: build
	@bash bench/run-core

# The bundled threat model (apps/vigil/models/threat/1), regenerated reproducibly from fixed seeds.
vigil-model: configure
	@BUILD=$(CURDIR)/$(BUILD) bash apps/vigil/models/regenerate

# The Debian packages vigil, liblifespan-dev and lifespan-sim (cmake/packaging.cmake) from the release
# build, into build/release/packages/.
package: build
	@cpack -G DEB --config $(BUILD)/CPackConfig.cmake -B $(BUILD)/packages

clean:
	rm -rf build
