# tandem: `make run` serves the editor on http://localhost:8080 with embedded
# storage; `make test` runs every test (Go, browser-app unit tests, end-to-end).
GO    ?= go
WEB   := client/web
BIN   := bin/tandem
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/package.json -type f 2>/dev/null)

.PHONY: run build web test test-go test-web e2e bench fuzz fmt vet clean

run: build
	./$(BIN) serve

build: web
	$(GO) build -o $(BIN) ./cmd/tandem

# The browser app is built into client/web/dist, which the binary embeds.
web: $(WEB)/dist/index.html

$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund

$(WEB)/dist/index.html: $(WEB)/node_modules/.package-lock.json $(WEB_SOURCES)
	cd $(WEB) && npm run build

test: test-go test-web e2e

# Integration tests skip when PostgreSQL or Redis is unreachable (unless
# REQUIRE_SERVICES=1); the skip is printed once at the end. The concurrent
# core runs a second time under the race detector.
SKIP_LOG := $(CURDIR)/bin/test-skips.log

test-go:
	$(GO) vet ./...
	@mkdir -p bin && rm -f $(SKIP_LOG)
	TANDEM_SKIP_LOG=$(SKIP_LOG) $(GO) test -count=1 ./...
	TANDEM_SKIP_LOG=$(SKIP_LOG) $(GO) test -count=1 -race ./ot ./services/... ./api ./client
	@if [ -s $(SKIP_LOG) ]; then sort -u $(SKIP_LOG); fi

test-web: $(WEB)/node_modules/.package-lock.json
	cd $(WEB) && npm test

e2e: build
	cd $(WEB) && TANDEM_BIN=$(CURDIR)/$(BIN) npm run e2e

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./ot/ ./services/... ./repository/...

fuzz:
	$(GO) test ./ot -run='^$$' -fuzz=FuzzUnmarshal -fuzztime=30s
	$(GO) test ./ot -run='^$$' -fuzz=FuzzTransform -fuzztime=30s

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

clean:
	rm -rf bin $(WEB)/node_modules
	find $(WEB)/dist -mindepth 1 ! -name .keep -delete
