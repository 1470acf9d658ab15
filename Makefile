# Thin wrapper: the real build is CMake (CMakePresets.json); these targets are the two commands
# of the README plus the pieces they are made of. Every target is safe to run again.
BUILD_DIR ?= build
PKI_DIR   ?= $(BUILD_DIR)/pki
JOBS      ?= $(shell nproc)

.PHONY: all deps configure build pki test test-fast demo bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset default -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

pki: build
	@test -f $(PKI_DIR)/ca.pem || certs/dev-pki.sh $(PKI_DIR)

test: pki
	@scripts/run-tests.sh $(BUILD_DIR)

demo: pki
	@scripts/demo.sh $(BUILD_DIR)

bench: pki
	@tests/bench/run.sh $(BUILD_DIR)

# Every fuzz target for FUZZ_SECONDS (default 600) each; see docs/testing.md.
fuzz: deps
	@scripts/fuzz.sh

clean:
	rm -rf $(BUILD_DIR)
