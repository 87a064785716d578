#!/usr/bin/env bash
# Scale figures of docs/sweep.md, measured on the single-node Slurm cluster of tests/slurm.sh
# (which starts the cluster, then sources this file). Not for CI: minutes, not seconds.
#
# Usage: tests/slurm_scale.sh [path/to/autoclose]   (default: target/release/autoclose)
#   SLURM_TEST_SHARDS  shard counts run through Slurm, each SLURM_TEST_RUNS times (default "1 2 4", 3)
#   SLURM_TEST_MERGE_SHARDS  the large shard count whose merge is measured (default 64)
# For each shard count: the recipe of docs/sweep.md with its array rewritten to N tasks, the
# merge job timed by /usr/bin/time -v; the merged folder checked byte for byte against an
# unsharded run. Then `autoclose merge` of each shard set, outside Slurm, timed with
# /usr/bin/time -v (wall time, peak RSS). Prints one `scale:` line per run and the medians.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    SLURM_TEST_SHARDS=${SLURM_TEST_SHARDS:-1 2 4} exec "$(dirname "$0")/slurm.sh" "$@"
fi

runs=${SLURM_TEST_RUNS:-3}
many=${SLURM_TEST_MERGE_SHARDS:-64}
merged_name=results/study_sweep_frequency-sweep

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
median() { tr ' ' '\n' | sort -g | awk 'NF { v[++k] = $1 } END { print v[int((k + 1) / 2)] }'; }
elapsed_s() {
    sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
rss_mib() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" | awk '{ printf "%.1f", $1 / 1024 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Folder $1 gets the recipe for $2 shards: --array=0-7 rewritten, the merge timed.
recipe_for() {
    rm -rf "$1"
    mkdir -p "$1"
    cp "$work"/job/{sweep.sbatch,merge.sbatch,submit} "$1"
    ln -s "$repo/scenarios" "$1/scenarios"
    sed -i "s/^#SBATCH --array=0-7\$/#SBATCH --array=0-$(($2 - 1))/" "$1/sweep.sbatch"
    grep -q -- "^#SBATCH --array=0-$(($2 - 1))\$" "$1/sweep.sbatch" || fail "sweep.sbatch has no --array=0-7 line to rewrite"
    sed -i 's#^autoclose merge #/usr/bin/time -v -o merge-time.txt autoclose merge #' "$1/merge.sbatch"
    grep -q "^/usr/bin/time -v" "$1/merge.sbatch" || fail "merge.sbatch has no autoclose merge line to time"
}

# Runs the recipe for $1 shards in $work/scale-$1 and checks the merged folder; prints a line.
slurm_run() {
    local d="$work/scale-$1"
    recipe_for "$d" "$1"
    cd "$d"
    run_recipe
    [[ -f $merged_name/manifest.toml ]] || fail "the merge job of $1 shard(s) wrote no $merged_name"
    same_csvs "$work/reference" "$merged_name" || fail "$1 shard(s): merged results differ from the unsharded run"
    a=$(secs "$submitted_ns" "$array_done_ns")
    m=$(elapsed_s merge-time.txt)
    t=$(secs "$submitted_ns" "$merge_done_ns")
    echo "scale: $1 shard(s), run $2: array ${a} s, merge job ${m} s (peak RSS $(rss_mib merge-time.txt) MiB), submission to merged ${t} s; load $(load)"
}

echo "scale: $(nproc) CPUs, load $(load), runs per figure: $runs"
cd "$work/job"
t0=$(date +%s%N)
reference_run "$work/reference"
echo "scale: unsharded reference run (autoclose sweep, all CPUs, outside Slurm): $(secs "$t0" "$(date +%s%N)") s"

for n in $SLURM_TEST_SHARDS; do
    arr="" mer="" tot=""
    for r in $(seq "$runs"); do
        slurm_run "$n" "$r"
        arr+=" $a" mer+=" $m" tot+=" $t"
    done
    echo "scale: $n shard(s), median of $runs: array $(median <<<"$arr") s, merge job $(median <<<"$mer") s, submission to merged $(median <<<"$tot") s"
done
slurm_run "$many" 1

# The merge alone, outside Slurm, on every shard set (all shards of the same grid).
for n in $SLURM_TEST_SHARDS $many; do
    shards_mb=$(du -sbL "$work/scale-$n/shards" | awk '{ printf "%.1f", $1 / 1e6 }')
    el="" rss=""
    for r in $(seq "$runs"); do
        /usr/bin/time -v -o "$work/merge-time.txt" autoclose merge "$work/scale-$n"/shards/* \
            --quiet --force --out "$work/merge-$n"
        same_csvs "$work/reference" "$work/merge-$n" || fail "merge of $n shard(s) differs from the unsharded run"
        el+=" $(elapsed_s "$work/merge-time.txt")" rss+=" $(rss_mib "$work/merge-time.txt")"
    done
    echo "scale: merge of $n shard(s) ($shards_mb MB of shards), runs:$el s, peak RSS:$rss MiB; median $(median <<<"$el") s, $(median <<<"$rss") MiB; load $(load)"
done
echo "scale: done in $(($(date +%s) - started)) s"
