# The README's two commands are `make run` and `make test`; everything else is a convenience.
PRESET ?= release
JOBS   ?= $(shell nproc)
BUILD   = build/$(PRESET)

.PHONY: setup configure build run test asan tsan bench clean vigil-model

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: vigil on its bundled configuration (SQLite under ./var/), with demo traffic appended to
# the log it tails; the dashboard is at http://127.0.0.1:8080/ui. Ctrl-C stops it gracefully.
run: build
	$(BUILD)/apps/vigil/vigil serve --set demo.enabled=true --set models.root=apps/vigil/models

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 300

# Sanitizer builds: the whole suite under ASan+UBSan, and under TSan.
asan:
	@$(MAKE) --no-print-directory test PRESET=asan
tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

bench: PRESET = release
bench: build
	@bash bench/run-core

# The bundled threat model (apps/vigil/models/threat/1), regenerated reproducibly from fixed seeds.
vigil-model: configure
	@BUILD=$(CURDIR)/$(BUILD) bash apps/vigil/models/regenerate

clean:
	rm -rf build
