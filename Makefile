# Two commands on a fresh machine (Python ≥ 3.11 and make):
#   make demo   set up, then audit the bundled sample report
#   make test   set up, then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
SAMPLE := data/samples/示例市财政局2024年政府信息公开工作年度报告.pdf

.PHONY: setup demo app test bench bench-batch bench-ocr fixtures

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) -m auditor audit "$(SAMPLE)"

app: setup
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --browser.gatherUsageStats false

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/run.py
	$(PY) benchmarks/batch.py

# 500 generated reports through `auditor batch`: reports/min, p50/p95, worker RSS, resume time
bench-batch: setup
	$(PY) benchmarks/batch.py

# scanned copies of every fixture read by OCR: cells right, seconds per OCR page, share of time in OCR
bench-ocr: setup
	$(PY) benchmarks/ocr.py

# regenerating the committed fixtures needs Debian's fonts-wqy-zenhei and poppler-utils
fixtures: setup
	$(PY) -m tests.fixtures.builder
