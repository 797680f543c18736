#!/usr/bin/env bash
# Runs a real Apache Kafka broker (single combined KRaft node) from Maven Central jars on the local JDK.
#   kafka.sh start | stop | status | resolve
# State lives under .omnibus/kafka/ in the checkout: jars, data, logs, pid. Re-runs reuse all of it.
# Settings: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_HEAP (512m), OMNIBUS_HOME (.omnibus).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
home=${OMNIBUS_HOME:-$root/.omnibus}
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
state=$home/kafka
libs=$state/libs-$version
data=$state/data
logs=$state/logs
pidfile=$state/kafka.pid
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-$((port + 1))}

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v java >/dev/null 2>&1 || die "no Java found. Install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless), or use Docker: docker compose up"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1)
  [ "${major:-0}" -ge 17 ] || die "Java $major found; Kafka $version needs Java 17 or newer (apt-get install openjdk-17-jdk-headless)"
  command -v mvn >/dev/null 2>&1 || die "no Maven found. Install Maven (Debian: apt-get install maven), or use Docker: docker compose up"
}

# Copies the broker's runtime jars once; a complete copy is marked so later runs do not ask Maven again.
resolve() {
  [ -f "$libs/.complete" ] && return 0
  require_tools
  say "resolving Apache Kafka $version from Maven Central (once)…"
  rm -rf "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$libs" >"$state/resolve.log" 2>&1 \
    || die "Maven could not resolve Kafka $version; see $state/resolve.log"
  touch "$libs/.complete"
}

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

write_config() {
  mkdir -p "$data" "$logs"
  cat >"$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
PROPS
  cat >"$state/log4j2.properties" <<'PROPS'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = file
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
PROPS
}

java_opts=(
  -Xms"${KAFKA_HEAP:-512m}" -Xmx"${KAFKA_HEAP:-512m}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  -Dkafka.logs.dir="$logs" -Dlog4j2.configurationFile="$state/log4j2.properties" -cp "$libs/*"
)

format_once() {
  [ -f "$data/meta.properties" ] && return 0
  local cluster_id
  cluster_id=$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid | tail -n 1)
  java "${java_opts[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$state/server.properties" \
    --ignore-formatted >"$logs/format.log" 2>&1 || die "formatting KRaft storage failed; see $logs/format.log"
}

# True when something already listens on the loopback port (bash's /dev/tcp, no extra tools).
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if pid=$(running_pid); then say "already running (pid $pid) on 127.0.0.1:$port"; return 0; fi
  require_tools
  for p in "$port" "$controller_port"; do
    port_taken "$p" && die "port $p is in use by another process (choose others with KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
  done
  mkdir -p "$state"
  resolve
  write_config
  format_once
  say "starting Apache Kafka $version (KRaft) on 127.0.0.1:$port…"
  # setsid: the broker gets its own process group, so a Ctrl-C meant for a test run does not reach it;
  # `stop` ends it.
  setsid java "${java_opts[@]}" kafka.Kafka "$state/server.properties" >"$logs/kafka.out" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_ready
}

# Ready means a real client can fetch cluster metadata, not merely that the port is open.
wait_ready() {
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until node "$here/wait-ready.js" "127.0.0.1:$port" >/dev/null 2>&1; do
    if ! running_pid >/dev/null; then
      tail -n 30 "$logs/kafka.out" "$logs/server.log" 2>/dev/null >&2 || true
      die "the broker exited during start-up; logs above and in $logs"
    fi
    [ $SECONDS -lt $deadline ] || die "the broker did not accept clients within ${KAFKA_START_TIMEOUT:-90}s; see $logs"
    sleep 0.5
  done
  say "ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() {
  local pid
  if ! pid=$(running_pid); then say "not running"; rm -f "$pidfile"; return 0; fi
  say "stopping (pid $pid)…"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then say "did not stop in 30s; killing"; kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; fi
  rm -f "$pidfile"
  say "stopped"
}

status() {
  if pid=$(running_pid); then say "running (pid $pid) on 127.0.0.1:$port"; else say "not running"; return 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  resolve) mkdir -p "$state"; resolve; say "jars in $libs" ;;
  *) echo "usage: $0 start|stop|status|resolve" >&2; exit 2 ;;
esac
