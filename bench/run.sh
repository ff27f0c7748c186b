#!/usr/bin/env bash
# npm run bench: the long demo article served by Annalist (page cache on, and page cache off) against the same
# bytes served as a static file by a private nginx, measured with wrk in alternation; then the sitemap walks
# (bench/sitemap.mjs: reads while readers comment, uncached before/after, through nginx proxy_cache) and the comment
# benchmark (bench/comments.mjs: comment POST throughput, the article with 1,000 comments). See bench/README.md.
#   ROUNDS=3 DURATION=10s WARMUP=5s npm run bench        COMMENTS=0 LARGE=0 npm run bench   # without those parts
# Everything listens on 127.0.0.1 only; everything started here is stopped again at the end (also on error/Ctrl-C).
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}               # per wrk run, both profiles
SINGLE_DURATION=${SINGLE_DURATION:-$DURATION}
WARMUP=${WARMUP:-5s}                    # per target, once, before round 1
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PAUSE=${PAUSE:-1}                       # seconds between wrk runs (after the CPUs are idle again)
ANCHORS_WORK=${ANCHORS_WORK:-/var/tmp/bench-anchors}
# auto: WordPress (classic theme) is measured when ../shared/anchors/setup-wordpress.sh has set it up; 0 skips, 1 insists
WORDPRESS=${WORDPRESS:-auto}
if [[ $WORDPRESS == auto ]]; then
  if [[ -f $ANCHORS_WORK/wpclassic-url.txt ]]; then WORDPRESS=1; else WORDPRESS=0; WP_NOTE="not measured: WordPress is not set up here (run ../shared/anchors/setup-wordpress.sh as root)"; fi
fi
LARGE=${LARGE:-1}                       # 1: the generated site of 100,000 posts (bench/large-site.mjs); 0 skips it
PG=${PG:-1}                             # 1: add Annalist on PostgreSQL + Redis, one and two app nodes behind nginx
ANCHORS_DIR=${ANCHORS_DIR:-/work/shared/anchors}
ARTICLE_PATH=${ARTICLE_PATH:-/khalkhin-gol-1939/}
HOST=127.0.0.1

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in node nginx wrk curl; do command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y nginx wrk curl)"; done
[[ -f $ROOT/node_modules/tsx/package.json ]] || die "node_modules missing: run npm ci first"

