#!/bin/sh
# Builds the libFuzzer harnesses with clang, replays the saved regressions, then fuzzes each
# harness for a bounded time from a seed corpus cut out of the real blocks in fixtures/.
#
#   tests/fuzz/run.sh [SECONDS]     # seconds per harness, default 60 (CI: 45)
#
# Exits non-zero on any crash, leak, sanitizer report or oracle failure, in the replay or the
# fuzzing. A failing input is saved under build-fuzz/artifacts/<harness>/; add it under
# tests/fuzz/regressions/<harness>/ with the fix so every later run replays it first.
set -eu

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build="build-fuzz"

CC=clang cmake -S . -B "$build" -DCT_FUZZ=ON -DCT_BUILD_TESTS=OFF -DCT_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(getconf _NPROCESSORS_ONLN)" >/dev/null
bin=$build/tests/fuzz

# -max_len of each harness: every harness needs a line here (checked before any fuzzing).
max_len_of() {
    case $1 in
    fuzz_block) echo 4000000 ;;   # the largest block: MAX_BLOCK_SERIALIZED
    fuzz_tx) echo 1000000 ;;      # the 1 MB megatx seed fits
    fuzz_eth) echo 200000 ;;      # the largest RLP block file (eth447533.bin) fits
    fuzz_eth_json) echo 100000 ;; # every seed but the composite is smaller
    fuzz_eth_csv) echo 20000 ;;   # the trace CSV seeds are below 4 kB
    fuzz_json) echo 65536 ;;      # the JSON seeds are below 64 kB
    fuzz_customers) echo 16384 ;; # customer files: rows are short, a few dozen are enough
    fuzz_policy) echo 16384 ;;    # the default policy (the largest seed) is below 4 kB
    fuzz_labels) echo 16384 ;;    # the label seeds are cut at 16 kB
    fuzz_prices) echo 16384 ;;    # price seeds are a few rows (the limit is 64 kB a line)
    *) return 1 ;;
    esac
}

# The harnesses are every tests/fuzz/fuzz_*.c (CMake builds one binary per such file), so a
# new harness is run without being listed here. Each must be built and have its line in
# max_len_of: a harness this script does not know how to run is an error, not a skip.
harnesses=$(for src in tests/fuzz/fuzz_*.c; do basename "$src" .c; done | sort)
for h in $harnesses; do
    if [ ! -x "$bin/$h" ]; then
        echo "$h: tests/fuzz/$h.c has no built harness $bin/$h" >&2
        exit 1
    fi
    if ! max_len_of "$h" >/dev/null; then
        echo "$h: run.sh has no max_len for this harness: add it to max_len_of" >&2
        exit 1
    fi
done
for f in "$bin"/fuzz_*; do
    h=$(basename "$f")
    [ -x "$f" ] && [ "$h" != fuzz_seeds ] || continue
    case " $(echo $harnesses) " in
    *" $h "*) ;;
    *)
        echo "$h: built in $bin but has no source tests/fuzz/$h.c (stale build?)" >&2
        exit 1
        ;;
    esac
done

# UBSan only warns by default: make every report fatal so that libFuzzer saves the input.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

# Seeds are rebuilt each run; the working corpus is kept between local runs.
rm -rf "$build/seeds"
for h in $harnesses; do
    mkdir -p "$build/seeds/$h"
done
"$bin/fuzz_seeds" fixtures "$build/seeds/fuzz_block" "$build/seeds/fuzz_tx"
# Ethereum: the mainnet RLP block files as they are (concatenated units).
cp fixtures/eth/rlp_blocks/*.bin "$build/seeds/fuzz_eth/"
# Ethereum JSON: the saved mainnet responses (blocks, receipts, traces), and block 1755635
# with its two receipts as one [block, receipts] array (seed_eth_json_1755635.json, made
# from the ethereum-etl files by tests/fuzz's author) so the receipt code is reached at once.
s=fixtures/eth/ethereum-etl/test_stream/blocks_1755634_1755635
cp $s/*.json fixtures/eth/ethereum-etl/test_export_traces_job/*/*.json \
    fixtures/eth/ethereum-etl/test_extract_geth_traces_job/*/web3_*.json \
    tests/fuzz/seed_eth_json_1755635.json "$build/seeds/fuzz_eth_json/"

# Ethereum CSV: ethereum-etl's expected traces and GraphSense's traces (real exports).
for f in fixtures/eth/ethereum-etl/test_export_traces_job/*/expected_traces.csv; do
    cp "$f" "$build/seeds/fuzz_eth_csv/$(basename "$(dirname "$f")").csv"
