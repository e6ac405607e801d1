#!/usr/bin/env bash
# Starts the sample host with embedded defaults on a free loopback port and drives its capture
# endpoints with curl, as the README promises. Fails loudly on any unexpected status.
set -euo pipefail
cd "$(dirname "$0")/.."

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 5123)
base="http://127.0.0.1:$port"
data=$(mktemp -d)
hostlog="$data/host.log"

AffiliateSdk__LocalLog__Directory="$data/log" \
AffiliateSdk__Lake__Root="$data/lake" \
AffiliateSdk__DuckDb__LakeRoot="$data/lake" \
AffiliateSdk__DuckDb__StateDirectory="$data/duckdb" \
  dotnet run --project samples/Affiliate.Sdk.SampleHost -c Release --no-build --urls "$base" >"$hostlog" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

fail() { echo "smoke: $*" >&2; echo "--- host log ---" >&2; tail -n 50 "$hostlog" >&2; exit 1; }

for _ in $(seq 1 120); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || fail "the host exited during start-up"
  sleep 0.5
done
curl -fsS "$base/health" >/dev/null || fail "the host did not become healthy"

expect() { # expect STATUS METHOD URL [curl args…]
  local want=$1 method=$2 url=$3; shift 3
  local got
  got=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "$@" "$url")
  [ "$got" = "$want" ] || fail "$method $url answered $got, expected $want"
  echo "ok  $want $method ${url#"$base"}"
}

location=$(curl -s -o /dev/null -w '%{redirect_url}' "$base/t/click?offer=1001&aff=42&sub1=spring")
case "$location" in https://shop.example/landing\?cid=*) echo "ok  302 GET /t/click -> $location" ;; *) fail "click did not redirect to the offer with a click id (got '$location')" ;; esac
click_id=${location##*cid=}; click_id=${click_id%%&*}

expect 404 GET "$base/t/click?offer=does-not-exist&aff=42"
expect 400 GET "$base/t/click?offer=1001"
expect 200 GET "$base/t/imp?offer=1001&aff=42"

secret=$(python3 -c 'import json;print(json.load(open("samples/Affiliate.Sdk.SampleHost/offers.json"))["Advertisers"][0]["PostbackSecrets"][0])')
canonical="amount=49.90&click_id=$click_id&currency=USD&status=approved&txn_id=SMOKE-1"
sig=$(printf '%s' "$canonical" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')
expect 200 GET "$base/t/postback?$canonical&sig=$sig"
expect 401 GET "$base/t/postback?$canonical&sig=0000"
expect 401 GET "$base/t/postback?$canonical"
expect 200 GET "$base/api/offers"

# The medallion runs every few seconds: wait until the approved postback above is in gold.
today=$(date -u +%Y-%m-%d)
for _ in $(seq 1 60); do
  report=$(curl -fsS "$base/api/reports?from=$today&to=$today&grain=total&metrics=conversions,revenue")
  case "$report" in *'"conversions":1,'*) break ;; esac
  sleep 1
done
case "$report" in *'"conversions":1,"revenue":12.5'*) echo "ok  200 GET /api/reports -> $report" ;; *) fail "the conversion did not reach the report (last answer: $report)" ;; esac
expect 400 GET "$base/api/reports?from=$today"
echo "smoke: sample host endpoints answer as documented and events reach the report"
