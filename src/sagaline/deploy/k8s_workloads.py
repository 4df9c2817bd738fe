"""deploy/k8s's workloads as templates: each service's manifest and the dashboard's.
Placeholders: see sagaline.deploy.text."""

SERVICE = """\
# The [[name]] service: a StatefulSet, so each replica has a stable name (REPLICA_ID = the
# pod's name) and rejoins its consumer group under static membership: a restarted pod takes
# its partitions back without a rebalance.
[[summary]]
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: [[name]]
  labels: {app.kubernetes.io/name: [[name]]}
spec:
  serviceName: [[name]]
  replicas: 2
  podManagementPolicy: Parallel  # replicas are peers: no need to start them one by one
  selector:
    matchLabels: {app.kubernetes.io/name: [[name]]}
  template:
    metadata:
      labels: {app.kubernetes.io/name: [[name]]}
    spec:
      # uvicorn drains requests for up to 10 s, then the relay and consumers stop; a kill
      # after that loses nothing (outbox and inbox) but redelivers what was in flight.
      terminationGracePeriodSeconds: 30
      securityContext: {runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels: {app.kubernetes.io/name: [[name]]}
      containers:
        - name: [[name]]
          image: sagaline
          command: ["python", "-m", "sagaline", "serve", "[[name]]"]
          ports: [{name: http, containerPort: [[port]]}]
          env:
            - name: HTTP_HOST
              value: "0.0.0.0"
            # Every route but /health, /ready and /metrics needs a key (X-API-Key): the
            # gateway's in API_KEYS, operators' in ADMIN_API_KEYS (docs/deploy.md, "Secrets").
            - name: REQUIRE_API_KEY
              value: "true"
            - name: API_KEYS
              valueFrom: {secretKeyRef: {name: sagaline-api-keys, key: API_KEYS}}
            - name: ADMIN_API_KEYS  # absent: admin routes refuse everyone
              valueFrom:
                secretKeyRef: {name: sagaline-api-keys, key: ADMIN_API_KEYS, optional: true}
            - name: [[prefix]]_HTTP_PORT
              value: "[[port]]"
            - name: [[prefix]]_DB_DSN
              valueFrom: {secretKeyRef: {name: sagaline-db, key: [[prefix]]_DB_DSN}}
            - name: KAFKA_BOOTSTRAP_SERVERS
              valueFrom: {configMapKeyRef: {name: sagaline-kafka, key: KAFKA_BOOTSTRAP_SERVERS}}
            - name: KAFKA_CLIENT_CONFIG  # its own Kafka user, TLS and SCRAM: docs/deploy.md
              valueFrom:
                secretKeyRef: {name: [[kafka_secret]], key: KAFKA_CLIENT_CONFIG}
            # Connections: DB_POOL_SIZE + 2 per replica (relay, housekeeping); keep
            # replicas x that under the database's max_connections.
            - name: DB_POOL_SIZE
              value: "8"
            - name: REPLICA_ID  # static group membership under the pod's stable name
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
            [[knobs]]
            [[saga]]
          lifecycle:
            # Let the endpoints controller take the pod out of the Service before SIGTERM.
            preStop: {exec: {command: ["sleep", "5"]}}
          startupProbe:
            httpGet: {path: /health, port: http}
            periodSeconds: 2
            failureThreshold: 60  # migrations run before the app answers
          livenessProbe:
            httpGet: {path: /health, port: http}
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:  # /ready: its database answers and its workers run
            httpGet: {path: /ready, port: http}
            periodSeconds: 5
            failureThreshold: 2
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {memory: 512Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata:
  name: [[name]]
  labels: {app.kubernetes.io/name: [[name]]}
spec:
  type: ClusterIP  # never exposed directly: through a gateway (network-policy.yaml)
  selector: {app.kubernetes.io/name: [[name]]}
  ports: [{name: http, port: [[port]], targetPort: http}]
---
# A voluntary disruption (a node drain, an upgrade) takes at most one replica at a time.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: [[name]]
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: [[name]]}
"""

DASHBOARD = """\
# The saga dashboard (`python -m sagaline dashboard`): reads every service's database and
# Kafka, and asks each service's /ready. One replica is enough (it only reads); give it
# read-only database roles in production.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dashboard
  labels: {app.kubernetes.io/name: dashboard}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: dashboard}
  template:
    metadata:
      labels: {app.kubernetes.io/name: dashboard}
    spec:
      terminationGracePeriodSeconds: 15
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
        - name: dashboard
          image: sagaline
          command: ["python", "-m", "sagaline", "dashboard"]
          ports: [{name: http, containerPort: 4000}]
          env:
            # It checks no keys and reads every order: open on purpose to what the
            # NetworkPolicy admits (the gateway, with operator authentication in front).
            - name: DASHBOARD_HOST
              value: "0.0.0.0"
            - name: ALLOW_OPEN_DASHBOARD
              value: "true"
            - name: DASHBOARD_PORT
              value: "4000"
            [[dsns]]
            - name: KAFKA_BOOTSTRAP_SERVERS
              valueFrom: {configMapKeyRef: {name: sagaline-kafka, key: KAFKA_BOOTSTRAP_SERVERS}}
            - name: KAFKA_CLIENT_CONFIG  # its own Kafka user (it only reads)
              valueFrom:
                secretKeyRef: {name: [[kafka_secret]], key: KAFKA_CLIENT_CONFIG}
            # Where each service answers /ready: the Service in each service's manifest.
            - name: SERVICE_URLS
              value: '[[service_urls]]'
            [[saga]]
          readinessProbe:
            tcpSocket: {port: http}
            periodSeconds: 5
          livenessProbe:
            tcpSocket: {port: http}
            periodSeconds: 10
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata:
  name: dashboard
  labels: {app.kubernetes.io/name: dashboard}
spec:
  type: ClusterIP  # operators reach it through the gateway or `kubectl port-forward`
  selector: {app.kubernetes.io/name: dashboard}
  ports: [{name: http, port: 4000, targetPort: http}]
"""
