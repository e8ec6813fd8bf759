# Restore Desk — build, run and test targets.
#
# `make run` and `make test` are the contract with a new user: both install what they need
# through `deps`, the single place that installs system packages and Go tools.

SHELL := /bin/bash
GO ?= go
TAGS := migrated_fynedo
GOFLAGS_TAGS := -tags $(TAGS)
STATICCHECK_VERSION := 0.8.2
STATICCHECK_MODULE := honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION)
FYNE_TOOL_VERSION := 1.7.4
FYNE_TOOL_MODULE := fyne.io/tools/cmd/fyne@v$(FYNE_TOOL_VERSION)
GOBIN := $(shell $(GO) env GOPATH)/bin
BIN := bin
FUZZTIME ?= 2m

# Debian packages: cgo build of Fyne's GLFW driver, then what the tests drive
# (a real window under Xvfb, the real keyring over D-Bus, pigz/gzip for the benchmark, curl,
# a real PostgreSQL server and its client tools for the local-database restore).
DEB_BUILD := gcc pkg-config libgl1-mesa-dev xorg-dev libxkbcommon-dev
DEB_TEST := xvfb xauth xdotool imagemagick dbus dbus-x11 gnome-keyring libsecret-tools pigz curl x11-utils fonts-dejavu-core locales postgresql postgresql-client
DEB_ALL := $(DEB_BUILD) $(DEB_TEST)

.PHONY: all deps deps-system deps-go build run run-cli test test-unit test-integration vet staticcheck \
        bench fuzz screenshots package clean

all: build

## deps: install every system package and Go tool the build and the tests need (only what is missing).
deps: deps-system deps-go

deps-system:
	@if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	  missing=""; \
	  for p in $(DEB_ALL); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "deps: installing Debian packages:$$missing"; \
	    SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  fi; \
	  if ! locale -a 2>/dev/null | grep -qi '^en_US.utf8$$'; then \
	    SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	    echo "deps: generating the en_US.UTF-8 locale"; \
	    $$SUDO sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen && $$SUDO locale-gen >/dev/null; \
	  fi; \
	else \
	  echo "deps: this is not a Debian/Ubuntu system. Install by hand:"; \
	  echo "  build: a C compiler, pkg-config, OpenGL and X11 development headers (see https://docs.fyne.io/started/)"; \
	  echo "  tests: Xvfb, xdotool, ImageMagick, D-Bus, gnome-keyring, pigz, curl"; \
	fi

deps-go:
	@command -v $(GO) >/dev/null || { echo "deps: Go 1.26 or newer is needed (https://go.dev/dl/)"; exit 1; }
	@$(GO) mod download
	@$(GOBIN)/staticcheck -version 2>/dev/null | grep -q '($(STATICCHECK_VERSION))' || \
	  { echo "deps: installing staticcheck $(STATICCHECK_VERSION)"; $(GO) install $(STATICCHECK_MODULE); }

## build: both binaries into ./bin
build: deps
	$(GO) build $(GOFLAGS_TAGS) -o $(BIN)/restoredesk ./cmd/restoredesk
	$(GO) build -o $(BIN)/restorectl ./cmd/restorectl

## run: the desktop app on the embedded demo cloud (the command-line demo without a display).
run: deps
	$(GO) build -o $(BIN)/restorectl ./cmd/restorectl
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ -d cmd/restoredesk ] && ls cmd/restoredesk/*.go >/dev/null 2>&1; then \
	  $(GO) build $(GOFLAGS_TAGS) -o $(BIN)/restoredesk ./cmd/restoredesk && exec ./$(BIN)/restoredesk --demo; \
	else \
	  echo "run: no display found (DISPLAY is unset); showing the command-line demo instead."; \
	  ./scripts/cli-demo.sh ./$(BIN)/restorectl; \
	fi

## test: vet, staticcheck, race tests and the integration tests (real window, real keyring, curl).
test: deps vet staticcheck test-unit test-integration

vet:
	$(GO) vet $(GOFLAGS_TAGS) ./...

staticcheck:
	$(GOBIN)/staticcheck -tags $(TAGS) ./...

test-unit:
	$(GO) test $(GOFLAGS_TAGS) -race -count=1 ./...

# Integration tests need a display, a D-Bus session and an unlocked gnome-keyring;
# scripts/with-session.sh provides all three and the tests are selected by build tag.
# Only the packages that have integration tests are run, so the output names what ran.
INTEGRATION_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' '^//go:build integration' .)))
test-integration:
	./scripts/with-session.sh $(GO) test $(GOFLAGS_TAGS),integration -race -count=1 -v -run Integration $(INTEGRATION_PKGS)

## bench: benchmarks that prove speed and memory claims (see README for what each measures).
bench: deps
	$(GO) test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchmem -benchtime 1x ./...

## fuzz: every fuzz target for $(FUZZTIME) each.
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz: $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test $(GOFLAGS_TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 200x $$pkg || exit 1; \
	  done; \
	done

## screenshots: PNGs of the main screens under docs/screenshots/ (real window under Xvfb).
screenshots: deps
	./scripts/with-session.sh ./scripts/screenshots.sh

## package: a Linux bundle (tar.xz with binary, .desktop file and icon) made by `fyne package`.
# The binary is built here (with our tags); fyne reads FyneApp.toml for the metadata.
package: deps
	@$(GOBIN)/fyne version 2>/dev/null | grep -q 'v$(FYNE_TOOL_VERSION)' || \
	  { echo "package: installing the fyne tool v$(FYNE_TOOL_VERSION)"; $(GO) install $(FYNE_TOOL_MODULE); }
	$(GO) build $(GOFLAGS_TAGS) -trimpath -ldflags '-s -w' -o $(BIN)/restoredesk ./cmd/restoredesk
	$(GOBIN)/fyne package -os linux --release --exe $(BIN)/restoredesk --name "Restore Desk" \
	  --icon assets/icon.png --app-id io.restoredesk.app
	@ls -l "Restore Desk.tar.xz"

clean:
	rm -rf $(BIN) docs/screenshots/failed
