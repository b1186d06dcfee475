# libFuzzer targets for libfamfs (included by user/Makefile).
#   make fuzz-build   build the targets into build/fuzz/ (clang + libFuzzer)
#   make fuzz         run every target for FUZZ_SECONDS (default 60) each
# "make check" builds them too; tests/cli/11-fuzz.sh then runs each for a
# bounded number of iterations over the seed corpus (TAP, one line per
# target). Without clang or libFuzzer the build writes the reason to
# build/fuzz/SKIP and the test prints SKIP with it.

FUZZ_CC ?= clang
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE \
	-I../include/uapi -Ilib -Icli -Itests/fuzz $(FUZZ_SAN) $(JSONC_CFLAGS)
FUZZ_TARGETS := superblock log fsck ops alloc_cfg parse hosttab
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_LIB_OBJS := $(patsubst lib/%.c,$(FUZZ_BUILD)/lib/%.o,$(LIB_SRCS))
# fuzz_parse also covers the CLI's number parsing and name escaping.
FUZZ_CLI_OBJS := $(FUZZ_BUILD)/cli/cli_parse.o $(FUZZ_BUILD)/cli/cli_text.o \
	$(FUZZ_BUILD)/cli/cli_json.o $(FUZZ_BUILD)/cli/cli_msg.o

.PHONY: fuzz-build fuzz

# Probe once: can this compiler link a libFuzzer program?
$(FUZZ_BUILD)/.probe:
	@mkdir -p $(FUZZ_BUILD)
	@rm -f $(FUZZ_BUILD)/SKIP
	@if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
		echo "$(FUZZ_CC) not installed (apt-get install clang libclang-rt-14-dev)" > $(FUZZ_BUILD)/SKIP; \
	elif ! printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }\n' | \
		$(FUZZ_CC) -x c -fsanitize=fuzzer -o $(FUZZ_BUILD)/.probe-bin - >/dev/null 2>&1; then \
		echo "$(FUZZ_CC) cannot link -fsanitize=fuzzer (libclang-rt-14-dev missing?)" > $(FUZZ_BUILD)/SKIP; \
	fi
	@touch $@

fuzz-build: $(FUZZ_BUILD)/.probe
	@if [ -f $(FUZZ_BUILD)/SKIP ]; then \
		echo "fuzz: SKIP: $$(cat $(FUZZ_BUILD)/SKIP)"; \
	else \
		$(MAKE) --no-print-directory $(FUZZ_BINS); \
	fi

$(FUZZ_BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/cli/%.o: cli/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/fuzz_%.o $(FUZZ_LIB_OBJS) $(FUZZ_CLI_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) \
		$(FUZZ_CLI_OBJS) $(FAMFS_LDLIBS) $(JSONC_LIBS) $(LDLIBS)

# Long runs: new inputs land in build/fuzz/corpus-<target>, never in the
# checked-in seeds.
fuzz: fuzz-build
	@[ ! -f $(FUZZ_BUILD)/SKIP ] || { echo "fuzz: SKIP: $$(cat $(FUZZ_BUILD)/SKIP)"; exit 0; }; \
	for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
			$(FUZZ_BUILD)/corpus-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

check: fuzz-build

clean: clean-fuzz
.PHONY: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_BUILD)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
