/**
 * How a generated launch file (sbatch script, SkyPilot `run:`) counts the Ray nodes that have joined, in
 * bash, robust across Ray versions:
 *
 * 1. `ray status --address=…`: the "Node status" section lists the live nodes under a header that Ray
 *    2.x calls `Active:` and Ray 1.x called `Healthy:`, one line per node id (` 1 node_<hex>`) on a
 *    hand-started cluster, or one line per node TYPE with a count (` 2 ray.worker.default`) when an
 *    autoscaler config names types. The function sums the leading counts of the lines under that header, so
 *    both layouts count right (the old `grep -c " node_"` counted lines: wrong for typed clusters, and it
 *    also counted pending nodes listed by id). Captured outputs of both forms are in
 *    test/cluster/fixtures/ray_status_*.txt (2.60.0 from this project's real Ray; the 1.x layout from Ray's
 *    own `format_info_string`).
 * 2. When `ray status` prints nothing countable (it changed again, or the autoscaler monitor is not up
 *    yet): `python3 -c 'ray.init(address=…); ray.nodes()'` — the public API every Ray release since 0.x has —
 *    counting the nodes whose `Alive` is true.
 */

/** `ray_alive_nodes ADDRESS` → prints the number of live Ray nodes (0 when it cannot tell). */
export const RAY_ALIVE_NODES_FN: readonly string[] = [
  '# Live Ray nodes: the counts under "Active:"/"Idle:" (Ray 2.x) or "Healthy:" (Ray 1.x) in `ray status`,',
  '# else ray.nodes() through python (any Ray version).',
  'ray_alive_nodes() {',
  '  local n',
  `  n=$(ray status --address="$1" 2>/dev/null | awk '/^[[:space:]]*(Active|Idle|Healthy):[[:space:]]*$/ {s = 1; next} /^[[:space:]]*[A-Z][A-Za-z ]*:[[:space:]]*$/ {s = 0} s && $1 ~ /^[0-9]+$/ {c += $1} END {print c + 0}')`,
  '  if [ "${n:-0}" -eq 0 ]; then',
  `    n=$(python3 -c 'import sys, ray; ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False); print(sum(1 for x in ray.nodes() if x.get("Alive")))' "$1" 2>/dev/null | tail -n 1)`,
  '    [[ "$n" =~ ^[0-9]+$ ]] || n=0',
  '  fi',
  '  echo "$n"',
  '}',
];