done
head -c 4000 fixtures/eth/graphsense-lib/simple_graph/traces.csv >"$build/seeds/fuzz_eth_csv/graphsense.csv"
cp fixtures/eth/ethereum-etl/test_export_blocks_job/blocks_with_transactions_and_withdrawals/expected_blocks.csv     "$build/seeds/fuzz_eth_csv/blocks.csv"

# JSON parser: every JSON file of fixtures/ under 64 kB (RPC answers of both chains, the
# OFAC lists, ethereum-etl's expected outputs, the RLP test vectors).
find fixtures -name '*.json' -size -64k -exec cp {} "$build/seeds/fuzz_json/" \;

# The scan's customer file and risk policy, the price files (first byte: the column option):
# the docs' examples and layouts (tests/fuzz/seeds/).
for h in fuzz_customers fuzz_policy fuzz_prices; do
    cp tests/fuzz/seeds/$h/* "$build/seeds/$h/"
done
# Labels: the first byte picks the reader (0 CSV, 1 JSON, 2 TagPack, 3/4 OFAC), then the first
# 16 kB of each label file of fixtures/labels/ (real exports, TagPacks, OFAC lists).
label_seed() { # MODE-OCTAL FILE
    { printf "\\$1"; head -c 16000 "$2"; } >"$build/seeds/fuzz_labels/$1-$(basename "$2")"
}
for f in $(find fixtures/labels -type f | sort); do
    case $f in
    *.csv) label_seed 000 "$f" ;;
    */sanctioned_addresses_*.json) label_seed 004 "$f" ;;
    *.json) label_seed 001 "$f" ;;
    *.yaml) label_seed 002 "$f" ;;
    */sanctioned_addresses_*.txt) label_seed 003 "$f" ;;
    esac
done

status=0

# 1. Regressions: every saved input, once, before any fuzzing.
for h in $harnesses; do
    dir=tests/fuzz/regressions/$h
    [ -d "$dir" ] || continue
    files=$(find "$dir" -type f ! -name '*.md' | sort)
    [ -n "$files" ] || continue
    n=$(echo "$files" | wc -l)
    mkdir -p "$build/artifacts/$h"
    # shellcheck disable=SC2086 # file names are ours, without spaces
    if "$bin/$h" -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$h/" $files \
        >"$build/$h-regressions.log" 2>&1; then
        echo "$h: $n regression input(s) pass"
    else
        echo "$h: a regression input fails, see $build/$h-regressions.log" >&2
        tail -n 30 "$build/$h-regressions.log" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] || exit "$status"
ran=0

# 2. Fuzzing, one harness after the other.
for h in $harnesses; do
    max_len=$(max_len_of "$h")
    mkdir -p "$build/corpus/$h" "$build/artifacts/$h"
    log=$build/$h.log
    echo "$h: fuzzing for ${seconds}s (log: $log)"
    if "$bin/$h" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 \
        -timeout=60 -print_final_stats=1 -artifact_prefix="$build/artifacts/$h/" \
        "$build/corpus/$h" "$build/seeds/$h" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*\(cov: [0-9]*\).*/\1/p')
        echo "$h: ok, ${runs:-?} executions, $cov"
    else
        echo "$h: FAILED, input saved in $build/artifacts/$h/" >&2
        grep -E 'ERROR|runtime error|invariant failed|SUMMARY|Test unit written' "$log" >&2 ||
            tail -n 30 "$log" >&2
        status=1
    fi
    ran=$((ran + 1))
done
echo "$ran harness(es) fuzzed: $(echo $harnesses)"
exit "$status"
