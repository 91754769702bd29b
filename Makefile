# cairn — one binary, build/cairn. Plain make + pkg-config (see docs/architecture.md).
#
#   make              build build/cairn
#   make test         build and run the whole suite (unit + integration)
#   make asan         build with AddressSanitizer + UBSan into build-asan/ and run the suite
#   make check-warnings  compile every source with gcc and clang at -Wall -Wextra -Werror
#   make fuzz         build the libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make clean

CC      ?= cc
BUILD   ?= build
PKGS    := sqlite3 libmicrohttpd jansson libcurl yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT     ?= -O2 -g
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  += $(OPT) $(CSTD) $(WARN) $(EXTRA_CFLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lcrypto -lpthread -lm
LDFLAGS += $(EXTRA_LDFLAGS)

# Library modules, bottom layer first. cli/ is linked only into the binary.
MODULES := base store http api promote
LIB_SRC := $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))
CLI_SRC := $(wildcard src/cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LIB     := $(BUILD)/libcairn.a
BIN     := $(BUILD)/cairn

# Tests: every tests/unit/<module>/test_*.c and tests/integration/test_*.c is one binary.
HARNESS_OBJ := $(BUILD)/obj/tests/harness.o $(BUILD)/obj/tests/testutil.o
UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
INT_SRC  := $(wildcard tests/integration/test_*.c)
UNIT_BIN := $(foreach s,$(UNIT_SRC),$(BUILD)/tests/unit_$(notdir $(patsubst %/,%,$(dir $(s))))_$(patsubst test_%.c,%,$(notdir $(s))))
INT_BIN  := $(foreach s,$(INT_SRC),$(BUILD)/tests/integration_$(patsubst test_%.c,%,$(notdir $(s))))

# Fuzz targets (libFuzzer): tests/fuzz/fuzz_*.c, built by `make fuzz` with clang into
# build-fuzz/ and run briefly by scripts/run-fuzz.sh.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 20

.PHONY: all test unit integration asan check-warnings clean bench tests-build fuzz fuzz-bins

all: $(BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

define unit_rule
$(BUILD)/tests/unit_$(notdir $(patsubst %/,%,$(dir $(1))))_$(patsubst test_%.c,%,$(notdir $(1))): $(BUILD)/obj/$(1:%.c=%.o) $(HARNESS_OBJ) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(UNIT_SRC),$(eval $(call unit_rule,$(s))))

define int_rule
$(BUILD)/tests/integration_$(patsubst test_%.c,%,$(notdir $(1))): $(BUILD)/obj/$(1:%.c=%.o) $(HARNESS_OBJ) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(INT_SRC),$(eval $(call int_rule,$(s))))

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-bins: $(FUZZ_BIN)

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" fuzz-bins
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz.sh build-fuzz/fuzz/fuzz_*

tests-build: $(BIN) $(UNIT_BIN) $(INT_BIN)

test: tests-build
	CAIRN_BIN=$(abspath $(BIN)) scripts/run-tests.sh $(UNIT_BIN) $(INT_BIN)

unit: $(BIN) $(UNIT_BIN)
	CAIRN_BIN=$(abspath $(BIN)) scripts/run-tests.sh $(UNIT_BIN)

integration: $(BIN) $(INT_BIN)
	CAIRN_BIN=$(abspath $(BIN)) scripts/run-tests.sh $(INT_BIN)

# Sanitizer build: its own tree so that normal and instrumented objects never mix.
asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" test

check-warnings:
	$(MAKE) BUILD=build-gcc CC=gcc EXTRA_CFLAGS=-Werror tests-build
	$(MAKE) BUILD=build-clang CC=clang EXTRA_CFLAGS=-Werror tests-build

bench: $(BIN)
	bench/tracking.sh

clean:
	rm -rf build build-asan build-gcc build-clang build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
