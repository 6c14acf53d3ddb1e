# memledger - see README.md.
#
#   make            build build/libmemledger.so and build/memledger
#   make deps       install missing Debian packages (as root), else print the command
#   make test       deps + build + every test; ends with "N passed, N failed"
#   make demo       deps + build + trace the partition demo + write its report
#   make bench      benchmarks side by side with heaptrack and valgrind
#   make fuzz       a longer libFuzzer run of the trace decoder, Go readers and template engine (needs clang)
#   make install PREFIX=/usr/local

PREFIX  ?= /usr/local
CC      ?= cc
B       := build
S       := build/san

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CSTD    := -std=c11 -D_GNU_SOURCE
OPT     ?= -O2 -g
CFLAGS_COMMON := $(CSTD) $(WARN) $(OPT) -Iinclude -I.
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow

FORMAT_SRC := $(wildcard format/*.c)
COMMON_SRC := $(wildcard common/*.c)
TRACER_SRC := $(wildcard tracer/*.c)
INGEST_SRC := $(wildcard ingest/*.c)
REPORT_SRC := $(wildcard report/*.c)
EXPORT_SRC := $(wildcard export/*.c)
COMPARE_SRC := $(wildcard compare/*.c)
CLI_SRC    := $(wildcard cli/*.c)

# Files embedded into the memledger binary so an installed copy needs no tree.
EMBED := ingest/schema.sql templates/report.xhtml templates/style.css templates/compare.xhtml
EMBED_C := $(B)/gen/embedded.c

TOOL_LIBS := -lsqlite3 -lxml2 -lz -ldw -lelf -lcurl -ldebuginfod -lstdc++ -lm -lpthread
TOOL_INC  := -I/usr/include/libxml2 -I$(B)/gen

LIB_OBJ   := $(patsubst %.c,$(B)/lib/%.o,$(FORMAT_SRC) $(TRACER_SRC))
TOOL_OBJ  := $(patsubst %.c,$(B)/obj/%.o,$(FORMAT_SRC) $(COMMON_SRC) $(INGEST_SRC) $(REPORT_SRC) $(EXPORT_SRC) $(COMPARE_SRC) $(CLI_SRC)) $(B)/obj/gen/embedded.o
SAN_OBJ   := $(patsubst %.c,$(S)/obj/%.o,$(FORMAT_SRC) $(COMMON_SRC) $(INGEST_SRC) $(REPORT_SRC) $(EXPORT_SRC) $(COMPARE_SRC) $(CLI_SRC)) $(S)/obj/gen/embedded.o
# The tool's objects without main(), for unit tests.
TOOL_NOMAIN := $(filter-out $(S)/obj/cli/main.o,$(SAN_OBJ))

.PHONY: all deps test demo bench fuzz install clean check-deps san unit-tests test-programs go-programs
all: $(B)/libmemledger.so $(B)/memledger

# ---------------------------------------------------------------- deps
# Debian packages the build, the tests and the demo need. `make deps`
# installs the missing ones with apt-get when run as root.
DEB_BUILD := gcc g++ make pkg-config libsqlite3-dev libxml2-dev zlib1g-dev libunwind-dev libdw-dev libelf-dev libcurl4-openssl-dev libdebuginfod-dev
DEB_TEST  := sqlite3 libxml2-utils valgrind python3 python3-html5lib chromium file golang-go graphviz debuginfod libjemalloc2
DEB_BENCH := heaptrack valgrind
deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

# ---------------------------------------------------------------- tracer
$(B)/lib/%.o: %.c $(wildcard format/*.h tracer/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	  -fno-omit-frame-pointer -c $< -o $@

$(B)/libmemledger.so: $(LIB_OBJ) tracer/exports.map
	$(CC) -shared -o $@ $(LIB_OBJ) -Wl,--version-script=tracer/exports.map \
	  -Wl,-z,nodelete -Wl,-z,now -lunwind -lz -lpthread -ldl -lm

# ---------------------------------------------------------------- tool
$(EMBED_C): $(EMBED) tests/embed.sh
	@mkdir -p $(dir $@)
	sh tests/embed.sh $(EMBED) > $@

$(B)/obj/gen/embedded.o: $(EMBED_C)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -c $< -o $@

$(B)/obj/%.o: %.c $(wildcard format/*.h common/*.h ingest/*.h report/*.h export/*.h compare/*.h cli/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(TOOL_INC) -c $< -o $@

$(B)/memledger: $(TOOL_OBJ)
	$(CC) -o $@ $(TOOL_OBJ) $(TOOL_LIBS)

# Sanitizer build of the tool (ingest, report, CLI): the tests use it.
$(S)/obj/gen/embedded.o: $(EMBED_C)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANFLAGS) -c $< -o $@

$(S)/obj/%.o: %.c $(wildcard format/*.h common/*.h ingest/*.h report/*.h export/*.h compare/*.h cli/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANFLAGS) $(TOOL_INC) -c $< -o $@

$(S)/memledger: $(SAN_OBJ)
	$(CC) $(SANFLAGS) -o $@ $(SAN_OBJ) $(TOOL_LIBS)

san: $(S)/memledger

# ---------------------------------------------------------------- tests
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(S)/unit/%,$(UNIT_SRC))
$(S)/unit/%: tests/unit/%.c tests/unit/check.h $(TOOL_NOMAIN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANFLAGS) $(TOOL_INC) -o $@ $< $(TOOL_NOMAIN) $(TOOL_LIBS)
# test_cfa tests the tracer's CFA rules, which need nothing else of it.
$(S)/unit/test_cfa: tests/unit/test_cfa.c tests/unit/check.h tracer/cfa.c tracer/cfa.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANFLAGS) -o $@ $< tracer/cfa.c
# test_livemap tests the live-block map, on the tracer's own mmap arena.
LIVEMAP_SRC := tracer/livemap.c tracer/arena.c tracer/state.c
$(S)/unit/test_livemap: tests/unit/test_livemap.c tests/unit/check.h $(LIVEMAP_SRC) tracer/livemap.h tracer/arena.h tracer/lock.h tracer/state.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANFLAGS) -o $@ $< $(LIVEMAP_SRC)

# Programs the end-to-end tests trace. Built without sanitizers and with
# -fno-builtin so the optimiser keeps every malloc/free pair.
PROG_C   := $(wildcard tests/programs/*.c)
PROG_CXX := $(wildcard tests/programs/*.cc)
PROG_BIN := $(patsubst tests/programs/%.c,$(B)/programs/%,$(PROG_C)) \
            $(patsubst tests/programs/%.cc,$(B)/programs/%,$(PROG_CXX))
$(B)/programs/%: tests/programs/%.c include/memledger.h $(wildcard tests/programs/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -fno-builtin -fno-inline -Wall -Werror -Iinclude -o $@ $< -lpthread -lrt
$(B)/programs/%: tests/programs/%.cc include/memledger.h
	@mkdir -p $(dir $@)
	g++ -std=c++17 -O1 -g -fno-builtin -fno-inline -Wall -Werror -Iinclude -o $@ $< -lpthread
# Built as distributions build (t1103): -O2, no frame pointers, inlining.
$(B)/programs/unw_omitfp: tests/programs/unw_omitfp.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -fomit-frame-pointer -g -fno-builtin -Wall -Werror -o $@ $<

# The fuzz target, linked with a corpus-replay driver so `make test`
# needs no clang; `make fuzz` links it with libFuzzer instead.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(S)/fuzz/%,$(FUZZ_SRC))
$(S)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(TOOL_NOMAIN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SANFLAGS) $(TOOL_INC) -o $@ $< tests/fuzz/replay.c $(TOOL_NOMAIN) $(TOOL_LIBS)

EXAMPLE_BIN := $(B)/examples/partition_demo
$(B)/examples/%: examples/%.c include/memledger.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g $(WARN) -Iinclude -o $@ $< -lpthread -lrt

# Go test programs (tests/go/NAME/main.go -> build/go/NAME), built when go
# is installed: standard library only, nothing is downloaded.
GO_ENV := GOCACHE=$(CURDIR)/$(B)/go/cache GOPATH=$(CURDIR)/$(B)/go/path GOFLAGS=-mod=mod \
          GOTOOLCHAIN=local GOPROXY=off
GO_BIN := $(patsubst tests/go/%/main.go,$(B)/go/%,$(wildcard tests/go/*/main.go))
$(B)/go/%: tests/go/%/main.go tests/go/%/go.mod go/memledger/memledger.go
	@mkdir -p $(dir $@)
	cd tests/go/$* && $(GO_ENV) go build -trimpath -o $(CURDIR)/$@ .
