# Quick start (a fresh machine of this kind: CPU, Python 3.11):
#   make demo   set up what is missing, then distil the embedded teacher
#               without data and print teacher/student accuracy and time
#   make test   set up what is missing, then run the test suite
PYTHON ?= python3
DEMO_CONFIG ?= configs/ddad/ddad_resnet18-w16_resnet18-w8_mnist5k.py
PYTEST_ARGS ?=

# glibc: keep big activation buffers instead of returning them to the kernel
# after every use (2x faster CPU forwards here).
export MALLOC_MMAP_THRESHOLD_ = 33554432
export MALLOC_TRIM_THRESHOLD_ = -1
export MALLOC_TOP_PAD_ = 536870912

.PHONY: setup demo test

setup:
	PYTHON=$(PYTHON) bash tools/setup_env.sh

demo: setup
	$(PYTHON) tools/distill.py $(DEMO_CONFIG) --train-teacher

test: setup
	$(PYTHON) -m pytest tests -q -p no:cacheprovider --durations=10 $(PYTEST_ARGS)
