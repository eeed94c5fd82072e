# gongzhi — two commands on a fresh Debian 12 machine:
#   make run    install what is missing, build, load the demo data into a new database,
#               serve http://127.0.0.1:8080
#   make test   install what is missing, build, run every suite
# Other targets: build (server + web UI), web, fuzz, bench, fmt, clean.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DB ?= sqlite:data/gongzhi.db
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps build server server-asan web run test fuzz bench fmt clean

all: build

deps:
	@scripts/install-deps.sh

server: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

server-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGZ_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)

web: deps
	@scripts/build-web.sh

build: server web

# A new SQLite database gets the demo street first (gongzhi demo prints its accounts);
# an existing one is served as it is. SEED=N picks another demo street.
SEED ?= 1
run: build
	@mkdir -p data
	@case "$(DB)" in sqlite:*) f='$(patsubst sqlite:%,%,$(DB))'; \
	  if [ ! -e "$$f" ]; then \
	    echo "== 新数据库 $$f：载入演示数据"; \
	    build/gongzhi demo --db '$(DB)' --seed $(SEED) || { rm -f "$$f" "$$f-wal" "$$f-shm"; rm -rf "$$f.media"; exit 1; }; \
	    echo "== 账号与密码见上（build/gongzhi demo --show-accounts --seed $(SEED) 可再次查看）"; \
	  fi;; esac
	build/gongzhi serve --db $(DB) --listen $(LISTEN) --web web/dist

test: deps
	@scripts/test.sh

# One libFuzzer target for a long run: make fuzz TARGET=xlsx SECONDS=3600 (docs/FUZZING.md).
TARGET ?= json
SECONDS ?= 3600
fuzz: deps
	@scripts/fuzz.sh $(TARGET) $(SECONDS)

bench: build
	@bench/http.sh

fmt:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/fuzz/*.c' 'bench/*.c')

clean:
	rm -rf build build-asan build-fuzz web/dist
