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
TARBALL      := provider/bin/pulumi-resource-mvm-v$(VERSION)-linux-amd64.tar.gz
PULUMI_HOME  ?= $(HOME)/.pulumi
ENGINE_DIR   := tests/Engine/bin/engine
ENGINE       := $(ENGINE_DIR)/mvm-engine
EXAMPLE      ?= examples/cluster
STACK        ?= dev
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

.PHONY: build plugin plugin-check test-plugin engine schema install tarball test test-unit test-protocol test-lab bench bench-vm demo lab-up lab-down lab-status clean

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

tarball: plugin
	tar -C $(PLUGIN_DIR) -czf $(TARBALL) .
	@echo "$(TARBALL): pulumi plugin install resource mvm $(VERSION) --file $(TARBALL)"

install: tarball
	rm -rf $(PULUMI_HOME)/plugins/resource-mvm-v$(VERSION)
	mkdir -p $(PULUMI_HOME)/plugins/resource-mvm-v$(VERSION)
	cp -a $(PLUGIN_DIR)/. $(PULUMI_HOME)/plugins/resource-mvm-v$(VERSION)/
	@echo "installed to $(PULUMI_HOME)/plugins/resource-mvm-v$(VERSION)"

test: test-unit test-protocol

test-unit:
	dotnet test tests/Unit/Mvm.Tests.Unit.csproj -c $(CONFIG) --nologo
	dotnet test tests/EngineTests/Mvm.EngineTests.csproj -c $(CONFIG) --nologo

test-protocol: plugin-check test-plugin
	MVM_PLUGIN_PATH=$(CURDIR)/$(PLUGIN) MVM_TEST_PLUGIN_PATH=$(CURDIR)/$(TEST_PLUGIN) \
	  dotnet test tests/Protocol/Mvm.Tests.Protocol.csproj -c $(CONFIG) --nologo

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
