# Web assets and browser-test dependencies (owned by the web/API work).
#
# web-assets: install the pinned npm packages (package-lock.json) and copy into
#   src/chainatlas/web/static/vendor (git-ignored; included in the wheel by package-data):
#   - Apache ECharts' ES-module build (the map UI);
#   - Swagger UI's bundle, stylesheet and icon into vendor/swagger-ui/ (the offline API docs at /docs;
#     source-map comments are dropped so that no browser asks for the absent .map files).
#   File targets make it idempotent: when the vendor copies are newer than the lock file nothing runs.
#   npm runs with --ignore-scripts: no install script (swagger-ui-dist's @scarf/scarf pings its
#   author's server from one) ever runs.
# browser-deps: Debian's Chromium and a CJK font for the end-to-end tests (Playwright never
#   downloads a browser here); installed only when /usr/bin/chromium is missing.
.PHONY: web-assets browser-deps

WEB_VENDOR := src/chainatlas/web/static/vendor
ECHARTS_DIR := node_modules/echarts
SWAGGER_DIR := node_modules/swagger-ui-dist
SWAGGER_OUT := $(WEB_VENDOR)/swagger-ui
#: touched after every `npm ci`, so the copies below are redone when the lock file changes
NPM_STAMP := node_modules/.chainatlas-installed
NPM ?= npm

web-assets: $(WEB_VENDOR)/echarts.esm.min.js $(SWAGGER_OUT)/swagger-ui-bundle.js $(WEB_VENDOR)/versions.json

$(NPM_STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

$(WEB_VENDOR)/echarts.esm.min.js: $(NPM_STAMP)
	mkdir -p $(WEB_VENDOR)
	cp $(ECHARTS_DIR)/dist/echarts.esm.min.mjs $@.tmp
	cp $(ECHARTS_DIR)/LICENSE $(WEB_VENDOR)/ECHARTS-LICENSE.txt
	cp $(ECHARTS_DIR)/NOTICE $(WEB_VENDOR)/ECHARTS-NOTICE.txt
	mv $@.tmp $@

$(SWAGGER_OUT)/swagger-ui-bundle.js: $(NPM_STAMP)
	mkdir -p $(SWAGGER_OUT)
	sed '/^\/\/# sourceMappingURL=/d' $(SWAGGER_DIR)/swagger-ui.css > $(SWAGGER_OUT)/swagger-ui.css
	sed 's|/\*# sourceMappingURL=[^*]*\*/||' -i $(SWAGGER_OUT)/swagger-ui.css
	cp $(SWAGGER_DIR)/favicon-32x32.png $(SWAGGER_OUT)/favicon-32x32.png
	cp $(SWAGGER_DIR)/LICENSE $(SWAGGER_OUT)/LICENSE.txt
	cp $(SWAGGER_DIR)/NOTICE $(SWAGGER_OUT)/NOTICE.txt
	cp $(SWAGGER_DIR)/swagger-ui-bundle.js.LICENSE.txt $(SWAGGER_OUT)/swagger-ui-bundle.js.LICENSE.txt
	sed '/^\/\/# sourceMappingURL=/d' $(SWAGGER_DIR)/swagger-ui-bundle.js > $@.tmp
	mv $@.tmp $@

$(WEB_VENDOR)/versions.json: $(NPM_STAMP)
	mkdir -p $(WEB_VENDOR)
	node -e 'const v=(n)=>require("./node_modules/"+n+"/package.json").version;require("fs").writeFileSync("$@",JSON.stringify({echarts:v("echarts"),"swagger-ui":v("swagger-ui-dist")},null,1)+"\n")'

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei; \
	elif ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei; \
	fi
