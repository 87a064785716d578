#!/usr/bin/env bash
# The measured table of docs/loadtest.md: the Dynamics scenario's job (one day of traffic)
# against SQLite with 10 k, 100 k and 1 M historic rows, without an index and with
# state_clock, for a 5-minute and a 12-hour sweep. Prints one Markdown row per configuration:
# median and longest run duration, rows read by the median run, closures against the
# simulator's. `tests/loadtest_table.sh DIR` only summarises folders measured before.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${AUTOCLOSE:-target/release/autoclose}
out=${1:-$(mktemp -d /tmp/autoclose-loadtest-table.XXXXXX)}
if [ $# -eq 0 ]; then
  for h in 10000 100000 1000000; do
    "$bin" loadtest scenarios/dynamics.toml --set scenario.horizon=1d --set scenario.warmup=0h \
      --history "$h" --interval 5m,12h --index none,state_clock --out "$out/h$h" --force --no-charts -q
  done
fi
echo "| historic rows | sweep | index | runs | median run | longest run | rows read (median run) | closed (store / simulator) |"
echo "|---|---|---|---|---|---|---|---|"
for h in 10000 100000 1000000; do
  awk -F, -v h="$h" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { k = $col["interval_s"] "," $col["index"]; n[k]++; d[k, n[k]] = $col["duration_s"]; s[k, n[k]] = $col["rows_scanned"]
      c[k] += $col["closed"]; sc[k] += $col["sim_closed"]; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
    function median(a, k, len,   i, j, t, v) { for (i = 1; i <= len; i++) v[i] = a[k, i] + 0
      for (i = 2; i <= len; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      return v[int((len + 1) / 2)] }
    function maxof(a, k, len,   i, x) { x = 0; for (i = 1; i <= len; i++) if (a[k, i] + 0 > x) x = a[k, i] + 0; return x }
    END { for (i = 1; i <= m; i++) { k = order[i]; split(k, p, ","); iv = (p[1] == 300) ? "5 min" : "12 h"
      printf "| %s | %s | %s | %d | %.2f ms | %.2f ms | %d | %d / %d |\n", h, iv, p[2], n[k], 1000 * median(d, k, n[k]),
        1000 * maxof(d, k, n[k]), median(s, k, n[k]), c[k], sc[k] } }' "$out/h$h/loadtest.csv"
done
