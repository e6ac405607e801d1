#!/usr/bin/env bash
# At a release: moves every package's PublicAPI.Unshipped.txt into its PublicAPI.Shipped.txt (docs/releasing.md).
# Entries `*REMOVED*<symbol>` delete <symbol> from Shipped; every other entry is added. Unshipped is left with its
# `#nullable enable` header only, ready for the next version's changes.
#
# Usage: scripts/ship-public-api.sh [Package ...]   (default: every project under src/)
set -euo pipefail
cd "$(dirname "$0")/.."

dirs=()
if [ $# -eq 0 ]; then
  for csproj in src/*/*.csproj; do dirs+=("$(dirname "$csproj")"); done
else
  for name in "$@"; do name=${name%/}; name=${name%.csproj}; dirs+=("src/${name##*/}"); done
fi

for dir in "${dirs[@]}"; do
  shipped="$dir/PublicAPI.Shipped.txt"
  unshipped="$dir/PublicAPI.Unshipped.txt"
  [ -f "$shipped" ] && [ -f "$unshipped" ] || { echo "ship-public-api: $dir has no PublicAPI files (scripts/update-public-api.sh creates them)" >&2; exit 1; }
  python3 - "$shipped" "$unshipped" <<'PY'
import sys
shipped_path, unshipped_path = sys.argv[1], sys.argv[2]
header = "#nullable enable"
def entries(path):
    return [l.rstrip("\n") for l in open(path, encoding="utf-8") if l.strip() and l.strip() != header]
shipped, unshipped = set(entries(shipped_path)), entries(unshipped_path)
removed = {e[len("*REMOVED*"):] for e in unshipped if e.startswith("*REMOVED*")}
missing = removed - shipped
if missing:
    sys.exit(f"{unshipped_path}: *REMOVED* entries not in Shipped: {sorted(missing)}")
merged = (shipped - removed) | {e for e in unshipped if not e.startswith("*REMOVED*")}
with open(shipped_path, "w", encoding="utf-8") as f:
    f.write(header + "\n" + "".join(e + "\n" for e in sorted(merged, key=lambda s: s.encode())))
with open(unshipped_path, "w", encoding="utf-8") as f:
    f.write(header + "\n")
print(f"{shipped_path}: {len(merged)} entries shipped ({len(unshipped) - len(removed)} added, {len(removed)} removed)")
PY
done
