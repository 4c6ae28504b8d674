# datafn-go: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
GO ?= go
export GOFLAGS := -buildvcs=false

NATIVE_PKGS := ./...
# Packages whose tests also run in headless Chromium under GOOS=js GOARCH=wasm
# (pure Go ones, and jsbridge/, idb/, wasm/ which only build there). Leave out
# tests that need files or a native server unless scripts/wasm-exec starts it.
WASM_PKGS := ./value/ ./schema/ ./dfql/ ./jsbridge/ ./idb/ ./wasm/
WASM_TESTFLAGS ?= -count=1
# The go test -exec runner, built natively from the pinned tools/ module.
WASMBROWSERTEST := .bin/wasmbrowsertest

.PHONY: all check test test-native test-wasm test-e2e build build-wasm npm-build run bench bench-profile clean soak fuzz

all: build

## check: gofmt, go vet (native and GOOS=js GOARCH=wasm)
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

## test: check, then every test
test: check test-native test-wasm test-e2e

test-native:
	$(GO) test -race -count=1 -timeout 10m $(NATIVE_PKGS)

## test-wasm: the WASM_PKGS tests in headless Chromium (installs Chromium as root)
# scripts/wasm-exec starts this server for the test pages (wasm/ tests the
# browser client against it; the other packages ignore it).
test-wasm: export DATAFN_TEST_SERVER_CMD = $(CURDIR)/bin/datafn-server --schema $(CURDIR)/wasm/testdata/schema.json \
	--db sqlite:$$DATAFN_TEST_SERVER_TMP/db --addr 127.0.0.1:0 --cors-origin '*'
test-wasm: $(WASMBROWSERTEST) build
	@scripts/ensure-chromium
	GOOS=js GOARCH=wasm $(GO) test -exec=$(CURDIR)/scripts/wasm-exec -timeout 5m $(WASM_TESTFLAGS) $(WASM_PKGS)

# Built for the host even when GOOS/GOARCH are set, and never with -trimpath:
# the runner finds wasm_exec.js through the GOROOT recorded at build time.
# Rebuilt when the pins or the Go toolchain change.
$(WASMBROWSERTEST): tools/go.mod tools/go.sum $(wildcard $(shell $(GO) env GOROOT)/VERSION)
	@mkdir -p $(@D)
	cd tools && env -u GOOS -u GOARCH GOFLAGS=-buildvcs=false $(GO) build -o $(CURDIR)/$@ github.com/agnivade/wasmbrowsertest

build: build-wasm npm-build
	@mkdir -p bin
	@if [ -d cmd/datafn-server ]; then $(GO) build -o bin/datafn-server ./cmd/datafn-server; fi

## build-wasm: npm/dist/datafn.wasm and the wasm_exec.js of the same Go toolchain
build-wasm:
	@mkdir -p npm/dist
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o npm/dist/datafn.wasm ./wasm/
	@goroot=$$($(GO) env GOROOT); \
	  if [ -f "$$goroot/lib/wasm/wasm_exec.js" ]; then cp "$$goroot/lib/wasm/wasm_exec.js" npm/dist/; \
	  else cp "$$goroot/misc/wasm/wasm_exec.js" npm/dist/; fi
	@echo "npm/dist/datafn.wasm: $$(stat -c %s npm/dist/datafn.wasm) bytes, $$(gzip -9c npm/dist/datafn.wasm | wc -c) gzipped"

run: build
	@mkdir -p data web/vendor/datafn
	cp npm/dist/* web/vendor/datafn/
	./bin/datafn-server --schema web/schema.json --db sqlite:data/datafn.db --addr 127.0.0.1:8080 --static web

## npm-build: npm/dist gets index.js and index.d.ts (datafn.wasm and wasm_exec.js
## come from the wasm build); the demo in web/ loads its copy from web/vendor/datafn.
npm-build:
	@mkdir -p npm/dist web/vendor/datafn
	cp npm/src/index.js npm/src/index.d.ts npm/dist/
	cp npm/dist/* web/vendor/datafn/

## test-e2e: npm package, demo and sync tests in headless Chromium against bin/datafn-server
test-e2e: build
	@command -v node >/dev/null || { echo "test-e2e: node is missing; install it with: apt-get install -y nodejs npm" >&2; exit 1; }
	@scripts/ensure-chromium
	@if [ ! -d e2e/node_modules ]; then cd e2e && npm ci --no-audit --no-fund; fi
	cd e2e && node --test --test-concurrency=1

## fuzz: every fuzz target in turn for FUZZTIME each (their seed corpora are in testdata/fuzz/)
FUZZTIME ?= 30s
fuzz:
	@set -e; for f in $$(git ls-files '*_test.go' | xargs grep -l '^func Fuzz'); do \
	  for n in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "== ./$$(dirname $$f) $$n"; $(GO) test -run '^$$' -fuzz "^$$n\$$" -fuzztime $(FUZZTIME) ./$$(dirname $$f); \
	  done; done

## soak: the long reliability runs (more SIGKILLs and seeds, server read timeouts)
soak:
	DATAFN_SOAK=1 $(GO) test -race -count=1 -timeout 30m -v ./reliability/

## bench: the benchmark suite (bench/run.mjs): one table, bench/results/latest.json.
# playwright-core comes from e2e/node_modules (installed from e2e's lock).
bench: build
	@command -v node >/dev/null || { echo "bench: node is missing; install it with: apt-get install -y nodejs npm" >&2; exit 1; }
	@scripts/ensure-chromium
	@if [ ! -d e2e/node_modules ]; then cd e2e && npm ci --no-audit --no-fund; fi
	node bench/run.mjs

## bench-profile: the browser benchmarks with CPU profiles of each engine measurement
## (wasm with function names) in bench/results/profiles/<bench>.{cpuprofile,txt}
bench-profile: export BENCH_PROFILE = 1
bench-profile: bench

clean:
	rm -rf bin npm/dist .bin
