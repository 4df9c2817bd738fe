# ruff: noqa: E501  (a template's lines are the rendered file's, as long as it has them)
"""docker-compose.yml's part that no service changes: the anchors every service, node and
database extends, the Kafka broker (one, or three under the `cluster` profile) and the
one-shot topic initialiser. Placeholders: see sagaline.deploy.text."""

ANCHORS = """\
x-service: &service
  build: .
  restart: unless-stopped
  depends_on:
    topic-init: {condition: service_completed_successfully}
  healthcheck:
    # The standard library only: the image holds the runtime dependencies and nothing else.
    test: ["CMD", "python", "-c", "import os,urllib.request as u; u.urlopen(f'http://127.0.0.1:{os.environ[\\"PORT\\"]}/ready', timeout=3)"]
    interval: 5s
    retries: 12

# One node of the `cluster` profile: broker and controller, as `sagaline up --brokers 3`.
x-kafka-node: &kafka-node
  image: apache/kafka:4.4.0
  restart: unless-stopped
  profiles: [cluster]
  environment: &kafka-node-env
    KAFKA_PROCESS_ROLES: broker,controller
    KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093
    KAFKA_LISTENERS: PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:29092,CONTROLLER://0.0.0.0:9093
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
    KAFKA_INTER_BROKER_LISTENER_NAME: INTERNAL
    KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false"
    # Three copies of everything, two required for a write (acks=all): one broker may be down.
    KAFKA_DEFAULT_REPLICATION_FACTOR: 3
    KAFKA_MIN_INSYNC_REPLICAS: 2
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: 3
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: 2
    KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE: "false"
    # A dead broker is fenced before a producer's 10 s message timeout runs out.
    KAFKA_BROKER_SESSION_TIMEOUT_MS: 6000
    KAFKA_BROKER_HEARTBEAT_INTERVAL_MS: 1000
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: 0
    KAFKA_LOG_DIRS: /var/lib/kafka/data
    KAFKA_HEAP_OPTS: -Xmx512m -Xms512m
    # Every node formats its storage with the same cluster id.
    CLUSTER_ID: ${KAFKA_CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}

x-postgres: &postgres
  image: postgres:18
  restart: unless-stopped
  command: ["postgres", "-c", "max_connections=200", "-c", "fsync=on", "-c", "synchronous_commit=on"]
  healthcheck:
    test: ["CMD-SHELL", "pg_isready -U $$POSTGRES_USER -d $$POSTGRES_DB"]
    interval: 2s
    retries: 30
"""

KAFKA = """\
  kafka:
    image: apache/kafka:4.4.0
    restart: unless-stopped
    ports: ["127.0.0.1:9092:9092"]
    environment:
      KAFKA_NODE_ID: 1
      KAFKA_PROCESS_ROLES: broker,controller
      KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093
      # PLAINTEXT for the host (localhost:9092), INTERNAL for the other containers.
      KAFKA_LISTENERS: PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:29092,CONTROLLER://0.0.0.0:9093
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://localhost:9092,INTERNAL://kafka:29092
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
      KAFKA_INTER_BROKER_LISTENER_NAME: INTERNAL
      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false"
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: 1
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: 1
      KAFKA_MIN_INSYNC_REPLICAS: 1
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: 0
      KAFKA_LOG_DIRS: /var/lib/kafka/data
      KAFKA_HEAP_OPTS: -Xmx512m -Xms512m
    volumes: ["kafka-data:/var/lib/kafka/data"]

  kafka-1:
    <<: *kafka-node
    ports: ["127.0.0.1:9192:9092"]
    environment:
      <<: *kafka-node-env
      KAFKA_NODE_ID: 1
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://localhost:9192,INTERNAL://kafka-1:29092
    volumes: ["kafka-1-data:/var/lib/kafka/data"]

  kafka-2:
    <<: *kafka-node
    ports: ["127.0.0.1:9194:9092"]
    environment:
      <<: *kafka-node-env
      KAFKA_NODE_ID: 2
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://localhost:9194,INTERNAL://kafka-2:29092
    volumes: ["kafka-2-data:/var/lib/kafka/data"]

  kafka-3:
    <<: *kafka-node
    ports: ["127.0.0.1:9196:9092"]
    environment:
      <<: *kafka-node-env
      KAFKA_NODE_ID: 3
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://localhost:9196,INTERNAL://kafka-3:29092
    volumes: ["kafka-3-data:/var/lib/kafka/data"]

  # One shot: creates every topic the saga declares (idempotent).
  topic-init:
    build: .
    command: ["python", "-m", "sagaline", "topics"]
    environment:
      KAFKA_BOOTSTRAP_SERVERS: ${KAFKA_BOOTSTRAP:-kafka:29092}
      TOPIC_PARTITIONS: ${TOPIC_PARTITIONS:-6}
      TOPIC_REPLICATION_FACTOR: ${TOPIC_REPLICATION_FACTOR:-1}
      [[saga]]
    depends_on: [kafka]
    restart: "no"
"""

KAFKA_VOLUMES = ("kafka-data", "kafka-1-data", "kafka-2-data", "kafka-3-data")
