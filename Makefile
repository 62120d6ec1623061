# Smart Fitness Trainer: every target installs what it needs on a fresh Debian machine.
# `make test` and `make demo` are the two commands a newcomer needs.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TOOLS := .tools
BUF_VERSION := 1.75.0
BUF := $(TOOLS)/node_modules/.bin/buf
PYTEST_ARGS ?=

# Debian packages: Java for TorchServe; EGL and Mesa for the gym's OpenGL rendering; protoc
# and gRPC for C++ to prove the protos compile for a second language.
JAVA_PACKAGES := openjdk-17-jre-headless
GL_PACKAGES := libegl1 libgl1-mesa-dri
CPP_PROTO_PACKAGES := g++ pkg-config protobuf-compiler libprotobuf-dev protobuf-compiler-grpc libgrpc++-dev

# Installs the listed Debian packages that are missing (needs root, as on our machines and CI).
define debian_packages
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: setup java gl demo bench proto check lint fmt test test-slow proto-tools clean

## setup: the virtual environment with the project (editable), its dev tools and the gym;
## Java for TorchServe; EGL for rendering
setup: $(STAMP) java gl

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is needed (torch 2.13.0 CPU wheel)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,gym]'
	touch $@

java:
	@command -v java >/dev/null || { echo "installing Java for TorchServe"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(JAVA_PACKAGES); }

gl:
	$(call debian_packages,$(GL_PACKAGES))

## demo: the whole system end to end on a gym clip (or VIDEO=path): archives, TorchServe, the
## four services, `fitness analyze`; writes build/demo/{report.json,annotated.mp4,scores.png}
demo: setup
	$(VENV)/bin/fitness demo --out build/demo $(if $(VIDEO),--video $(VIDEO),)

## bench: benchmarks that print tables (one core for the gym, as our CI machines have two)
bench: setup
	LP_NUM_THREADS=1 taskset -c 0 $(PY) -m bench.synth_throughput
	$(PY) -m bench.pose_throughput
	$(PY) -m bench.action_throughput
	$(PY) -m bench.keypoint_throughput
	$(PY) -m bench.scoring_throughput
	$(PY) -m bench.gateway_throughput
	$(PY) -m bench.scale_out
	$(PY) -m bench.live_throughput

## proto: regenerate the Python stubs in common/fitness/v1 from protos/
proto: $(STAMP)
	$(PY) -m common.protogen

## proto-tools: buf (npm) and the C++ protobuf/gRPC toolchain (Debian) for the proto tests
proto-tools: $(BUF)
	$(call debian_packages,$(CPP_PROTO_PACKAGES))

$(BUF):
	npm install --no-audit --no-fund --silent --prefix $(TOOLS) @bufbuild/buf@$(BUF_VERSION)

## check: fail if the stubs are stale; lint: check + ruff + buf lint + hadolint (the Dockerfile)
check: $(STAMP)
	$(PY) -m common.protogen --check

lint: check $(BUF)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(BUF) lint protos
	$(VENV)/bin/hadolint --config deploy/docker/hadolint.yaml deploy/docker/Dockerfile

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## test: set everything up, then run the tests (slow and GPU suites excluded)
test: setup proto-tools
	$(PY) -m pytest -m "not slow and not gpu" $(PYTEST_ARGS)

test-slow: setup proto-tools
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) build dist *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
