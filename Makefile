# fwc: GNU Makefile. `make` builds build/fwc; `make demo`, `make check`.
# Generated lexer/parser go to build/ and are never committed.

PREFIX  ?= /usr/local
# `make V=1` shows the full commands
Q       := $(if $(V),,@)
DESTDIR ?=
CC      ?= cc
BUILD   ?= build

PKGS_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
PKGS_LIBS   := $(shell pkg-config --libs libxml-2.0 libcgraph libgvc 2>/dev/null || echo -lxml2 -lgvc -lcgraph -lcdt)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Werror
CFLAGS  ?= -O2 -g
SAN     ?=
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SAN) -D_GNU_SOURCE -Icompiler -Ibackends \
             -Ianalyzer -I$(BUILD) $(PKGS_CFLAGS) -MMD -MP \
             -DFWC_DATADIR='"$(PREFIX)/share/fwc"'
LDLIBS  := $(PKGS_LIBS) -lbdd -lbpf -lelf -lz

# fwc's XDP program: compiled for BPF, embedded in fwc as a bpftool
# skeleton (backends/bpfload.c includes it)
BPF_CLANG ?= clang
BPF_OBJ  := $(BUILD)/fwc_xdp.bpf.o
BPF_SKEL := $(BUILD)/fwc_xdp.skel.h

