#!/usr/bin/env bash
# The Slurm recipe of docs/sweep.md, run on a real single-node Slurm cluster started here:
# munge, slurmctld and slurmd by hand (no systemd), every file in a temporary folder. The
# recipe's blocks (```sh slurm:NAME) are read from the page, so the page is what is tested.
# The merged folder must be byte-identical to an unsharded run of the same grid.
#
# Usage: tests/slurm.sh [path/to/autoclose]   (default: target/release/autoclose)
#        SLURM_TEST_SHARDS="1 2 4" tests/slurm.sh   measures scaling instead (tests/slurm_scale.sh)
# Fails loudly, with the daemons' log tails, when a task fails, when a job stays pending, or
# when it takes longer than the time limit. Stops every daemon it started, by process id.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$repo/target/release/autoclose}")
limit_s=${SLURM_TEST_LIMIT_S:-110}
# SLURM_TEST_SHARDS="1 2 4" measures instead of testing (tests/slurm_scale.sh; not for CI).
[[ -z ${SLURM_TEST_SHARDS:-} ]] || limit_s=${SLURM_TEST_LIMIT_S:-7200}
pending_limit_s=${SLURM_TEST_PENDING_LIMIT_S:-30}
started=$(date +%s)

need=()
for cmd in munged slurmctld slurmd sbatch squeue sinfo; do
    command -v "$cmd" >/dev/null || need+=("$cmd")
