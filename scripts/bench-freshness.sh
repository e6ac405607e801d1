#!/usr/bin/env bash
# Event-to-report freshness of the sample host under steady click load (docs/benchmarks.md).
# Usage: scripts/bench-freshness.sh [clicks-per-second=200] [seconds=60]
set -euo pipefail
cd "$(dirname "$0")/.."

rate=${1:-200}
seconds=${2:-60}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
data=$(mktemp -d)

dotnet build samples/Affiliate.Sdk.SampleHost -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build benchmarks/Affiliate.Sdk.FreshnessProbe -c Release -nologo -clp:ErrorsOnly >/dev/null

AffiliateSdk__LocalLog__Directory="$data/log" \
AffiliateSdk__Lake__Root="$data/lake" \
AffiliateSdk__DuckDb__LakeRoot="$data/lake" \
AffiliateSdk__DuckDb__StateDirectory="$data/duckdb" \
Logging__LogLevel__Default=Warning \
  dotnet run --project samples/Affiliate.Sdk.SampleHost -c Release --no-build --urls "$base" >"$data/host.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 120); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.5; done

dotnet benchmarks/Affiliate.Sdk.FreshnessProbe/bin/Release/net10.0/Affiliate.Sdk.FreshnessProbe.dll "$base" "$rate" "$seconds" 10
