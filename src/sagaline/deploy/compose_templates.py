# ruff: noqa: E501  (a template's lines are the rendered file's, as long as it has them)
"""docker-compose.yml's parts that follow the saga: the header, a Postgres and a container per
service, the dashboard that sees them all, and Prometheus and Grafana (profile
`observability`). Placeholders: see sagaline.deploy.text."""

HEADER = """\
# The local stack with Docker: the same topology, ports and credentials as `sagaline up`.
# Rendered from the declaration of the saga [[saga_name]]: change that (or sagaline.deploy)
# and render again rather than editing this file:
#   [[command]]
# Each container gets only its own settings (a service: Kafka, its DSN, its port and its
# business knobs); tests/integration/test_packaging.py runs the services from a wheel with
# exactly these environments.
#   docker compose up --build
# Host ports: Kafka 9092, Postgres [[db_ports]], services [[ports]], dashboard 4000.
#
# Not open: every service requires a client key (X-API-Key) on every route but /health,
# /ready and /metrics, and compose refuses to start until API_KEYS holds them (comma-separated,
# no default), e.g. once in .env beside this file (kept out of git):
#   echo "API_KEYS=$(openssl rand -hex 16)" >> .env
# ADMIN_API_KEYS (optional) may restock. See docs/deploy.md, "Compose".
#
# Three Kafka brokers instead (profile `cluster`: a KRaft quorum, every topic at replication
# factor 3 with min.insync.replicas 2, host ports 9192/9194/9196):
#   export KAFKA_BOOTSTRAP=kafka-1:29092,kafka-2:29092,kafka-3:29092 TOPIC_REPLICATION_FACTOR=3
#   docker compose --profile cluster up --build
# (the single `kafka` still starts, unused; the services and topic-init use KAFKA_BOOTSTRAP).
"""

POSTGRES = """\
  postgres-[[name]]:
    <<: *postgres
    ports: ["127.0.0.1:[[db_port]]:5432"]
    environment: {POSTGRES_USER: [[db_user]], POSTGRES_PASSWORD: [[db_password]], POSTGRES_DB: [[db_name]]}
    volumes: ["postgres-[[name]]:/var/lib/postgresql"]
"""

# The step's own knobs come from the shell, e.g. FAILURE_PRESET=seed docker compose up.
SERVICE = """\
  [[name]]:
    <<: *service
    command: ["python", "-m", "sagaline", "serve", "[[name]]"]
    ports: ["127.0.0.1:[[port]]:[[port]]"]
    depends_on:
      topic-init: {condition: service_completed_successfully}
      postgres-[[name]]: {condition: service_healthy}
    environment:
      PORT: [[port]]
      HTTP_HOST: 0.0.0.0
      REQUIRE_API_KEY: "true"
      API_KEYS: "${API_KEYS:?set API_KEYS to the client keys (comma-separated), e.g. in .env (docs/deploy.md)}"
      ADMIN_API_KEYS: ${ADMIN_API_KEYS:-}
      [[prefix]]_HTTP_PORT: [[port]]
      KAFKA_BOOTSTRAP_SERVERS: ${KAFKA_BOOTSTRAP:-kafka:29092}
      [[prefix]]_DB_DSN: [[dsn]]
      [[knobs]]
      [[saga]]
"""

DASHBOARD = """\
  # The read-only saga dashboard: every service's database (it only reads), Kafka, and where
  # each service answers /ready.
  dashboard:
    build: .
    restart: unless-stopped
    command: ["python", "-m", "sagaline", "dashboard"]
    ports: ["127.0.0.1:4000:4000"]
    depends_on:
      topic-init: {condition: service_completed_successfully}
      [[databases_healthy]]
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:4000/healthz', timeout=3)"]
      interval: 5s
      retries: 12
    environment:
      # It checks no keys and reads every order: open inside the compose network on purpose,
      # published on the host's 127.0.0.1 only (its ports above); keep it so.
      DASHBOARD_HOST: 0.0.0.0
      ALLOW_OPEN_DASHBOARD: "true"
      DASHBOARD_PORT: 4000
      KAFKA_BOOTSTRAP_SERVERS: kafka:29092
      [[dsns]]
      SERVICE_URLS: '[[service_urls]]'
      [[saga]]
"""

OBSERVABILITY = """\
  # Metrics for compose users: `docker compose --profile observability up --build`, then
  # Prometheus on 127.0.0.1:9090 (alerts: its /alerts page) and Grafana on 127.0.0.1:3000
  # (dashboard "sagaline", anonymous viewing; admin/admin to edit). See docs/observability.md.
  prometheus:
    image: prom/prometheus:v3.5.0
    profiles: [observability]
    restart: unless-stopped
    ports: ["127.0.0.1:9090:9090"]
    volumes:
      - ./deploy/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro
      - ./deploy/observability/alerts.yml:/etc/prometheus/alerts.yml:ro
    depends_on: [[services]]

  grafana:
    image: grafana/grafana:12.1.0
    profiles: [observability]
    restart: unless-stopped
    ports: ["127.0.0.1:3000:3000"]
    environment:
      GF_AUTH_ANONYMOUS_ENABLED: "true"
      GF_AUTH_ANONYMOUS_ORG_ROLE: Viewer
      GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: /var/lib/grafana/dashboards/sagaline.json
    volumes:
      - ./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro
      - ./deploy/observability/grafana/dashboards:/var/lib/grafana/dashboards:ro
    depends_on: [prometheus]
"""