# ---------------------------------------------------------------- cleanup: only what this script started
TMP=$(mktemp -d "${TMPDIR:-/tmp}/annalist-bench.XXXXXX")
PIDS=()          # Annalist instances and nginx master
WP_STOP_AFTER=0
PG_DIR=          # throwaway PostgreSQL cluster (own folder: the postgres user must be able to enter it)
PG_BIN=
REDIS_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then log "pid $p did not stop: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; fi
  done
  stop_pg_redis
  if [[ $WP_STOP_AFTER == 1 ]]; then "$ANCHORS_DIR/services.sh" stop || true; fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# ---------------------------------------------------------------- helpers
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# as_pg CMD ARGS...: initdb/pg_ctl refuse to run as root; run them as the postgres system user then
as_pg() { if [[ $EUID == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_pg_redis: a throwaway PostgreSQL cluster (as test/support/postgres.ts: temp folder, C collation, trust auth,
# loopback only, fsync off) with an empty database, and a redis-server without persistence; sets PG_ADMIN_URL,
# PG_URL (the database the read benchmark's nodes use) and REDIS_URL_BENCH.
start_pg_redis() {
  local d port attempt
  for d in $(command -v initdb | xargs -r dirname) $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr); do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && { PG_BIN=$d; break; }
  done
  [[ -n $PG_BIN ]] || die "PostgreSQL not found (apt-get install -y postgresql), or run with PG=0"
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install -y redis-server), or run with PG=0"
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/annalist-bench-pg.XXXXXX")
  [[ $EUID == 0 ]] && chown postgres: "$PG_DIR"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --lc-collate=C \
    --lc-ctype=C.UTF-8 --lc-messages=C --no-sync >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -o "-p $port \
      -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off \
      -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB" >/dev/null; then
      PG_ADMIN_URL="postgres://postgres@$HOST:$port/postgres"
      break
    fi
    log "PostgreSQL did not start on port $port (attempt $attempt)"
  done
  [[ -n ${PG_ADMIN_URL:-} ]] || { tail -5 "$PG_DIR/postgres.log" >&2; die "could not start PostgreSQL"; }
  psql -q -X -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c 'create database annalist_bench' >/dev/null
  PG_URL="postgres://postgres@$HOST:$port/annalist_bench"
  log "postgresql: $PG_ADMIN_URL ($PG_DIR)"
  mkdir -p "$PG_DIR/redis"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    redis-server --port "$port" --bind $HOST --save '' --appendonly no --dir "$PG_DIR/redis" \
      >"$PG_DIR/redis.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 40); do
      [[ $(redis-cli -h $HOST -p "$port" ping 2>/dev/null) == PONG ]] && break 2
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=
    log "redis-server did not start on port $port (attempt $attempt)"
  done
  [[ -n $REDIS_PID ]] || { tail -5 "$PG_DIR/redis.log" >&2; die "could not start redis-server"; }
  REDIS_URL_BENCH="redis://$HOST:$port"
  log "redis: $REDIS_URL_BENCH (pid $REDIS_PID)"
}

stop_pg_redis() {
  if [[ -n $REDIS_PID ]]; then kill -KILL "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=; fi
  if [[ -n $PG_DIR ]]; then
    # immediate shutdown: the data is thrown away anyway
    [[ -f $PG_DIR/data/postmaster.pid ]] && { as_pg "$PG_BIN/pg_ctl" stop -m immediate -w -D "$PG_DIR/data" >/dev/null 2>&1 || true; }
    rm -rf "$PG_DIR"; PG_DIR=
  fi
}

# wait_http URL [timeout_s]: 0 once URL answers 200
wait_http() {
  local url=$1 t=${2:-60} i code=000
  for ((i = 0; i < t * 4; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)
    [[ $code == 200 ]] && return 0
    sleep 0.25
  done
  log "timeout waiting for $url (last HTTP code $code)"; return 1
}

# wait_idle: let the CPUs settle (< 25 % busy twice in a row, at most 60 s) so one run does not spill into the next
wait_idle() {
  local ok=0 i a b ta tb
  for ((i = 0; i < 120 && ok < 2; i++)); do
    read -r _ a1 a2 a3 a4 a5 a6 a7 _ < /proc/stat; a=$((a1 + a2 + a3 + a5 + a6 + a7)); ta=$((a + a4))
    sleep 0.5
    read -r _ b1 b2 b3 b4 b5 b6 b7 _ < /proc/stat; b=$((b1 + b2 + b3 + b5 + b6 + b7)); tb=$((b + b4))
    if (((b - a) * 100 < 25 * (tb - ta))); then ok=$((ok + 1)); else ok=0; fi
  done
  ((ok >= 2)) && return 0
  log "WARNING: CPUs still busy after 60 s (something else is running on this machine?)"
  echo "$(date -u +%T) CPUs still busy 60 s after: $1" >>"$OUT/busy.txt"
}

# start_annalist NAME DATA_DIR [ENV=VALUE ...]: PORT=0 lets the OS pick a free port; the URL is read from stdout
start_annalist() {
  local name=$1 data=$2; shift 2
  env "$@" ANNALIST_DATA_DIR="$data" HOST=$HOST PORT=0 LOG_LEVEL=silent \
    node "$ROOT/bin/annalist.js" serve >"$TMP/$name.stdout" 2>"$OUT/$name.stderr.log" &
  PIDS+=($!)
  local pid=$! i url=
  for ((i = 0; i < 240; i++)); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$TMP/$name.stdout" 2>/dev/null | head -1 || true)
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$OUT/$name.stderr.log" >&2; die "Annalist ($name) exited during start"; }
    sleep 0.25
  done
  [[ -n $url ]] || die "Annalist ($name) did not report its address within 60 s"
  wait_http "$url$ARTICLE_PATH" 60 || die "Annalist ($name) does not answer $url$ARTICLE_PATH"
  log "annalist-$name: $url (pid $pid${*:+, $*})"
  ANNALIST_URL=$url
}

# start_nginx: the static copy on one port; with PG nodes running (PG_NODE1/PG_NODE2 = host:port), also a reverse
# proxy to both nodes (upstream, round robin, keep-alive connections) and one to the first node alone.
start_nginx() {
  local port attempt port_one= port_two= upstreams=
  mkdir -p "$TMP/nginx"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if [[ -n ${PG_NODE1:-} ]]; then
      port_one=$(free_port); port_two=$(free_port)
      upstreams=$(cat <<EOF
  upstream annalist_one { server $PG_NODE1; keepalive 64; }
  upstream annalist_two { server $PG_NODE1; server $PG_NODE2; keepalive 64; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$http_host;
  proxy_buffering on;
  server { listen $HOST:$port_one; location / { proxy_pass http://annalist_one; } }
  server { listen $HOST:$port_two; location / { proxy_pass http://annalist_two; } }
EOF
)
    fi
    {
      [[ $EUID == 0 ]] && echo 'user root;'
      cat <<EOF
worker_processes auto;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  keepalive_timeout 65;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  server {
    listen $HOST:$port;
    root $TMP/www;
    index index.html;
  }
$upstreams
}
EOF
    } >"$TMP/nginx/nginx.conf"
    nginx -t -q -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf"
    nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" &
    local pid=$!
    PIDS+=("$pid")
    if wait_http "http://$HOST:$port$ARTICLE_PATH" 10 &&
      { [[ -z $port_one ]] || { wait_http "http://$HOST:$port_one$ARTICLE_PATH" 10 && wait_http "http://$HOST:$port_two$ARTICLE_PATH" 10; }; }; then
      NGINX_URL="http://$HOST:$port"
      if [[ -n $port_one ]]; then
        PG_ONE_URL="http://$HOST:$port_one"; PG_TWO_URL="http://$HOST:$port_two"
        log "nginx: $NGINX_URL static, $PG_ONE_URL -> $PG_NODE1, $PG_TWO_URL -> $PG_NODE1 + $PG_NODE2 (pid $pid)"
      else
        log "nginx: $NGINX_URL (pid $pid)"
      fi
      return 0
    fi
    log "nginx did not come up on port $port (attempt $attempt):"; tail -3 "$TMP/nginx/error.log" >&2 || true
    kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  die "could not start nginx"
}

# ---------------------------------------------------------------- start
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$BENCH_DIR/out/$STAMP"
mkdir -p "$OUT" "$TMP/www${ARTICLE_PATH%/}"

DATA="$TMP/data"   # throwaway: the demo site is created on first start
start_annalist cached "$DATA"
CACHED_URL="$ANNALIST_URL$ARTICLE_PATH"
# Second process on the same data folder (identical content, read-only use), page cache off: renders every request.
start_annalist uncached "$DATA" ANNALIST_PAGE_CACHE=off
UNCACHED_URL="$ANNALIST_URL$ARTICLE_PATH"
# The same with two processes (ANNALIST_WORKERS=2, decision 012): both cores render, as php-fpm's workers do.
start_annalist uncached2 "$DATA" ANNALIST_PAGE_CACHE=off ANNALIST_WORKERS=2
UNCACHED2_URL="$ANNALIST_URL$ARTICLE_PATH"

# PostgreSQL + Redis: the first node seeds the demo into the empty database, the second starts on the seeded one.
# Both share one data folder (demo media); page cache on (the default), shared through Redis.
PG_NODE1= PG_NODE2=
if [[ $PG == 1 ]]; then
  start_pg_redis
  start_annalist pg-node1 "$TMP/pgnodes" DATABASE_URL="$PG_URL" REDIS_URL="$REDIS_URL_BENCH"
  PG_NODE1=${ANNALIST_URL#http://}
  start_annalist pg-node2 "$TMP/pgnodes" DATABASE_URL="$PG_URL" REDIS_URL="$REDIS_URL_BENCH"
  PG_NODE2=${ANNALIST_URL#http://}
fi

# the static copy: exactly the bytes Annalist sends (no Accept-Encoding => uncompressed)
curl -sf --max-time 10 "$CACHED_URL" -o "$TMP/www${ARTICLE_PATH%/}/index.html"
start_nginx
STATIC_URL="$NGINX_URL$ARTICLE_PATH"

declare -A URL=([nginx]=$STATIC_URL [cached]=$CACHED_URL [uncached]=$UNCACHED_URL [uncached2]=$UNCACHED2_URL)
TARGETS=(nginx cached uncached uncached2)
if [[ $PG == 1 ]]; then
  URL[pgone]="$PG_ONE_URL$ARTICLE_PATH"
  URL[pgtwo]="$PG_TWO_URL$ARTICLE_PATH"
  TARGETS+=(pgone pgtwo)
fi

if [[ $WORDPRESS == 1 ]]; then
  if [[ -f $ANCHORS_WORK/wpclassic-url.txt ]]; then
    URL[wpclassic]=$(cat "$ANCHORS_WORK/wpclassic-url.txt")
    [[ ${URL[wpclassic]} =~ ^http://127\.0\.0\.1[:/] ]] || die "wpclassic URL is not on 127.0.0.1: ${URL[wpclassic]}"
    # stop the anchors' services at the end only if none was running before (same rule as run-bench.sh)
    if ! "$ANCHORS_DIR/services.sh" status | grep -q ': running'; then WP_STOP_AFTER=1; fi
    "$ANCHORS_DIR/services.sh" start wp
    wait_http "${URL[wpclassic]}" 60 || die "WordPress classic does not answer ${URL[wpclassic]}"
    TARGETS+=(wpclassic)
  else
    log "WORDPRESS=1 but $ANCHORS_WORK/wpclassic-url.txt is missing: run $ANCHORS_DIR/setup-wordpress.sh first. Skipping WordPress."
    WP_NOTE="not measured: $ANCHORS_WORK/wpclassic-url.txt is missing (run $ANCHORS_DIR/setup-wordpress.sh first)"
  fi
fi

# ---------------------------------------------------------------- checks
# Is the page cache really off in the second instance? A cache hit carries `cache-control: no-cache` and
# `vary: accept-encoding` (src/web/app.ts onRequest hook); a fresh render does not. Ask three times.
uncached_check=ok
hdrs=$(curl -s --max-time 10 -o /dev/null -D - "$UNCACHED_URL" -o /dev/null -D - "$UNCACHED_URL" -o /dev/null -D - "$UNCACHED_URL" | tr -d '\r')
if grep -qi '^cache-control: no-cache' <<<"$hdrs" && grep -qi '^vary: accept-encoding' <<<"$hdrs"; then
  uncached_check="FAILED: the ANNALIST_PAGE_CACHE=off instance answers from its page cache (cache-hit headers present); the 'uncached' rows measure cached pages"
  log "WARNING: $uncached_check"
fi
ttfb() { # median time to first byte in ms over 15 sequential requests on one connection
  local args=() i
  for i in $(seq 15); do args+=(-o /dev/null -w '%{time_starttransfer}\n' "$1"); done
  curl -s --max-time 30 "${args[@]}" | sort -n | sed -n 8p | awk '{printf "%.3f", $1 * 1000}'
}

wait_idle "start"
{
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)"
  echo "mem_gib: $(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "node: $(node -v)"
  echo "nginx: $(nginx -v 2>&1 | cut -d/ -f2)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "annalist: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo n/a)$(cd "$ROOT" && [[ -n $(git status --porcelain 2>/dev/null) ]] && echo ' (working tree has changes)')"
  echo "wrk_cmd_load: wrk -t$THREADS -c$CONNS -d$DURATION --timeout 10s --latency URL"
  echo "wrk_cmd_single: wrk -t1 -c1 -d$SINGLE_DURATION --timeout 10s --latency URL"
  echo "warmup: wrk -t$THREADS -c$CONNS -d$WARMUP per target"
  echo "rounds: $ROUNDS"
  echo "profiles: load single"
  echo "targets: ${TARGETS[*]}"
  echo "uncached_check: $uncached_check"
  [[ -n ${WP_NOTE:-} ]] && echo "wordpress: $WP_NOTE"
  [[ $PG == 1 ]] && echo "pg_layout: PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') (fsync off) + redis $(redis-server -v | grep -o 'v=[0-9.]*' | cut -d= -f2); nginx upstream -> node1 $PG_NODE1 (pgone), node1 + node2 $PG_NODE2 round robin (pgtwo); page cache on"
  echo "ttfb_ms_cached: $(ttfb "$CACHED_URL")"
  echo "ttfb_ms_uncached: $(ttfb "$UNCACHED_URL")"
  for t in "${TARGETS[@]}"; do
    read -r code size < <(curl -s --max-time 30 -o /dev/null -w '%{http_code} %{size_download}\n' "${URL[$t]}")
    echo "url_$t: ${URL[$t]}"
    echo "bytes_$t: $size (HTTP $code)"
    [[ $code == 200 ]] || die "$t answers HTTP $code at ${URL[$t]}"
    echo "$size" >"$TMP/bytes-$t"
  done
} | tee "$OUT/meta.txt"
for t in cached uncached uncached2; do
  [[ $(cat "$TMP/bytes-$t") == $(cat "$TMP/bytes-nginx") ]] ||
    die "byte counts differ: nginx $(cat "$TMP/bytes-nginx"), annalist-$t $(cat "$TMP/bytes-$t")"
done
log "all targets answer 200; nginx and both Annalist instances send $(cat "$TMP/bytes-nginx") bytes"

# ---------------------------------------------------------------- measure
log "warm-up ($WARMUP each)"
for t in "${TARGETS[@]}"; do
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" --timeout 10s "${URL[$t]}" >"$OUT/warmup-$t.txt"
  wait_idle "warmup-$t"; sleep "$PAUSE"
done

for r in $(seq 1 "$ROUNDS"); do
  for prof in load single; do
    for t in "${TARGETS[@]}"; do
      log "round $r/$ROUNDS, $prof: $t"
      case $prof in
        load) wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency "${URL[$t]}" >"$OUT/r$r-$prof-$t.txt" ;;
        single) wrk -t1 -c1 -d"$SINGLE_DURATION" --timeout 10s --latency "${URL[$t]}" >"$OUT/r$r-$prof-$t.txt" ;;
      esac
      wait_idle "r$r-$prof-$t"; sleep "$PAUSE"
    done
  done
done

# the Annalist instances must still be the ones we started (a crash + nothing listening would show as errors anyway)
for t in cached uncached ${PG_NODE1:+pgone pgtwo}; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${URL[$t]}" || true)
  [[ $code == 200 ]] || log "WARNING: annalist-$t answers HTTP $code after the runs"
done

node "$BENCH_DIR/summarize.mjs" "$OUT" | tee "$OUT/summary.md"

# The read benchmark is done: stop its servers (PostgreSQL and Redis stay up) so that what follows has the CPUs.
stop_read_servers() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}

# ---------------------------------------------------------------- sitemap walks (issue 14)
# bench/sitemap.mjs starts its own servers: reads of every sitemap page while readers comment (SITEMAP=0 skips),
# the uncached rate of this tree against BASE_REF (BASELINE=0 skips), and through nginx proxy_cache (PROXY_CACHE=0).
if [[ ${SITEMAP:-1} != 0 || ${BASELINE:-1} != 0 || ${PROXY_CACHE:-1} != 0 ]]; then
  stop_read_servers
  wait_idle "sitemap"
  log "sitemap benchmarks (SITEMAP=0, BASELINE=0, PROXY_CACHE=0 skip their parts)"
  echo >>"$OUT/summary.md"
  if ! ROUNDS=$ROUNDS DURATION=$DURATION THREADS=$THREADS CONNS=$CONNS PAUSE=$PAUSE \
    node "$BENCH_DIR/sitemap.mjs" --out "$OUT" | tee -a "$OUT/summary.md"; then
    log "WARNING: the sitemap benchmarks failed; the read benchmark's summary stands"
  fi
fi

# ---------------------------------------------------------------- comments: POST throughput, page with many comments
# bench/comments.mjs starts its own servers on fresh data folders; COMMENTS=0 skips it.
if [[ ${COMMENTS:-1} != 0 ]]; then
  stop_read_servers
  wait_idle "comments"
  log "comment benchmark (COMMENTS=0 skips it)"
  echo >>"$OUT/summary.md"
  # With PG=1 the comment benchmark also posts to Annalist on this PostgreSQL cluster (a fresh database per run)
  # and this Redis (its own database index per run), with 1 and 2 app nodes.
  if ! BENCH_PG_ADMIN_URL=${PG_ADMIN_URL:-} BENCH_REDIS_URL=${REDIS_URL_BENCH:-} \
    node "$BENCH_DIR/comments.mjs" --out "$OUT" | tee -a "$OUT/summary.md"; then
    log "WARNING: the comment benchmark failed; the read benchmark's summary stands"
  fi
fi
# ---------------------------------------------------------------- large site (LARGE=0 skips it)
# bench/large-site.mjs generates a 100,000-post site in its own temp folder and serves it; several minutes.
if [[ $LARGE == 1 ]]; then
  stop_read_servers
  wait_idle "large"
  log "large-site benchmark (LARGE_SIZE=${LARGE_SIZE:-100000} posts, LARGE_COMMENTS=${LARGE_COMMENTS:-2000000} comments)"
  echo >>"$OUT/summary.md"
  if ! SIZE=${LARGE_SIZE:-100000} COMMENTS=${LARGE_COMMENTS:-2000000} \
    node "$BENCH_DIR/large-site.mjs" --out "$OUT" | tee -a "$OUT/summary.md"; then
    log "WARNING: the large-site benchmark failed; the other summaries stand"
  fi
fi
# history (issue 17): the site timeline with 50,000 events and an entity page with 10,000 mentions, uncached
# (bench/history.mjs generates its own site; HISTORY=0 skips it, HISTORY_EVENTS / HISTORY_MENTIONS size it)
[[ ${HISTORY:-1} != 0 ]] && { wait_idle "history"; EVENTS=${HISTORY_EVENTS:-50000} MENTIONS=${HISTORY_MENTIONS:-10000} node "$BENCH_DIR/history.mjs" --out "$OUT" | tee -a "$OUT/summary.md" || log "WARNING: the history benchmark failed"; }
# backup and restore of the large site (bench/backup.mjs generates its own; BACKUP=0 skips it)
[[ ${BACKUP:-1} != 0 ]] && { wait_idle "backup"; SIZE=${LARGE_SIZE:-100000} COMMENTS=${LARGE_COMMENTS:-2000000} node "$BENCH_DIR/backup.mjs" --out "$OUT" | tee -a "$OUT/summary.md" || log "WARNING: the backup benchmark failed"; }
# static export rate, demo and a generated site (bench/static-export.mjs; STATIC=0 skips it, STATIC_SIZE posts)
[[ ${STATIC:-1} != 0 ]] && { wait_idle "static export"; SIZE=${STATIC_SIZE:-2000} node "$BENCH_DIR/static-export.mjs" | tee -a "$OUT/summary.md" || log "WARNING: the static export benchmark failed"; }
# WordPress import rate and peak RSS (bench/wordpress-import.mjs writes its own export; WPIMPORT=0 skips it,
# WPIMPORT_POSTS / WPIMPORT_COMMENTS size it: 100,000 and 1,000,000 by default, about ten minutes)
[[ ${WPIMPORT:-1} != 0 ]] && { wait_idle "wordpress import"; POSTS=${WPIMPORT_POSTS:-100000} COMMENTS=${WPIMPORT_COMMENTS:-1000000} node "$BENCH_DIR/wordpress-import.mjs" | tee -a "$OUT/summary.md" || log "WARNING: the WordPress import benchmark failed"; }
log "raw wrk outputs, machine info and summary in ${OUT#"$ROOT"/}"
