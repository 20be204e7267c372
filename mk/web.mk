# Web assets and browser-test dependencies (owned by the web/API work).
#
# web-assets: install the pinned npm packages (package-lock.json) and copy Apache ECharts' ES-module
#   build into src/chainatlas/web/static/vendor (git-ignored; included in the wheel by package-data).
#   File targets make it idempotent: when the vendor copy is newer than the lock file nothing runs.
# browser-deps: Debian's Chromium and a CJK font for the end-to-end tests (Playwright never
#   downloads a browser here); installed only when /usr/bin/chromium is missing.
.PHONY: web-assets browser-deps

WEB_VENDOR := src/chainatlas/web/static/vendor
ECHARTS_DIR := node_modules/echarts
NPM ?= npm

web-assets: $(WEB_VENDOR)/echarts.esm.min.js

$(ECHARTS_DIR)/package.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

$(WEB_VENDOR)/echarts.esm.min.js: $(ECHARTS_DIR)/package.json
	mkdir -p $(WEB_VENDOR)
	cp $(ECHARTS_DIR)/dist/echarts.esm.min.mjs $@.tmp
	cp $(ECHARTS_DIR)/LICENSE $(WEB_VENDOR)/ECHARTS-LICENSE.txt
	cp $(ECHARTS_DIR)/NOTICE $(WEB_VENDOR)/ECHARTS-NOTICE.txt
	node -e 'const p=require("./$(ECHARTS_DIR)/package.json");require("fs").writeFileSync("$(WEB_VENDOR)/versions.json",JSON.stringify({echarts:p.version},null,1)+"\n")'
	mv $@.tmp $@

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei; \
	elif ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei; \
	fi
