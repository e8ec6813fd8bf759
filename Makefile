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
GREMLINS_VERSION := 0.6.0
GREMLINS_MODULE := github.com/go-gremlins/gremlins/cmd/gremlins@v$(GREMLINS_VERSION)
GOBIN := $(shell $(GO) env GOPATH)/bin
BIN := bin
FUZZTIME ?= 2m

# Debian packages: cgo build of Fyne's GLFW driver, then what the tests drive
# (a real window under Xvfb, the real keyring over D-Bus, pigz/gzip for the benchmark, curl,
# a real PostgreSQL server and its client tools for the local-database restore).
DEB_BUILD := gcc pkg-config libgl1-mesa-dev xorg-dev libxkbcommon-dev
DEB_TEST := xvfb xauth xdotool openbox imagemagick dbus dbus-x11 gnome-keyring libsecret-tools pigz curl x11-utils fonts-dejavu-core locales postgresql postgresql-client
DEB_ALL := $(DEB_BUILD) $(DEB_TEST)
# Packaging only (make package-*, test-windows, test-deb), installed by deps-package so that
# `make test` stays as fast for people who never package: the mingw-w64 cross compiler and
# its objdump (the PE header check), Wine to run the Windows build, NSIS, Authenticode
# signing, and the .deb tools (dpkg-dev, lintian, help2man for the manual pages,
# devscripts' hardening-check, man-db).
DEB_PACKAGE := gcc-mingw-w64-x86-64 wine wine64 nsis osslsigncode openssl zip dpkg-dev desktop-file-utils imagemagick xvfb xdotool binutils-mingw-w64-x86-64 lintian help2man devscripts man-db

# The release number and build from FyneApp.toml, the commit from git: every package and
# --version carry the same (core/version).
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
BUILD_NUMBER := $(shell sed -n 's/^Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
COMMIT = $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -modified)
VERSION_LDFLAGS = -X restoredesk/core/version.number=$(VERSION) -X restoredesk/core/version.commit=$(COMMIT)
DIST := dist

.PHONY: all deps deps-system deps-go build run run-cli test test-unit test-integration vet staticcheck \
        bench fuzz mutate screenshots package clean deps-package fyne-tool package-windows package-deb \
        package-macos test-windows test-deb

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

# The window's package runs for minutes under the race detector on a busy 2-core machine:
# past go test's default 10-minute limit, which would end it as a failure.
test-unit:
	$(GO) test $(GOFLAGS_TAGS) -race -count=1 -timeout 40m ./...

# Integration tests need a display, a D-Bus session and an unlocked gnome-keyring;
# scripts/with-session.sh provides all three and the tests are selected by build tag.
# Only the packages that have integration tests are run, so the output names what ran.
INTEGRATION_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' '^//go:build integration' .)))
test-integration:
	./scripts/with-session.sh $(GO) test $(GOFLAGS_TAGS),integration -race -count=1 -v -run Integration $(INTEGRATION_PKGS)

## bench: benchmarks that prove speed and memory claims (see README, "Performance"); fails when
## a goal in scripts/bench.sh's table is missed or its benchmark did not run.
bench: deps
	GO=$(GO) TAGS=$(TAGS) ./scripts/bench.sh

