# tcplab: one Makefile. `make` builds build/tcplab; `make SAN=1` builds an
# AddressSanitizer + UndefinedBehaviorSanitizer variant in build-san/;
# `make test` runs the whole suite; `make install PREFIX=/usr/local`.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/tcplab

CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKGS     := libbpf libpcap libnftables libmnl json-c

ifeq ($(SAN),1)
OUT      ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OUT      ?= build
SANFLAGS :=
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Isrc -I$(OUT) $(SANFLAGS) $(shell pkg-config --cflags $(PKGS)) \
	    -DTCPLAB_DATADIR='"$(DATADIR)"'
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lpthread -lm

ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_SRC  := $(wildcard src/bpf/*.bpf.c)
SKELS    := $(patsubst src/bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRC))

SRC      := $(wildcard src/*.c)
OBJ      := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRC))
LIB_OBJ  := $(filter-out $(OUT)/obj/main.o,$(OBJ))
TESTS    := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(wildcard tests/unit/test_*.c))
BENCHES  := $(patsubst bench/%.c,$(OUT)/bench/%,$(wildcard bench/*.c))

.DELETE_ON_ERROR:
.PHONY: all tests test bench install clean

all: $(OUT)/tcplab

tests: $(OUT)/tcplab $(TESTS)

$(OUT)/vmlinux.h:
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUT)/%.bpf.o: src/bpf/%.bpf.c $(wildcard src/bpf/*.h) $(OUT)/vmlinux.h
	@echo "  BPF   $@"
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) -Isrc/bpf -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	@echo "  SKEL  $@"
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUT)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC    $@"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/tcplab: $(OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  TEST  $@"
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJ) -o $@ $(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs cmocka)

$(OUT)/bench/%: bench/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJ) -o $@ $(LDFLAGS) $(LDLIBS)

test: tests
	$(Q)OUT=$(OUT) tests/run

bench: $(OUT)/tcplab $(BENCHES)
	$(Q)OUT=$(OUT) bench/run

install: $(OUT)/tcplab
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios
	install -m 0755 $(OUT)/tcplab $(DESTDIR)$(BINDIR)/tcplab
	install -m 0644 scenarios/*.scn $(DESTDIR)$(DATADIR)/scenarios/

clean:
	rm -rf build build-san

-include $(OBJ:.o=.d)

# Only the tracer includes the generated skeletons.
$(OUT)/obj/tracer.o: $(SKELS)

# The README's two commands.
.PHONY: run check
run: $(OUT)/tcplab
	$(OUT)/tcplab run

check:
	$(MAKE) SAN=1 test
