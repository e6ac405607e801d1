#!/usr/bin/env bash
# Writes the public API of src packages into their PublicAPI.Unshipped.txt, so that the build (public API analyzers,
# RS0016/RS0017 as errors) accepts a deliberate public change.
#
# Usage: scripts/update-public-api.sh [Package ...]     e.g. scripts/update-public-api.sh Affiliate.Sdk.Postgres
#   Without names: every project under src/. A package without PublicAPI files (a new package) gets both, with the
#   `#nullable enable` header, and its whole current public API in PublicAPI.Unshipped.txt.
#
# How: each project is rebuilt with warnings allowed; every RS0016 (public symbol not declared) names the symbol
# exactly as the file wants it, and is added to PublicAPI.Unshipped.txt; every RS0017 (declared symbol no longer
# public) is removed from Unshipped, or, when it had shipped, recorded as `*REMOVED*<symbol>` (a breaking change).
# This also covers source-generated members (System.Text.Json contexts), which `dotnet format` does not see.
# Review the diff of PublicAPI.*.txt before committing it: every line there is a promise to users.
# At release, scripts/ship-public-api.sh moves Unshipped into Shipped (docs/releasing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

projects=()
if [ $# -eq 0 ]; then
  for csproj in src/*/*.csproj; do projects+=("$csproj"); done
else
  for name in "$@"; do
    name=${name%/}; name=${name%.csproj}; name=${name##*/}
    csproj="src/$name/$name.csproj"
    [ -f "$csproj" ] || { echo "update-public-api: no project $csproj" >&2; exit 2; }
    projects+=("$csproj")
  done
fi

work=$(mktemp -d)
other_found=0
trap 'rm -rf "$work"' EXIT

for csproj in "${projects[@]}"; do
  dir=$(dirname "$csproj")
  for file in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
    if [ ! -f "$dir/$file" ]; then
      printf '#nullable enable\n' >"$dir/$file"
      echo "created $dir/$file"
    fi
  done
done

# References first (incremental), then each named project alone from scratch so that its analyzers report again.
common=(-c Release -nologo -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= -clp:NoSummary)
for csproj in "${projects[@]}"; do
  dotnet build "$csproj" "${common[@]}" -v:q >/dev/null || { dotnet build "$csproj" "${common[@]}" -clp:ErrorsOnly >&2; exit 1; }
done

for csproj in "${projects[@]}"; do
  dir=$(dirname "$csproj")
  log="$work/build.log"
  dotnet build "$csproj" "${common[@]}" --no-restore --no-dependencies --no-incremental -v:q -clp:WarningsOnly >"$log" 2>&1 \
    || { cat "$log" >&2; exit 1; }
  full=$(cd "$dir" && pwd)/$(basename "$csproj")
  # "…: warning RS0016: Symbol '<entry>' is not part of the declared public API (…) [<project>]"
  grep -F "[$full]" "$log" | sed -nE "s/.*warning RS0016: Symbol '(.*)' is not part of the declared public API.*/\1/p" | sort -u >"$work/added"
  grep -F "[$full]" "$log" | sed -nE "s/.*warning RS0017: Symbol '(.*)' is part of the declared API, but is either not public or could not be found.*/\1/p" | sort -u >"$work/removed"

  # Other public API rules (RS0026 overloads with optional parameters, RS0036/RS0037 nullable annotations, …) are
  # design questions, not bookkeeping: show them, and fail, so that someone decides.
  grep -F "[$full]" "$log" | grep -E 'warning RS00[0-9]{2}:' | grep -vE 'warning RS001[67]:' | sort -u >"$work/other" || true
  if [ -s "$work/other" ]; then
    echo "$dir: public API rules to settle by hand:" >&2
    cat "$work/other" >&2
    other_found=1
  fi

  unshipped="$dir/PublicAPI.Unshipped.txt"
  shipped="$dir/PublicAPI.Shipped.txt"
  grep -v '^#nullable enable$' "$unshipped" | grep -v '^$' >"$work/entries" || true
  cat "$work/added" >>"$work/entries"
  while IFS= read -r symbol; do
    if grep -qxF -- "$symbol" "$work/entries"; then
      grep -vxF -- "$symbol" "$work/entries" >"$work/entries.new" || true
      mv "$work/entries.new" "$work/entries"
    elif grep -qxF -- "$symbol" "$shipped"; then
      echo "*REMOVED*$symbol" >>"$work/entries"
    fi
  done <"$work/removed"
  { echo '#nullable enable'; LC_ALL=C sort -u "$work/entries"; } >"$work/unshipped"
  if cmp -s "$work/unshipped" "$unshipped"; then
    echo "$dir: public API unchanged"
  else
    mv "$work/unshipped" "$unshipped"
    echo "$dir: PublicAPI.Unshipped.txt +$(wc -l <"$work/added") -$(wc -l <"$work/removed") ($(grep -vc '^#' "$unshipped") entries)"
  fi
done
[ "$other_found" = 0 ] || exit 1
