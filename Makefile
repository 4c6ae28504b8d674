# datafn-go: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
GO ?= go
export GOFLAGS := -buildvcs=false

NATIVE_PKGS := ./...

.PHONY: all check test test-native build run bench clean

all: build

## check: gofmt, go vet (native and GOOS=js GOARCH=wasm)
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

## test: check, then every test
test: check test-native

test-native:
	$(GO) test -race -count=1 -timeout 10m $(NATIVE_PKGS)

build:
	@mkdir -p bin
	@if [ -d cmd/datafn-server ]; then $(GO) build -o bin/datafn-server ./cmd/datafn-server; fi

run: build
	@mkdir -p data
	./bin/datafn-server --schema web/schema.json --db sqlite:data/datafn.db --addr 127.0.0.1:8080 --static web

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(NATIVE_PKGS)

clean:
	rm -rf bin npm/dist
