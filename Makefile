# pulumi-resource-mvm — build, test, install, demo.
# `make demo` and `make test` are the two commands a new user needs (see README.md).

SHELL        := /bin/bash
VERSION      := $(shell sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' provider/Provider.csproj)
CONFIG       ?= Release
PLUGIN_DIR   := provider/bin/plugin
PLUGIN       := $(PLUGIN_DIR)/pulumi-resource-mvm
# The test build of the plugin: the same server plus the fixture resource and the kill switch (tests/TestPlugin).
TEST_PLUGIN_DIR := tests/TestPlugin/bin/plugin
TEST_PLUGIN     := $(TEST_PLUGIN_DIR)/pulumi-resource-mvm-test
PULUMI_HOME  ?= $(HOME)/.pulumi
ENGINE_DIR   := tests/Engine/bin/engine
ENGINE       := $(ENGINE_DIR)/mvm-engine
EXAMPLE      ?= examples/cluster
STACK        ?= dev
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

.PHONY: build plugin plugin-check test-plugin engine schema release release-linux-amd64 install sdk need-pulumi test test-unit \
  test-protocol test-release test-lab bench bench-vm demo lab-up lab-down lab-status clean

build: plugin test-plugin engine
	dotnet build Provider.sln -c $(CONFIG) --nologo -v quiet

# The plugin is published Native AOT (Provider.csproj, SDK pinned by global.json): the engine waits for its port
# line on every launch, and a native binary has no runtime to start nor code to JIT. A trim or AOT diagnostic
# fails the publish; a managed dll in the output would mean it was not compiled natively.
plugin:
	rm -rf $(PLUGIN_DIR)
	dotnet publish provider/Provider.csproj -c $(CONFIG) -o $(PLUGIN_DIR) --nologo -v quiet
	@test -x $(PLUGIN) && test ! -e $(PLUGIN_DIR)/pulumi-resource-mvm.dll \
	  || { echo "$(PLUGIN) is not a Native AOT binary" >&2; exit 1; }

# The trimmed binary must still know every record: one whose properties were trimmed away prints a smaller schema.
plugin-check: plugin
	@$(PLUGIN) --emit-schema | cmp -s - schema.json \
	  || { echo "$(PLUGIN) --emit-schema differs from schema.json: run make schema if the records changed;" \
	  "otherwise the native build lost types (see provider/ModelRoots.cs)" >&2; exit 1; }
	@echo "$(PLUGIN): Native AOT, --emit-schema matches schema.json"

test-plugin:
	dotnet publish tests/TestPlugin/Mvm.TestPlugin.csproj -c $(CONFIG) -o $(TEST_PLUGIN_DIR) --nologo -v quiet

engine:
	dotnet publish tests/Engine/Mvm.Engine.csproj -c $(CONFIG) -o $(ENGINE_DIR) --nologo -v quiet

schema: plugin
	$(PLUGIN) --emit-schema > schema.json
	@echo "schema.json regenerated from the resource records"

# Release tarballs, one per platform, named and laid out as the Pulumi CLI downloads them from the GitHub release
# that schema.json's pluginDownloadURL names: pulumi-resource-mvm-v<version>-<os>-<arch>.tar.gz holding the binary
# (pulumi-resource-mvm, .exe on Windows) at the archive root. The version is the csproj's <Version> (VERSION above).
RELEASE_DIR  := provider/bin/release
RELEASE_NAME := pulumi-resource-mvm-v$(VERSION)
# Pulumi's <os>-<arch> names and the .NET runtime identifier each is built for.
RID_linux-arm64   := linux-arm64
RID_darwin-amd64  := osx-x64
RID_darwin-arm64  := osx-arm64
RID_windows-amd64 := win-x64
RID_windows-arm64 := win-arm64
BIN_windows-amd64 := pulumi-resource-mvm.exe
BIN_windows-arm64 := pulumi-resource-mvm.exe
# The six platforms Pulumi's own providers ship. Each self-contained one needs the .NET runtime, ASP.NET Core
# runtime and apphost packs of its RID on the NuGet feed; a missing one fails its target with a message naming them.
SINGLE_FILE_PLATFORMS := linux-arm64 darwin-amd64 darwin-arm64 windows-amd64 windows-arm64
RELEASE_PLATFORMS     := linux-amd64 $(SINGLE_FILE_PLATFORMS)
HOST_PLATFORM := $(shell uname -s | tr A-Z a-z)-$(subst x86_64,amd64,$(subst aarch64,arm64,$(shell uname -m)))

# pack PLATFORM BINARY: the publish directory's files, minus symbols, at the root of the platform's tarball.
define pack
	rm -f $(RELEASE_DIR)/$(1)/*.pdb $(RELEASE_DIR)/$(1)/*.dbg
	chmod 0755 $(RELEASE_DIR)/$(1)/$(2)
	cd $(RELEASE_DIR)/$(1) && tar --owner=0 --group=0 --numeric-owner -czf ../$(RELEASE_NAME)-$(1).tar.gz *
	@echo "release: $(RELEASE_DIR)/$(RELEASE_NAME)-$(1).tar.gz"
endef

release:
	rm -rf $(RELEASE_DIR)
	$(MAKE) --no-print-directory $(addprefix release-,$(RELEASE_PLATFORMS))
	@echo "release: $(words $(RELEASE_PLATFORMS)) tarballs in $(RELEASE_DIR);" \
	  "attach them to the GitHub release v$(VERSION)"

# linux-amd64 is the plugin exactly as `make plugin` publishes it (the same recipe), into a fresh directory so no
# file of an earlier publish slips into the tarball.
release-linux-amd64:
	rm -rf $(RELEASE_DIR)/linux-amd64
	$(MAKE) --no-print-directory plugin PLUGIN_DIR=$(RELEASE_DIR)/linux-amd64
	$(call pack,linux-amd64,pulumi-resource-mvm)

# The other platforms: self-contained single-file builds (the user needs no .NET), cross-compiled here.
release-%:
	@test -n "$(RID_$*)" || { echo "release: unknown platform $*; known: $(RELEASE_PLATFORMS)" >&2; exit 2; }
	rm -rf $(RELEASE_DIR)/$*
	dotnet publish provider/Provider.csproj -c $(CONFIG) -r $(RID_$*) --self-contained -p:PublishSingleFile=true \
	  -p:IncludeNativeLibrariesForSelfExtract=true -p:PublishAot=false -o $(RELEASE_DIR)/$* --nologo -v quiet \
	  || { echo "release: $* ($(RID_$*)) did not build. A self-contained build needs" \
	    "Microsoft.NETCore.App.Runtime.$(RID_$*), Microsoft.AspNetCore.App.Runtime.$(RID_$*) and" \
	    "Microsoft.NETCore.App.Host.$(RID_$*) of the SDK's runtime version on the NuGet feed" \
	    "(see the restore errors above)" >&2; exit 1; }
	$(call pack,$*,$(or $(BIN_$*),pulumi-resource-mvm))

# Installs this machine's tarball: through the Pulumi CLI when it is on PATH, else unpacked where the CLI would.
install: release-$(HOST_PLATFORM)
	@tarball=$(RELEASE_DIR)/$(RELEASE_NAME)-$(HOST_PLATFORM).tar.gz; \
	if command -v pulumi >/dev/null; then \
	  pulumi plugin install resource mvm $(VERSION) --file $$tarball --reinstall; \
	else \
	  dir=$(PULUMI_HOME)/plugins/resource-mvm-v$(VERSION); rm -rf $$dir && mkdir -p $$dir && tar -xzf $$tarball -C $$dir \
	    && echo "installed $$tarball into $$dir"; \
	fi

# The C# SDK (sdk/dotnet, namespace and package Pulumi.Mvm), generated by the Pulumi CLI from the plugin's schema.
sdk: need-pulumi plugin
	pulumi package gen-sdk $(PLUGIN) --language dotnet --out sdk

need-pulumi:
	@command -v pulumi >/dev/null || { echo "make sdk: needs the Pulumi CLI (pulumi) on PATH, and it is not;" \
	  "install it, then run make sdk again (it runs: pulumi package gen-sdk $(PLUGIN) --language dotnet --out sdk)" >&2; \
	  exit 1; }

test: test-unit test-protocol test-release

test-unit:
	dotnet test tests/Unit/Mvm.Tests.Unit.csproj -c $(CONFIG) --nologo
	dotnet test tests/EngineTests/Mvm.EngineTests.csproj -c $(CONFIG) --nologo

test-protocol: plugin-check test-plugin
	MVM_PLUGIN_PATH=$(CURDIR)/$(PLUGIN) MVM_TEST_PLUGIN_PATH=$(CURDIR)/$(TEST_PLUGIN) \
	  dotnet test tests/Protocol/Mvm.Tests.Protocol.csproj -c $(CONFIG) --nologo

# The release tarballs as a user downloads them (built first): names, layout, modes, each binary's format, and the
# one for this machine run (--version, --emit-schema).
test-release: release
	MVM_RELEASE_DIR=$(CURDIR)/$(RELEASE_DIR) dotnet test tests/Release/Mvm.Tests.Release.csproj -c $(CONFIG) --nologo

# Needs root: starts the lab (idempotent), then the lab's own check and the lab tests. The tests
# spread over 8 hosts: tools on h1-h3, OvsVlan on h4-h5, the cluster lifecycle on h4-h8. The detailed
# logger prints what each test measured (figures, the kill test's orphan count) even when it passes.
LAB_TEST_HOSTS ?= 8
test-lab: plugin test-plugin
	LAB_HOSTS=$(LAB_TEST_HOSTS) bash tests/lab/lab-up.sh
	bash tests/lab/lab-check.sh
	MVM_PLUGIN_PATH=$(CURDIR)/$(PLUGIN) MVM_TEST_PLUGIN_PATH=$(CURDIR)/$(TEST_PLUGIN) \
	  dotnet test tests/Lab/Mvm.Tests.Lab.csproj -c $(CONFIG) --nologo --logger "console;verbosity=detailed"

bench: plugin
	bash tests/Bench/startup.sh $(PLUGIN)
	@echo "(make bench-vm: 5 VMs through the provider against a raw virsh script, on the lab's h1-h3)"

# Needs the lab up (make lab-up) and bare hosts h1-h3 (BENCH_HOSTS); RUNS=3, KEEP=1 keeps the cluster.
bench-vm: plugin engine
	bash tests/Bench/vm-create.sh $(PLUGIN) $(ENGINE)

lab-up:
	bash tests/lab/lab-up.sh

lab-down:
	bash tests/lab/lab-down.sh

lab-status:
	bash tests/lab/lab-status.sh

# Uses the real Pulumi CLI when it is on PATH, the project's engine harness otherwise.
demo: plugin engine
	bash tests/demo.sh $(EXAMPLE) $(STACK)

clean:
	rm -rf provider/bin provider/obj tests/*/bin tests/*/obj
