#!/bin/sh
# Runs a hook and appends "HG_HOOKNAME nanoseconds" to $BENCH_HOOK_LOG: what each hook adds to a
# push, measured inside the real push rather than as the difference of two noisy pushes.
start=$(date +%s%N)
"$@"
rc=$?
end=$(date +%s%N)
echo "${HG_HOOKNAME:-hook} $((end - start))" >> "$BENCH_HOOK_LOG"
exit $rc
