# sluice — `make` lists the targets. Builds share a target dir outside the clone when
# CARGO_TARGET_DIR is set (CI sets it to ~/.cache/sluice-target).
SHELL := bash
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
SLUICE := $(TARGET_DIR)/debug/sluice
PIPELINES := $(wildcard pipelines/*.toml)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build the sluice binary (debug)
	$(CARGO) build --bin sluice

.PHONY: run
run: build ## Build and run every sample pipeline; prints where outputs, manifests and summaries are
	@set -e; for p in $(PIPELINES); do \
	  name=$$(basename $$p .toml); \
	  echo "==> $$p"; \
	  $(SLUICE) run $$p --out out/$$name; \
	  $(SLUICE) verify out/$$name/manifest.json > /dev/null && echo "  verified     sluice verify out/$$name/manifest.json"; \
	  echo; \
	done
	@echo "Outputs are in out/<pipeline>/ (data/*.parquet, quarantine.parquet, duplicates.parquet, manifest.json)."

.PHONY: test
test: ## Run every test (unit, end-to-end, determinism, conservation, leak checks)
	$(CARGO) test --workspace --no-fail-fast

.PHONY: lint
lint: ## rustfmt check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

.PHONY: fmt
fmt: ## Format the code
	$(CARGO) fmt --all

.PHONY: ci
ci: lint test ## What CI runs: lint, then every test

.PHONY: golden
golden: build ## Regenerate the end-to-end golden files after an intended change (review the diff!)
	SLUICE_UPDATE_GOLDEN=1 $(CARGO) test --test end_to_end

.PHONY: eval
eval: ## Accuracy: near-duplicate pair precision/recall, redaction precision/recall per type (release)
	$(CARGO) run --release -q -p sluice-dedup --example near_dup_eval
	@if [ -f crates/redact/examples/redact_eval.rs ]; then $(CARGO) run --release -q -p sluice-redact --example redact_eval; fi

BENCH_SCALE ?= 1
.PHONY: bench
bench: ## Throughput: dedup and redaction benchmarks, then the full pipeline on ~1M rows (BENCH_SCALE=1|4|16)
	$(CARGO) run --release -q -p sluice-dedup --example dedup_bench -- 200000
	@if [ -f crates/redact/examples/redact_bench.rs ]; then $(CARGO) run --release -q -p sluice-redact --example redact_bench; fi
	BENCH_BASELINES=0 bench/run.sh $(BENCH_SCALE)

SCALING_SIZES ?= 1 4 16
.PHONY: bench-scaling
bench-scaling: ## Full pipeline on 1×/4×/16× the bench tickets as .jsonl.zst (16×: 1.3 GB corpus, ~6 GB free disk while generating, ~23 GB RAM)
	bench/scaling.sh $(SCALING_SIZES)

.PHONY: bench-serial
bench-serial: ## Where a 2-thread run waits: serial seconds per phase from perf samples (needs perf and the bench corpus)
	bench/serial_time.sh $(BENCH_SCALE)

.PHONY: bench-baselines
bench-baselines: ## Full pipeline vs DuckDB, polars and the I/O floor, 1 and 2 threads (Python venv in BENCH_DIR)
	bench/run.sh $(BENCH_SCALE)

FUZZ_SECONDS ?= 600
FUZZ_TARGET_DIR ?= fuzz/target
.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZ_SECONDS each (needs `cargo install cargo-fuzz`)
	@command -v cargo-fuzz > /dev/null || { echo "error: cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }
	@set -e; for target in csv jsonl redact; do \
	  echo "==> fuzz $$target for $(FUZZ_SECONDS)s"; \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --fuzz-dir fuzz --target-dir $(FUZZ_TARGET_DIR) $$target -- -max_total_time=$(FUZZ_SECONDS); \
	done

.PHONY: fuzz-check
fuzz-check: ## Type-check the fuzz targets on stable (no cargo-fuzz needed)
	$(CARGO) check --manifest-path fuzz/Cargo.toml --bins

.PHONY: samples
samples: ## Regenerate the committed synthetic samples
	$(CARGO) run -p sluice-samplegen -- --out samples

.PHONY: doc
doc: ## Build the API docs
	$(CARGO) doc --workspace --no-deps

.PHONY: interop
interop: build ## Check every sample run's Croissant, OpenLineage and in-toto output with the real validators (venv: INTEROP_VENV)
	scripts/interop/run.sh $(SLUICE)

.PHONY: report-screenshot
report-screenshot: build ## Render the support-tickets report in headless Chromium to out/report.png
	scripts/report-screenshot.sh $(SLUICE)

.PHONY: clean
clean: ## Remove outputs of `make run`
	rm -rf out
