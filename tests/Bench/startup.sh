#!/usr/bin/env bash
# Startup benchmark: the plugin's launch-to-port-line time against a hello-world .NET floor.
set -euo pipefail
cd "$(dirname "$0")/../.."
plugin="${1:-provider/bin/plugin/pulumi-resource-mvm}"
dotnet publish tests/Bench/HelloFloor/HelloFloor.csproj -c Release -o tests/Bench/bin/floor --nologo -v quiet
dotnet build tests/Bench/Startup/Mvm.Bench.Startup.csproj -c Release -o tests/Bench/bin/startup --nologo -v quiet
tests/Bench/bin/startup/mvm-bench-startup "$plugin" tests/Bench/bin/floor/HelloFloor "${RUNS:-20}"
