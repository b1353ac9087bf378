# tcplab: one Makefile. `make` builds build/tcplab; `make SAN=1` builds an
# AddressSanitizer + UndefinedBehaviorSanitizer variant in build-san/;
# `make test` runs the whole suite; `make install PREFIX=/usr/local`.

VERSION  := 0.4.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/tcplab

CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKGS     := libbpf libpcap libnftables libmnl json-c

ifeq ($(SAN),1)
OUT      ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DTL_ASSERTS
else
OUT      ?= build
SANFLAGS :=
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The project's flags come first and what a user passes (make CFLAGS=-O1,
# or the environment) after them, so it can tune optimisation or add
# warnings but never drop -std, -Werror, the include paths, the sanitizers or
# pkg-config's flags. The rules use ALL_*; CFLAGS, LDFLAGS and LDLIBS keep the
# user's value alone, so that a sub-make (make check) adds them once, not twice.
OPTFLAGS ?= -O2 -g
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	      -Isrc -I$(OUT) $(SANFLAGS) $(PKG_CFLAGS) -DTCPLAB_DATADIR='"$(DATADIR)"' -DTCPLAB_VERSION='"$(VERSION)"' $(OPTFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
ALL_LDLIBS  = $(PKG_LIBS) -lpthread -lm $(LDLIBS)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_SRC  := $(wildcard src/lab/bpf/*.bpf.c)
SKELS    := $(patsubst src/lab/bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRC))

# One folder per pipeline stage (README: Layout); main.c alone at the top.
STAGES   := core scenario model lab analysis views cli
SRC      := src/main.c $(foreach s,$(STAGES),$(wildcard src/$(s)/*.c))
OBJ      := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRC))
LIB_OBJ  := $(filter-out $(OUT)/obj/main.o,$(OBJ))
# Unit tests sit in tests/unit/STAGE/ beside the stage they test; binaries land flat in $(OUT)/tests.
TEST_SRC := $(foreach s,$(STAGES),$(wildcard tests/unit/$(s)/test_*.c))
TESTS    := $(addprefix $(OUT)/tests/,$(basename $(notdir $(TEST_SRC))))
BENCHES  := $(patsubst bench/%.c,$(OUT)/bench/%,$(wildcard bench/*.c))

.DELETE_ON_ERROR:
# The BPF object is an intermediate of the skeleton: keep it, so that make
# neither rebuilds it nor ends every build with an "rm" line.
.SECONDARY: $(patsubst src/lab/bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRC))
.PHONY: all tests test bench install clean

all: $(OUT)/tcplab

tests: $(OUT)/tcplab $(TESTS)

$(OUT)/vmlinux.h:
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUT)/%.bpf.o: src/lab/bpf/%.bpf.c $(wildcard src/lab/bpf/*.h) $(OUT)/vmlinux.h
	@echo "  BPF   $@"
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) -Isrc/lab/bpf -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	@echo "  SKEL  $@"
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUT)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/tcplab: $(OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -o $@ $(ALL_LDLIBS)

vpath test_%.c $(addprefix tests/unit/,$(STAGES))

$(OUT)/tests/%: %.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  TEST  $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIB_OBJ) -o $@ $(ALL_LDFLAGS) $(ALL_LDLIBS) $(shell pkg-config --libs cmocka)

$(OUT)/bench/%: bench/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(LIB_OBJ) -o $@ $(ALL_LDFLAGS) $(ALL_LDLIBS)

test: tests
	$(Q)OUT=$(OUT) tests/run

bench: $(OUT)/tcplab $(BENCHES)
	$(Q)OUT=$(OUT) bench/run

install: $(OUT)/tcplab
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios
	install -m 0755 $(OUT)/tcplab $(DESTDIR)$(BINDIR)/tcplab
	install -m 0644 scenarios/*.scn $(DESTDIR)$(DATADIR)/scenarios/
	# the library: one folder per group
	for g in scenarios/*/; do install -d $(DESTDIR)$(DATADIR)/$$g && install -m 0644 $$g*.scn $(DESTDIR)$(DATADIR)/$$g || exit 1; done

clean:
	rm -rf build build-san

-include $(OBJ:.o=.d)

# Only the tracer includes the generated skeletons.
$(OUT)/obj/lab/tracer.o: $(SKELS)

# The README's two commands.
.PHONY: run check
run: $(OUT)/tcplab
	$(OUT)/tcplab run

check:
	$(MAKE) SAN=1 test
