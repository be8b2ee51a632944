# shellcheck shell=bash
# The second, disposable RabbitMQ node for fault tests (broker restarts, TLS, a short consumer_timeout).
# Sourced by start-chaos.sh, stop-chaos.sh and ctl-chaos.sh before env.sh.
#   AMQP  amqp://guest:guest@127.0.0.1:5673/
#   AMQPS amqps://guest:guest@localhost:5674/  (server certificate signed by $PYMAR_RMQ_BASE/tls/ca.pem)
export PYMAR_RMQ_NODE=pymar-chaos@localhost
export PYMAR_RMQ_BASE=/var/tmp/pymar-rabbitmq-chaos
export PYMAR_RMQ_PORT=5673
export PYMAR_RMQ_CONFIG="$PYMAR_RMQ_BASE/rabbitmq.conf"
