# tieout: common tasks. `make help` lists them.

SWIFT ?= swift
BIN := .build/debug/tieout
# apt-get needs root; use sudo when we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := postgresql libpq-dev pkg-config chromium

.PHONY: help setup build demo test bench lint clean

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## setup: install PostgreSQL, libpq-dev, pkg-config and chromium (the HTML report's browser tests) with apt-get if missing, then build
setup:
	@missing=""; \
	for package in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
	@$(MAKE) --no-print-directory build

## build: compile tieout (debug)
build:
	$(SWIFT) build

## demo: the showcase: start the private PostgreSQL under .tieout/, migrate, seed a company (once), run a business day, plant faults (once), reconcile, print the report, write the CSVs and the HTML report under reports/; then the real path: write the lake folder Synapse Link would (lake/), load it into a second database (tieout_customer) as a customer's tieout would, reconcile there and check the findings are the same
demo: setup
	$(BIN) db start
	$(BIN) migrate
	$(BIN) maps validate
	$(BIN) seed --if-empty
	$(BIN) pipeline
	$(BIN) faults
	@# The demo's records are minutes old: --grace 0 reports them as they are, not IN_FLIGHT. Exit code 1
	@# (errors found) is the expected outcome here. Both databases are reconciled as of the same moment, a whole
	@# second after the faults (the as-of has whole seconds: a record changed within its second would be later).
	@sleep 1; date -u +%Y-%m-%dT%H:%M:%SZ > .tieout/demo-as-of
	$(BIN) recon run --grace 0 --as-of $$(cat .tieout/demo-as-of) || [ $$? -eq 1 ]
	$(BIN) recon report
	@mkdir -p reports
	$(BIN) recon export --what findings --out reports/findings.csv
	$(BIN) recon export --what summary --out reports/summary.csv
	$(BIN) recon export --what pipeline --out reports/pipeline.csv
	$(BIN) recon report --html reports/report.html
	@echo "report: $(CURDIR)/reports/report.html"
	@# The real path: the lake folder Synapse Link would write (the first run writes the initial folder, later runs
	@# one incremental folder each), loaded into a fresh second database as a customer's tieout would load it.
	$(BIN) lake write lake
	@set -e; eval "$$($(CURDIR)/$(BIN) db status --shell)"; \
	  dropdb --if-exists tieout_customer; createdb tieout_customer; \
	  export PGDATABASE=tieout_customer; \
	  echo "--- the customer's database (tieout_customer), loaded from lake/"; \
	  $(BIN) migrate >/dev/null; \
	  $(BIN) load lake lake; \
	  $(BIN) recon run --grace 0 --as-of $$(cat .tieout/demo-as-of) >/dev/null || [ $$? -eq 1 ]; \
	  $(BIN) recon export --what findings --out reports/customer-findings.csv >/dev/null
	@# Category, severity, stage and the records named (columns 3-9 of the export) must be the same in both.
	@cut -d, -f3-9 reports/findings.csv | sort > .tieout/demo-findings-source
	@cut -d, -f3-9 reports/customer-findings.csv | sort > .tieout/demo-findings-customer
	@if diff .tieout/demo-findings-source .tieout/demo-findings-customer >/dev/null; then \
	  echo "the customer's database, loaded from the lake, has the same $$(($$(wc -l < .tieout/demo-findings-source) - 1)) findings as the source"; \
	else \
	  echo "the findings differ between the source and the customer's database:" >&2; \
	  diff .tieout/demo-findings-source .tieout/demo-findings-customer >&2; exit 1; \
	fi

## test: start a throwaway PostgreSQL, run every test against it, stop it; fails if it cannot start
test: setup
	@set -e; \
	dir=$$(mktemp -d /tmp/tieout-test.XXXXXX); chmod 755 "$$dir"; \
	trap '(cd "$$dir" && "$(CURDIR)/$(BIN)" db stop >/dev/null 2>&1); rm -rf "$$dir"' EXIT; \
	if ! (cd "$$dir" && "$(CURDIR)/$(BIN)" db start --throwaway); then \
	  echo "make test: the throwaway PostgreSQL did not start; see $$dir/.tieout/postgres.log" >&2; \
	  cat "$$dir/.tieout/postgres.log" >&2 || true; \
	  exit 1; \
	fi; \
	eval "$$(cd "$$dir" && "$(CURDIR)/$(BIN)" db status --shell)"; \
	$(SWIFT) test

## bench: build a release tieout, start a throwaway PostgreSQL and run every benchmark: sync (BENCH_ROWS, BENCH_CHANGES), recon (BENCH_COPIES: copies of the seeded company, default enough for 1,000,000 actuals and 100,000 proformas), load (BENCH_LOAD_ROWS), lake (BENCH_LAKE_ROWS)
BENCH_ROWS ?= 1000000
BENCH_CHANGES ?= 200000
BENCH_COPIES ?=
BENCH_LOAD_ROWS ?= 1000000
BENCH_LAKE_ROWS ?= 1000000
bench: setup
	$(SWIFT) build -c release --product tieout
	@set -e; \
	dir=$$(mktemp -d /tmp/tieout-bench.XXXXXX); chmod 755 "$$dir"; \
	trap '(cd "$$dir" && "$(CURDIR)/$(BIN)" db stop >/dev/null 2>&1); rm -rf "$$dir"' EXIT; \
	(cd "$$dir" && "$(CURDIR)/$(BIN)" db start --throwaway >/dev/null); \
	eval "$$(cd "$$dir" && "$(CURDIR)/$(BIN)" db status --shell)"; \
	.build/release/tieout bench sync --rows $(BENCH_ROWS) --changes $(BENCH_CHANGES) --maps maps; \
	.build/release/tieout bench recon --maps maps $(if $(BENCH_COPIES),--copies $(BENCH_COPIES)); \
	.build/release/tieout bench load --rows $(BENCH_LOAD_ROWS) --maps maps; \
	.build/release/tieout bench lake --rows $(BENCH_LAKE_ROWS) --maps maps

## lint: check formatting with swift format (configuration in .swift-format)
lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests Plugins

## clean: remove build products (not the private database under .tieout/)
clean:
	rm -rf .build
