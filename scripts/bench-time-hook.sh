#!/bin/sh
# Runs a hook and appends its wall time in nanoseconds to $BENCH_HOOK_LOG: what the hook adds
# to a push, measured inside the real push rather than as the difference of two noisy pushes.
start=$(date +%s%N)
"$@"
rc=$?
end=$(date +%s%N)
echo $((end - start)) >> "$BENCH_HOOK_LOG"
exit $rc
