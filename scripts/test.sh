#!/usr/bin/env bash
# Installs what the tests need on a fresh machine and runs every test.
# This is the README's test command; .ci/run calls it. Under CI=true nothing may be skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '\n==> %s\n' "$*"; }

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 1; }

# Debian packages the integration tests and smoke checks use: curl and openssl (smoke), kcat (Kafka interop test),
# postgresql (report-store tests).
apt_needed=()
command -v curl >/dev/null || apt_needed+=(curl)
command -v openssl >/dev/null || apt_needed+=(openssl)
command -v python3 >/dev/null || apt_needed+=(python3)
command -v kcat >/dev/null || apt_needed+=(kcat)
command -v node >/dev/null || apt_needed+=(nodejs npm)
# PostgreSQL server binaries (initdb, pg_ctl) for the report-store tests; Debian keeps them under /usr/lib/postgresql/<ver>/bin.
command -v initdb >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_needed+=(postgresql)
if [ ${#apt_needed[@]} -gt 0 ]; then
  log "Installing Debian packages: ${apt_needed[*]}"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${apt_needed[@]}" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${apt_needed[@]}" >/dev/null; fi
fi

# npm test servers (S3 and Kinesis emulators), pinned by the lock files kept in the repository.
for server in tests/servers/*/; do
  [ -f "$server/package-lock.json" ] || continue
  log "Installing test server ${server%/}"
  npm ci --prefix "$server" --no-audit --no-fund --loglevel=error
done

log "Restoring and building (Release)"
dotnet build Affiliate.Sdk.sln -c Release -nologo -clp:ErrorsOnly

log "Running tests"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
results="$root/artifacts/test-results"
rm -rf "$results"
dotnet test Affiliate.Sdk.sln -c Release --no-build -nologo --blame-hang-timeout 10m \
  --results-directory "$results" --logger "trx" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

# One plain closing line over every test assembly.
awk '
  /(Passed|Failed)!  - Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i+1) + 0 }
      if ($i == "Passed:")  { p += $(i+1) + 0 }
      if ($i == "Skipped:") { s += $(i+1) + 0 }
    }
  }
  END { printf "\nTests: %d passed, %d failed, %d skipped\n", p, f, s }' "$out" | tee "$out.summary"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if grep -q ' 0 passed' "$out.summary"; then echo "No test ran." >&2; rm -f "$out.summary"; exit 1; fi
rm -f "$out.summary"

# Every skipped test says why (the only allowed skip is a live test against a paid service without credentials).
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") == "NotExecuted":
            reason = " ".join(m.text or "" for m in r.iterfind(".//t:Message", ns)) or "no reason given"
            print(f"Skipped: {r.get('testName')}: {reason.strip()}")
PY

log "Smoke test: the sample host's capture endpoints over HTTP"
bash "$root/scripts/smoke-sample.sh"

log "Packages as users get them: pack every src project, check them, run a consumer built from the packed feed"
bash "$root/scripts/pack-and-consume.sh"