LIB_SRC := $(wildcard compiler/*.c backends/*.c analyzer/*.c)
LIB_SRC := $(filter-out compiler/main.c,$(LIB_SRC))
GEN_SRC := $(BUILD)/lexer.c $(BUILD)/parser.c
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) \
           $(BUILD)/obj/lexer.o $(BUILD)/obj/parser.o
MAIN_OBJ := $(BUILD)/obj/compiler/main.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

DEB_PKGS := re2c lemon pkg-config libxml2-dev libgraphviz-dev graphviz \
            libcunit1-dev libbdd-dev libbpf-dev clang bpftool iptables \
            nftables ipset iproute2 conntrack libnftnl-dev libmnl-dev \
            libxml2-utils

.PHONY: all deps demo check check-asan check-kernel-long unit golden errors apply \
        lint-golden import graph docs exact kernel install clean bench bench-bpf xdp bpf-compile
all: $(BUILD)/fwc

$(BUILD)/fwc: $(MAIN_OBJ) $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BPF_OBJ): backends/bpf/fwc_xdp.bpf.c backends/bpf/fwc_xdp.h
	@mkdir -p $(BUILD)
	@echo "  BPF     $<"
	$(Q)$(BPF_CLANG) -O2 -g -Wall -Werror -target bpf \
	  -I/usr/include/$(shell $(CC) -dumpmachine) -Ibackends/bpf -c -o $@ $<

$(BPF_SKEL): $(BPF_OBJ)
	@echo "  SKEL    $@"
	$(Q)bpftool gen skeleton $< name fwc_xdp >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/backends/bpfload.o: $(BPF_SKEL)

$(BUILD)/obj/%.o: %.c | $(BUILD)/parser.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Generated code: keep the warnings that matter, not lemon's style ones.
$(BUILD)/obj/lexer.o: $(BUILD)/lexer.c $(BUILD)/parser.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Icompiler -Igrammar -c -o $@ $<
$(BUILD)/obj/parser.o: $(BUILD)/parser.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-variable -Wno-unused-but-set-variable \
	  -Wno-missing-prototypes -Wno-sign-compare -Wno-implicit-fallthrough \
	  -Igrammar -c -o $@ $<

# lemon: a conflict is an error (lemon exits non-zero and we check it).
$(BUILD)/parser.c $(BUILD)/parser.h: grammar/parser.y
	@mkdir -p $(BUILD)
	@echo "  LEMON   grammar/parser.y"
	@cp grammar/parser.y $(BUILD)/parser.y
	@cd $(BUILD) && lemon -q -T/usr/share/lemon/lempar.c parser.y \
	  || { echo "lemon: grammar has conflicts or errors" >&2; rm -f parser.c parser.h; exit 1; }
	@# lemon leaves an unchanged parser.h alone: keep make's view current
	@touch $(BUILD)/parser.c $(BUILD)/parser.h

$(BUILD)/lexer.c: grammar/lexer.re $(BUILD)/parser.h
	@mkdir -p $(BUILD)
	@echo "  RE2C    $<"
	$(Q)re2c -W -Werror --no-generation-date -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcunit

$(BUILD)/tests/referee: tests/kernel/referee.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lnftnl -lmnl

$(BUILD)/tests/tcphold: tests/kernel/tcphold.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $<

$(BUILD)/tests/ptyhold: tests/kernel/ptyhold.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -lutil

$(BUILD)/tests/witness: tests/kernel/witness.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

$(BUILD)/tests/exact: tests/exact.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

$(BUILD)/tests/xdptest: tests/bpf/xdptest.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

$(BUILD)/tests/xdpsend: tests/bpf/xdpsend.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

$(BUILD)/tests/genpolicy: tests/kernel/genpolicy.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $<

deps:
	@sh tests/deps.sh $(DEB_PKGS)

demo: deps
	$(MAKE) all
	$(BUILD)/fwc compile -t nft examples/home-router.fw

unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

golden: $(BUILD)/fwc
	@FWC=$(BUILD)/fwc sh tests/golden.sh

errors: $(BUILD)/fwc
	@FWC=$(BUILD)/fwc sh tests/errors.sh

# fwc graph: DOT goldens, SVG well-formed with the expected nodes and
# edges, options, errors, corpus dumps (tests/graph.sh).
graph: $(BUILD)/fwc
	@FWC=$(BUILD)/fwc sh tests/graph.sh

# The rendered examples the README shows (committed; regenerate after a
# change to the graph code or the example).
docs: $(BUILD)/fwc
	$(BUILD)/fwc graph --kind zones -o docs/home-router-zones.svg examples/home-router.fw
	$(BUILD)/fwc graph --kind chains -o docs/home-router-chains.svg examples/home-router.fw

lint-golden: $(BUILD)/fwc
	@FWC=$(BUILD)/fwc sh tests/lint.sh

# The iptables-save importer: every dump of ../shared/corpus/net-network
# (CORPUS=DIR to change) imports and lints, and tests/import/*.dump import
# to their golden IR and diagnostics.
import: $(BUILD)/fwc
	@FWC=$(BUILD)/fwc sh tests/import.sh

# The analyzer against brute force: 1,000 random policies, every packet
# of a small universe traced one by one (EXACT_POLICIES=N to change); then
# a fifth of them again with the source address on top of the BDD
# variable order (which large source-keyed policies get): the result must
# not depend on the order.
EXACT_POLICIES ?= 1000
exact: $(BUILD)/tests/exact $(BUILD)/tests/genpolicy
	@BUILD=$(BUILD) EXACT_POLICIES=$(EXACT_POLICIES) sh tests/exact.sh
	@BUILD=$(BUILD) EXACT_POLICIES=$$(( $(EXACT_POLICIES) / 5 )) FWC_SPACE_SRC_TOP=1 sh tests/exact.sh

# fwc's XDP program (root; part of `make kernel`): BPF_PROG_TEST_RUN on
# the examples and random policies (tests/bpf/xdp.sh), then a veth pair
# in namespaces with real frames and swaps under traffic (tests/bpf/veth.sh),
# and apply -t bpf with its rollback (tests/bpf/apply.sh).
XDP_POLICIES ?= 60
bpf-compile: $(BUILD)/fwc
	@FWC=$(BUILD)/fwc sh tests/bpf/compile.sh

xdp: $(BUILD)/fwc $(BUILD)/tests/xdptest $(BUILD)/tests/xdpsend $(BUILD)/tests/genpolicy \
     $(BUILD)/bench/xdp_drop.bpf.o
	@BUILD=$(BUILD) XDP_POLICIES=$(XDP_POLICIES) sh tests/bpf/xdp.sh
	@FWC=$(BUILD)/fwc XDPSEND=$(BUILD)/tests/xdpsend BPFOBJ=$(BUILD)/bench/xdp_drop.bpf.o \
	  sh tests/bpf/veth.sh
	@FWC=$(BUILD)/fwc sh tests/bpf/apply.sh

# fwc apply, confirm, rollback in network namespaces (root; part of
# `make kernel`): tests/kernel/apply.sh.
apply: $(BUILD)/fwc $(BUILD)/tests/tcphold $(BUILD)/tests/ptyhold
	@FWC=$(BUILD)/fwc TCPHOLD=$(BUILD)/tests/tcphold PTYHOLD=$(BUILD)/tests/ptyhold \
	  sh tests/kernel/apply.sh

# The kernel as referee (needs root; each script skips with a message
# otherwise): outputs load and list back as golden, the referee can fail,
# the examples' packets and 50 random policies x 200 packets get the
# verdict fwc trace predicts, with both backends.
KERNEL_ENV = FWC=$(BUILD)/fwc REFEREE=$(BUILD)/tests/referee GEN=$(BUILD)/tests/genpolicy
kernel: $(BUILD)/fwc $(BUILD)/tests/referee $(BUILD)/tests/genpolicy \
        $(BUILD)/tests/witness $(BUILD)/tests/tcphold $(BUILD)/tests/ptyhold \
        $(BUILD)/tests/xdptest $(BUILD)/tests/xdpsend $(BUILD)/bench/xdp_drop.bpf.o
	@$(KERNEL_ENV) sh tests/kernel/load.sh
	@$(KERNEL_ENV) TCPHOLD=$(BUILD)/tests/tcphold PTYHOLD=$(BUILD)/tests/ptyhold \
	  sh tests/kernel/apply.sh
	@BUILD=$(BUILD) XDP_POLICIES=$(XDP_POLICIES) sh tests/bpf/xdp.sh
	@FWC=$(BUILD)/fwc XDPSEND=$(BUILD)/tests/xdpsend BPFOBJ=$(BUILD)/bench/xdp_drop.bpf.o \
	  sh tests/bpf/veth.sh
	@FWC=$(BUILD)/fwc sh tests/bpf/apply.sh
	@$(KERNEL_ENV) sh tests/kernel/selftest.sh
	@$(KERNEL_ENV) sh tests/kernel/examples.sh
	@$(KERNEL_ENV) sh tests/kernel/features.sh
	@$(KERNEL_ENV) sh tests/kernel/random.sh 50 200 1
	@$(KERNEL_ENV) BUILD=$(BUILD) sh tests/kernel/witness.sh
	@$(KERNEL_ENV) sh tests/kernel/roundtrip.sh
	@$(KERNEL_ENV) BUILD=$(BUILD) sh tests/kernel/dumps.sh

# 50 policies x 10,000 packets x 2 backends, in two parallel workers (two
# test networks), about half an hour on 2 cores.
check-kernel-long: deps
	$(MAKE) all $(BUILD)/tests/referee $(BUILD)/tests/genpolicy
	@rm -f $(BUILD)/long-1.log $(BUILD)/long-2.log
	@$(KERNEL_ENV) sh tests/kernel/random.sh 25 10000 1 >$(BUILD)/long-1.log 2>&1 & \
	 $(KERNEL_ENV) sh tests/kernel/random.sh 25 10000 100001 >$(BUILD)/long-2.log 2>&1; \
	 wait; cat $(BUILD)/long-1.log $(BUILD)/long-2.log; \
	 awk '/^random: [0-9]+ passed/ {p += $$2; f += $$4} END {print "long: " p " passed, " f " failed"; exit f != 0}' \
	   $(BUILD)/long-1.log $(BUILD)/long-2.log

check: deps
	$(MAKE) all
	$(MAKE) unit golden errors lint-golden import graph bpf-compile exact kernel

check-asan: deps
	$(MAKE) BUILD=build-asan CC=gcc \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  CFLAGS="-O1 -g" all
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) BUILD=build-asan CC=gcc \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  CFLAGS="-O1 -g" EXACT_POLICIES=100 XDP_POLICIES=20 unit golden errors lint-golden import graph \
	  bpf-compile exact kernel

bench: $(BUILD)/fwc
	sh bench/compile.sh

$(BUILD)/bench/xdpbench: bench/xdpbench.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

$(BUILD)/bench/xdp_drop.bpf.o: bench/xdp_drop.bpf.c
	@mkdir -p $(dir $@)
	@echo "  BPF     $<"
	$(Q)$(BPF_CLANG) -O2 -g -Wall -Werror -target bpf \
	  -I/usr/include/$(shell $(CC) -dumpmachine) -c -o $@ $<

# ns per packet of the XDP program (root): bench/bpf.sh
bench-bpf: $(BUILD)/fwc $(BUILD)/bench/xdpbench $(BUILD)/bench/xdp_drop.bpf.o
	FWC=$(BUILD)/fwc BUILD=$(BUILD) bash bench/bpf.sh

install: $(BUILD)/fwc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/fwc \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BUILD)/fwc $(DESTDIR)$(PREFIX)/bin/fwc
	install -m 0644 data/* $(DESTDIR)$(PREFIX)/share/fwc/
	install -m 0644 docs/fwc.1 $(DESTDIR)$(PREFIX)/share/man/man1/fwc.1
	install -m 0644 docs/fwc.fw.5 $(DESTDIR)$(PREFIX)/share/man/man5/fwc.fw.5

clean:
	rm -rf build build-asan tests/out

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