done
if ((${#need[@]})); then
    echo "slurm test: installing slurmctld slurmd slurm-client munge (missing: ${need[*]})"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge >/dev/null
fi

# munged refuses a socket under a folder that is not world-executable: mktemp -d is 0700.
work=$(mktemp -d /tmp/autoclose-slurm.XXXXXX)
chmod 755 "$work"
mkdir -p "$work"/{munge,state,spool,logs,run,job,bin}
chmod 755 "$work"/munge
pids=()

log_tails() {
    for f in "$work"/logs/*.log "$work"/job/*.out; do
        [[ -f $f ]] || continue
        echo "----- tail of $f"
        tail -n 25 "$f"
    done
}
cleanup() {
    local rc=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if ((rc != 0)); then log_tails; echo "slurm test: FAILED (exit $rc)"; fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
fail() { echo "slurm test: $*" >&2; exit 1; }
check_time() {
    local now=$(($(date +%s) - started))
    ((now <= limit_s)) || fail "over the time limit of ${limit_s} s ($*)"
}

# munge: a fresh key, our own socket.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
sock="$work/munge/munge.socket"
munged --force --foreground --key-file="$work/munge/munge.key" --socket="$sock" \
    --pid-file="$work/run/munged.pid" --log-file="$work/logs/munged.log" \
    --seed-file="$work/munge/seed" >>"$work/logs/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.1; done
[[ -S $sock ]] || fail "munged did not create its socket"

# A node with the machine's CPUs (at least 2, what the recipe asks per task).
cpus=$(nproc)
((cpus >= 2)) || cpus=2
port=$((20000 + RANDOM % 20000))
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=autoclose-ci
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=ci NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=ci Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >>"$work/logs/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -N ci -f "$SLURM_CONF" >>"$work/logs/slurmd.log" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 150); do
    state=$(sinfo -h -n ci -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.2
done
[[ $state == idle ]] || fail "the node did not become idle (state: ${state:-none})"
echo "slurm test: cluster up in $(($(date +%s) - started)) s ($cpus CPUs)"

# The recipe, from the page.
awk -v dir="$work/job" '
    /^```sh slurm:/ { name = substr($0, 13); file = dir "/" name; next }
    /^```/ && file { close(file); file = ""; next }
    file { print > file }
' "$repo/docs/sweep.md"
for f in sweep.sbatch merge.sbatch submit; do
    [[ -s $work/job/$f ]] || fail "docs/sweep.md has no \`\`\`sh slurm:$f block"
done
# SLURM_TEST_SABOTAGE breaks the recipe on purpose, to see this test fail as it should:
# `cpus` asks for more CPUs than the node has (pending forever), `task` makes every shard fail.
case ${SLURM_TEST_SABOTAGE:-} in
    "") ;;
    cpus) sed -i 's/--cpus-per-task=2/--cpus-per-task=64/' "$work/job/sweep.sbatch" ;;
    task) sed -i 's#scenarios/study_sweep_frequency.toml#scenarios/missing.toml#' "$work/job/sweep.sbatch" ;;
    *) fail "SLURM_TEST_SABOTAGE must be cpus or task" ;;
esac
ln -s "$repo/scenarios" "$work/job/scenarios"
ln -s "$bin" "$work/bin/autoclose"
export PATH="$work/bin:$PATH"

# Submits the recipe of the current folder and waits until both jobs are gone. Sets
# submitted_ns, array_done_ns and merge_done_ns (date +%s%N), which the scaling mode reports.
run_recipe() {
    local said q failed pending_since=""
    submitted_ns=$(date +%s%N)
    array_done_ns=""
    said=$(bash submit)
    [[ $said =~ ^array\ ([0-9]+),\ merge\ ([0-9]+)$ ]] || fail "the submission printed: $said"
    jobs=("${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
    echo "slurm test: submitted array ${jobs[0]} and merge ${jobs[1]}"

    # No accounting: poll squeue until both jobs are gone; a job pending too long (a recipe
    # that asks for more than the node has, a dependency that can never be met) is a failure.
    while :; do
        check_time "waiting for jobs ${jobs[*]}"
        # Finished jobs stay in slurmctld's memory for MinJobAge (300 s): a failed task shows.
        failed=$(scontrol -o show job "${jobs[0]}" 2>/dev/null | grep -E "JobState=(FAILED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|CANCELLED)" |
            sed -E 's/.*JobId=([0-9]+).*ArrayTaskId=([0-9]+).*JobState=([A-Z_]+).*ExitCode=([0-9:]+).*/task \2 (job \1): \3, exit \4/' || true)
        [[ -z $failed ]] || fail "array tasks failed: $(tr '\n' ';' <<<"$failed")"
        q=$(squeue -h -j "${jobs[0]},${jobs[1]}" -o "%i %T %r" 2>/dev/null || true)
        # Array tasks show as JOBID_TASK (or JOBID_[RANGE] while pending).
        if [[ -z $array_done_ns ]] && ! grep -q "^${jobs[0]}_" <<<"$q"; then
            array_done_ns=$(date +%s%N)
        fi
        [[ -z $q ]] && break
        if grep -q "DependencyNeverSatisfied" <<<"$q"; then
            fail "a shard failed, the merge can never run: $q"
        fi
        if grep -Eq " (RUNNING|COMPLETING|CONFIGURING) " <<<"$q"; then
            pending_since=""
        else
            pending_since=${pending_since:-$(date +%s)}
            if (($(date +%s) - pending_since > pending_limit_s)); then
                fail "nothing has run for over ${pending_limit_s} s: $(tr '\n' ';' <<<"$q")"
            fi
        fi
        sleep 0.2
    done
    merge_done_ns=$(date +%s%N)
}

# The same grid, unsharded, into folder $1: the recipe's sweep command (from the current
# folder's sweep.sbatch) without --shard, --out and --threads.
reference_run() {
    local cmd
    cmd=$(sed -n '/^autoclose sweep/,/[^\\]$/p' sweep.sbatch | tr -d '\\\n' |
        sed -E 's/--shard +"[^"]*"//; s/--out +"[^"]*"//; s/--threads +"[^"]*"//')
    eval "$cmd --out $1"
}

# Whether every CSV of the unsharded folder $1 is byte-identical in the merged folder $2.
same_csvs() {
    local f differ=0
    for f in "$1"/*.csv; do
        if ! cmp -s "$f" "$2/$(basename "$f")"; then
            echo "slurm test: $(basename "$f") differs between the merged and the unsharded run" >&2
            differ=1
        fi
    done
    return "$differ"
}

if [[ -n ${SLURM_TEST_SHARDS:-} ]]; then
    # shellcheck source=tests/slurm_scale.sh
    source "$repo/tests/slurm_scale.sh"
    exit 0
fi

cd "$work/job"
run_recipe

# Check the outputs, not only the job states.
for out in autoclose-sweep-*.out autoclose-merge-*.out; do
    [[ -f $out ]] || fail "no Slurm output file $out"
done
shards=$(ls -d shards/*/ 2>/dev/null | wc -l)
merged=results/study_sweep_frequency-sweep
[[ -f $merged/manifest.toml ]] || fail "the merge job wrote no $merged"

# The same grid, unsharded.
reference_run reference
same_csvs reference "$merged" || fail "merged results differ from the unsharded run"
n=$(ls reference/*.csv | wc -l)
check_time "after the checks"
echo "slurm test: passed in $(($(date +%s) - started)) s: $shards shards merged, $n CSV files byte-identical"
