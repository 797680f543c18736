#!/usr/bin/env bash
# Runs a real Apache Kafka broker (single combined KRaft node) from Maven Central jars on the local JDK.
#   kafka.sh start | stop | status | resolve | env [user]
# State lives under .omnibus/kafka/ in the checkout: jars, data, logs, pid. Re-runs reuse all of it.
# Settings: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_HEAP (512m), OMNIBUS_HOME (.omnibus),
# KAFKA_SECURITY (plaintext | scram: SASL/SCRAM identities and ACLs, see "Security" below and infra/README.md).
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
  local listeners
  listeners=$(listener_properties) || exit 1
  # In scram mode the file holds the broker's own password: owner-only (set before it is written).
  if [ "$security" = scram ]; then touch "$state/server.properties" && chmod 600 "$state/server.properties"; fi
  cat >"$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
$listeners
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

listener_properties() {
  if [ "$security" = scram ]; then scram_listener_properties; return; fi
  cat <<PROPS
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
PROPS
}

java_opts=(
  -Xms"${KAFKA_HEAP:-512m}" -Xmx"${KAFKA_HEAP:-512m}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  -Dkafka.logs.dir="$logs" -Dlog4j2.configurationFile="$state/log4j2.properties" -cp "$libs/*"
)

format_once() {
  [ -f "$data/meta.properties" ] && return 0
  local cluster_id user password
  local -a scram=()
  if [ "$security" = scram ]; then
    while read -r user password; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$password]")
    done < <(node "$here/credentials.js" list "$credentials_file")
  fi
  cluster_id=$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid | tail -n 1)
  java "${java_opts[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$state/server.properties" \
    --ignore-formatted "${scram[@]}" >"$logs/format.log" 2>&1 || die "formatting KRaft storage failed; see $logs/format.log"
  echo "$security" >"$security_file"
  [ "$security" = scram ] && node "$here/credentials.js" list "$credentials_file" | cut -d' ' -f1 >"$state/scram-users"
  return 0
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
  load_security
  [ "$security" = scram ] && ensure_credentials
  write_config
  format_once
  say "starting Apache Kafka $version (KRaft, $security) on 127.0.0.1:$port…"
  # setsid: the broker gets its own process group, so a Ctrl-C meant for a test run does not reach it;
  # `stop` ends it.
  setsid java "${java_opts[@]}" kafka.Kafka "$state/server.properties" >"$logs/kafka.out" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_ready
  [ "$security" = scram ] && add_missing_scram_users
  return 0
}

# Ready means a real client can fetch cluster metadata, not merely that the port is open.
wait_ready() {
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until ready_probe >/dev/null 2>&1; do
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

# --- Security (KAFKA_SECURITY=scram) ----------------------------------------------------------------
# Clients authenticate with SASL/SCRAM-SHA-512 on the broker listener; the controller listener stays on
# loopback and uses SASL/PLAIN for the broker's own identity, so no ANONYMOUS super user is needed.
# Identities: `broker` (the broker itself; the only super user; applies ACLs), `admin` (topic set-up),
# one per service. Passwords are generated at first start into credentials.json (0600, under
# .omnibus/, never in the repo). infra/src/acls.ts derives each identity's ACLs from the catalogue.
security_file=$state/security
credentials_file=$state/credentials.json
scram_users=(broker admin order inventory returns finance-posting odoo-adapter webhooks)
security=""

# The mode is fixed when the storage is formatted: a later start without KAFKA_SECURITY keeps it,
# and a different KAFKA_SECURITY is refused rather than silently switching security off (or on
# without users).
security_mode() {
  local formatted=""
  if [ -f "$security_file" ]; then formatted=$(cat "$security_file"); elif [ -f "$data/meta.properties" ]; then formatted=plaintext; fi
  local wanted=${KAFKA_SECURITY:-${formatted:-plaintext}}
  case "$wanted" in plaintext | scram) ;; *) die "KAFKA_SECURITY must be plaintext or scram, got \"$wanted\"" ;; esac
  if [ -n "$formatted" ] && [ "$formatted" != "$wanted" ]; then
    die "the storage in $data was formatted for $formatted, not $wanted; to change, stop the broker and remove $data (its topics are lost) or use another OMNIBUS_HOME"
  fi
  echo "$wanted"
}

load_security() { security=$(security_mode) || exit 1; }

ensure_credentials() {
  if [ -f "$data/meta.properties" ] && [ ! -f "$credentials_file" ]; then
    die "$credentials_file is missing but the storage was formatted with its passwords; restore it, or stop and remove $data to start over"
  fi
  local added
  added=$(umask 077 && node "$here/credentials.js" ensure "$credentials_file" "${scram_users[@]}") || die "cannot write $credentials_file"
  [ -z "$added" ] || say "generated SCRAM passwords for: $added (in $credentials_file)"
}

password_of() {
  node "$here/credentials.js" list "$credentials_file" | sed -n "s/^$1 //p"
}

scram_listener_properties() {
  local secret
  secret=$(password_of broker)
  [ -n "$secret" ] || die "no password for the broker identity in $credentials_file"
  cat <<PROPS
listeners=SASL_PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$secret";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="$secret" user_broker="$secret";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:broker
allow.everyone.if.no.acl.found=false
PROPS
}

# wait-ready.js authenticates as the broker identity in scram mode, never as whoever runs this script.
ready_probe() {
  if [ "$security" = scram ]; then
    KAFKA_SASL_USERNAME=broker KAFKA_SASL_PASSWORD=$(password_of broker) KAFKA_SASL_MECHANISM=scram-sha-512 \
      node "$here/wait-ready.js" "127.0.0.1:$port"
  else
    env -u KAFKA_SASL_USERNAME -u KAFKA_SASL_PASSWORD node "$here/wait-ready.js" "127.0.0.1:$port"
  fi
}

# Identities added to scram_users after the first start: format-time --add-scram is gone by then,
# and kafkajs has no SCRAM-user API, so Kafka's own ConfigCommand adds them as the broker identity.
add_missing_scram_users() {
  local user password config
  config=$state/broker-client.properties
  local -a missing=()
  for user in "${scram_users[@]}"; do
    grep -qx "$user" "$state/scram-users" 2>/dev/null || missing+=("$user")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  (umask 077 && cat >"$config" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(password_of broker)";
PROPS
  )
  for user in "${missing[@]}"; do
    password=$(password_of "$user")
    java "${java_opts[@]}" kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$port" --command-config "$config" \
      --alter --entity-type users --entity-name "$user" --add-config "SCRAM-SHA-512=[password=$password]" \
      >>"$logs/scram-users.log" 2>&1 || die "could not add the SCRAM identity $user; see $logs/scram-users.log"
    echo "$user" >>"$state/scram-users"
  done
  rm -f "$config"
}

# Prints `export KAFKA_SASL_*=…` lines for one identity (default admin): eval "$(kafka.sh env order)".
print_env() {
  local user=${1:-admin} password
  load_security
  [ "$security" = scram ] || die "the broker at $state runs without SASL (KAFKA_SECURITY=plaintext): nothing to export"
  password=$(password_of "$user")
  [ -n "$password" ] || die "no identity $user in $credentials_file (known: ${scram_users[*]})"
  printf 'export KAFKA_BROKERS=127.0.0.1:%s KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME=%s KAFKA_SASL_PASSWORD=%s\n' \
    "$port" "$user" "$password"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  resolve) mkdir -p "$state"; resolve; say "jars in $libs" ;;
  env) print_env "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|resolve|env [user]" >&2; exit 2 ;;
esac
