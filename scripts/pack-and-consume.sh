#!/usr/bin/env bash
# Packs every src project as users get it, checks each package, then builds and runs a consumer app from those packages.
#
#   1. dotnet pack of every project under src/ into artifacts/packages (emptied first), Release, with package
#      validation (and the baseline of the last release once AffiliateSdkReleasedVersion is set).
#   2. Checks every .nupkg: README shown on the package page, license expression, repository URL and commit, XML docs
#      beside each assembly, and a .snupkg beside it whose PDB carries SourceLink. Fails on anything missing.
#   3. Restores samples/Affiliate.Sdk.PackageConsumer from artifacts/packages (plus the public registry for third-party
#      packages) into a fresh packages folder (artifacts/consumer-packages), builds it and runs it: the whole embedded
#      pipeline from capture to report, exiting non-zero when the report differs from what it captured.
#
# Settings (environment): VERSION_SUFFIX (e.g. preview.1) packs 0.1.0-preview.1 instead of 0.1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

packages="$root/artifacts/packages"
consumer="samples/Affiliate.Sdk.PackageConsumer"
version_args=()
[ -z "${VERSION_SUFFIX:-}" ] || version_args+=("-p:VersionSuffix=$VERSION_SUFFIX")

log() { printf '\n==> %s\n' "$*"; }
fail() { echo "pack-and-consume: $*" >&2; exit 1; }

rm -rf "$packages" "$root/artifacts/consumer-packages" "$root/artifacts/consumer"
mkdir -p "$packages"

version=$(dotnet msbuild src/Affiliate.Sdk/Affiliate.Sdk.csproj -nologo -getProperty:PackageVersion -p:Configuration=Release "${version_args[@]}")
[ -n "$version" ] || fail "could not read the package version from Directory.Build.props"

log "Packing every src project as $version into artifacts/packages"
ids=()
for csproj in src/*/*.csproj; do
  id=$(basename "$csproj" .csproj)
  ids+=("$id")
  dotnet pack "$csproj" -c Release -nologo -clp:ErrorsOnly -o "$packages" "${version_args[@]}" >/dev/null \
    || { dotnet pack "$csproj" -c Release -nologo -clp:ErrorsOnly -o "$packages" "${version_args[@]}" >&2; fail "dotnet pack $csproj failed"; }
done

log "Checking the packages"
python3 - "$packages" "$version" "${ids[@]}" <<'PY'
import re, sys, zipfile
from pathlib import Path

folder, version, ids = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
problems = []
for package_id in ids:
    nupkg = folder / f"{package_id}.{version}.nupkg"
    snupkg = folder / f"{package_id}.{version}.snupkg"
    if not nupkg.exists():
        problems.append(f"{nupkg.name}: missing")
        continue
    with zipfile.ZipFile(nupkg) as z:
        names = set(z.namelist())
        nuspec = z.read(f"{package_id}.nuspec").decode("utf-8")
        def need(ok, what):
            if not ok:
                problems.append(f"{nupkg.name}: {what}")
        need(re.search(r"<readme>README\.md</readme>", nuspec) and "README.md" in names, "no README.md shown on the package page")
        need(re.search(r'<license type="expression">[^<]+</license>', nuspec), "no license expression")
        repo = re.search(r'<repository type="git" url="(https://[^"]+)"[^>]* commit="([0-9a-f]{40})"', nuspec)
        need(repo, "no repository URL and commit")
        need(re.search(r"<description>[^<]+</description>", nuspec), "no description")
        dlls = [n for n in names if n.startswith("lib/") and n.endswith(".dll")]
        need(dlls, "no assembly under lib/")
        for dll in dlls:
            need(dll[:-4] + ".xml" in names, f"no XML docs beside {dll}")
    if not snupkg.exists():
        problems.append(f"{snupkg.name}: missing (symbols package)")
        continue
    with zipfile.ZipFile(snupkg) as z:
        pdbs = [n for n in z.namelist() if n.endswith(".pdb")]
        if not pdbs:
            problems.append(f"{snupkg.name}: no PDB")
        for pdb in pdbs:
            # The SourceLink map is stored uncompressed in the portable PDB.
            if b'"documents"' not in z.read(pdb) or (repo and repo.group(2).encode() not in z.read(pdb)):
                problems.append(f"{snupkg.name}: {pdb} has no SourceLink map to the commit")
    print(f"ok  {nupkg.name} (+ .snupkg)")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
PY

log "Restoring the consumer from artifacts/packages into a fresh packages folder"
dotnet restore "$consumer" -nologo -p:AffiliateSdkVersion="$version"
assets="$root/artifacts/consumer/obj/Affiliate.Sdk.PackageConsumer/project.assets.json"
python3 - "$assets" "$version" <<'PY' || fail "the consumer did not resolve the SDK from the packed feed"
import json, sys
assets, version = json.load(open(sys.argv[1])), sys.argv[2]
libs = {k: v for k, v in assets["libraries"].items() if k.lower().startswith("affiliate.sdk")}
wrong = {k: v["type"] for k, v in libs.items() if v["type"] != "package" or not k.endswith("/" + version)}
if not libs or wrong:
    print(f"Affiliate.Sdk libraries in the consumer's assets: {sorted(libs)}; not packages of {version}: {wrong}", file=sys.stderr)
    sys.exit(1)
print("ok  " + ", ".join(sorted(libs)) + " resolved as packages")
PY

log "Building and running the consumer"
dotnet build "$consumer" -c Release -nologo -clp:ErrorsOnly --no-restore -p:AffiliateSdkVersion="$version"
dotnet run --project "$consumer" -c Release --no-build -p:AffiliateSdkVersion="$version"