go-programs: $(if $(shell command -v go 2>/dev/null),$(GO_BIN))

test-programs: $(PROG_BIN) $(EXAMPLE_BIN) go-programs
unit-tests: $(UNIT_BIN) $(FUZZ_BIN)

test: deps
	@$(MAKE) --no-print-directory all san unit-tests test-programs
	@sh tests/run.sh

# ---------------------------------------------------------------- demo
DEMO_DIR := $(B)/demo
demo: deps
	@$(MAKE) --no-print-directory all $(EXAMPLE_BIN) go-programs
	@sh examples/demo.sh $(B) $(DEMO_DIR)

# ---------------------------------------------------------------- bench
bench: all
	@sh tests/deps.sh --optional $(DEB_BENCH)
	@$(MAKE) --no-print-directory -C bench B=../$(B)
	@python3 bench/run.py $(B)

# ---------------------------------------------------------------- fuzz
FUZZ_SECONDS ?= 120
fuzz: all
	@sh tests/deps.sh clang libclang-rt-14-dev
	@mkdir -p $(B)/fuzz
	clang $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude -I. $(TOOL_INC) \
	  -o $(B)/fuzz/fuzz_decode tests/fuzz/fuzz_decode.c $(FORMAT_SRC) $(COMMON_SRC) $(INGEST_SRC) \
	  cli/cmd_stats.c cli/util.c $(EMBED_C) $(TOOL_LIBS)
	mkdir -p $(B)/fuzz/corpus && cp tests/fuzz/corpus/* $(B)/fuzz/corpus/
	$(B)/fuzz/fuzz_decode -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus
	clang $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude -I. $(TOOL_INC) \
	  -o $(B)/fuzz/fuzz_go tests/fuzz/fuzz_go.c $(FORMAT_SRC) $(COMMON_SRC) $(INGEST_SRC) $(EMBED_C) $(TOOL_LIBS)
	$(B)/fuzz/fuzz_go -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus
	clang $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude -I. $(TOOL_INC) \
	  -o $(B)/fuzz/fuzz_tal tests/fuzz/fuzz_tal.c report/tal.c $(COMMON_SRC) -lxml2
	mkdir -p $(B)/fuzz/tal-corpus && cp tests/fuzz/corpus/tal-* $(B)/fuzz/tal-corpus/
	$(B)/fuzz/fuzz_tal -max_total_time=$(FUZZ_SECONDS) -dict=tests/fuzz/fuzz_tal.dict -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/tal-corpus

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/memledger \
	  $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/memledger/templates
	install -m 755 $(B)/memledger $(DESTDIR)$(PREFIX)/bin/memledger
	install -m 755 $(B)/libmemledger.so $(DESTDIR)$(PREFIX)/lib/memledger/libmemledger.so
	install -m 644 include/memledger.h $(DESTDIR)$(PREFIX)/include/memledger.h
	install -m 644 templates/report.xhtml templates/style.css templates/compare.xhtml templates/README.md \
	  $(DESTDIR)$(PREFIX)/share/memledger/templates/

clean:
	rm -rf $(B)