## fuzz: every fuzz target for $(FUZZTIME) each.
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz: $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test $(GOFLAGS_TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 200x $$pkg || exit 1; \
	  done; \
	done

## mutate: mutation check of the files that hold the rules of a run (gremlins over
## scripts/mutate.sh's list, with the tests that guard them); fails when a mutant survives.
mutate: deps
	@$(GO) version -m $(GOBIN)/gremlins 2>/dev/null | grep -q 'gremlins.*v$(GREMLINS_VERSION)' || \
	  { echo "mutate: installing gremlins $(GREMLINS_VERSION)"; $(GO) install $(GREMLINS_MODULE); }
	GREMLINS=$(GOBIN)/gremlins ./scripts/mutate.sh

## screenshots: PNGs of the main screens under docs/screenshots/ (real window under Xvfb).
screenshots: deps
	./scripts/with-session.sh ./scripts/screenshots.sh

## package: a Linux bundle (tar.xz with binary, .desktop file and icon) made by `fyne package`.
# The binary is built here (with our tags); fyne reads FyneApp.toml for the metadata.
package: deps fyne-tool
	$(GO) build $(GOFLAGS_TAGS) -trimpath -ldflags '-s -w $(VERSION_LDFLAGS)' -o $(BIN)/restoredesk ./cmd/restoredesk
	$(GOBIN)/fyne package -os linux --release --exe $(BIN)/restoredesk --name "Restore Desk" \
	  --icon assets/icon.png --app-id io.restoredesk.app
	@ls -l "Restore Desk.tar.xz"

## deps-package: what packaging and its tests need (mingw-w64, Wine, NSIS, osslsigncode, dpkg-dev).
deps-package: deps
	@missing=""; \
	for p in $(DEB_PACKAGE); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  command -v apt-get >/dev/null || { echo "deps-package: install by hand:$$missing"; exit 1; }; \
	  echo "deps-package: installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

fyne-tool:
	@$(GOBIN)/fyne version 2>/dev/null | grep -q 'v$(FYNE_TOOL_VERSION)' || \
	  { echo "package: installing the fyne tool v$(FYNE_TOOL_VERSION)"; $(GO) install $(FYNE_TOOL_MODULE); }

## package-windows: dist/RestoreDesk-<version>-windows-amd64-setup.exe (per-user NSIS installer)
## and the portable …-windows-amd64.zip. Signed when RESTOREDESK_SIGN_PFX or
## RESTOREDESK_SIGN_CERT/RESTOREDESK_SIGN_KEY are set (see scripts/packaging/sign.sh).
package-windows: deps-package fyne-tool
	GO=$(GO) FYNE=$(GOBIN)/fyne ./scripts/packaging/build-windows.sh $(VERSION) $(BUILD_NUMBER) $(COMMIT) $(DIST)

## package-deb: dist/restoredesk_<version>_amd64.deb (dpkg-deb from a staged tree), with the
## copyright file, changelog and manual pages Debian asks for.
# Hardened as Debian builds its own (dpkg-buildflags): position-independent (ASLR), full
# RELRO (relocations read-only, all symbols bound at start), and Debian's flags for the C
# compiled through cgo (GLFW, go-gl). PIE compiles every package anew (the first time takes
# minutes, as long as `make build` did), so -trimpath costs nothing more.
HARDENED_CGO_CFLAGS := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
HARDENED_BUILD = CGO_ENABLED=1 CGO_CFLAGS='$(HARDENED_CGO_CFLAGS)' $(GO) build -trimpath -buildmode=pie \
  -ldflags '-s -w -linkmode=external -extldflags "-Wl,-z,relro,-z,now" $(VERSION_LDFLAGS)'
package-deb: deps-package
	$(HARDENED_BUILD) $(GOFLAGS_TAGS) -o $(BIN)/deb/restoredesk ./cmd/restoredesk
	$(HARDENED_BUILD) -o $(BIN)/deb/restorectl ./cmd/restorectl
	GO=$(GO) ./scripts/packaging/build-deb.sh $(VERSION) $(BIN)/deb $(DIST) $(GOFLAGS_TAGS) ./cmd/restoredesk ./cmd/restorectl

## package-macos: the .app bundle, on a Mac only (see README, "macOS"). Fails clearly elsewhere.
package-macos: fyne-tool
	@[ "$$(uname -s)" = Darwin ] || { echo "package-macos: a macOS app must be built on a Mac with Xcode's command-line tools (cgo against Apple's SDK); it cannot be built or tested on $$(uname -s). See README, \"Install\" › macOS."; exit 1; }
	@# As for Windows: fyne passes GOFLAGS' -ldflags to its first build only, so a generated file stamps the release.
	printf '// Code generated by make package-macos; DO NOT EDIT.\n\npackage version\n\nfunc init() { number, commit = "%s", "%s" }\n' \
	  $(VERSION) $(COMMIT) >core/version/zz_release_stamp.go; \
	$(GOBIN)/fyne package -os darwin --release --src cmd/restoredesk --tags $(TAGS) --name "Restore Desk" \
	  --app-id io.restoredesk.app --app-version $(VERSION) --app-build $(BUILD_NUMBER) --icon $(CURDIR)/assets/icon.png; \
	status=$$?; rm -f core/version/zz_release_stamp.go; exit $$status
	$(GO) build -trimpath -ldflags '-s -w $(VERSION_LDFLAGS)' -o "cmd/restoredesk/Restore Desk.app/Contents/MacOS/restorectl" ./cmd/restorectl
	mkdir -p $(DIST) && rm -rf "$(DIST)/Restore Desk.app" && mv "cmd/restoredesk/Restore Desk.app" $(DIST)/

## test-windows: the Windows installer under Wine and Xvfb (install, window, inspect JSON,
## credential store, signing, uninstall) and the .deb (install, --version, desktop file, removal).
test-windows: package-windows test-deb
	$(GO) build -o $(BIN)/restorectl ./cmd/restorectl
	GO=$(GO) ./scripts/with-session.sh ./scripts/packaging/test-windows.sh $(VERSION) $(DIST) $(BIN)/restorectl

# lintian's errors and warnings fail test-deb, except the tags added here, each on its own
# `LINTIAN_ACCEPTED += TAG` line under a comment saying why it is accepted (none is today).
LINTIAN_ACCEPTED :=
test-deb: package-deb
	./scripts/packaging/test-deb.sh $(DIST)/restoredesk_$(VERSION)_amd64.deb $(VERSION) $(LINTIAN_ACCEPTED)

clean:
	rm -rf $(BIN) $(DIST) docs/screenshots/failed
