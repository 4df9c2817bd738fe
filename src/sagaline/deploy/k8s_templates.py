"""deploy/k8s as templates: a StatefulSet, a Service and a PodDisruptionBudget per service,
the dashboard, and the shared namespace, ConfigMap, NetworkPolicy and kustomization.
Placeholders: see sagaline.deploy.text."""

NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: sagaline
"""

CONFIG = """\
# What every process shares that is not secret. The bootstrap list names every broker
# (a client that finds one of them down tries the next); with Strimzi, the cluster's
# bootstrap Service (<cluster>-kafka-bootstrap) resolves to all of them.
apiVersion: v1
kind: ConfigMap
metadata:
  name: sagaline-kafka
data:
  KAFKA_BOOTSTRAP_SERVERS: sagaline-kafka-bootstrap.kafka.svc:9093
"""

NETWORK_POLICY = """\
# Who reaches the pods. The services: the namespace (the dashboard asks their /ready) and a
# gateway (an Ingress controller or API gateway in a namespace labelled
# sagaline.io/gateway=true) that authenticates callers and presents its API key. The
# dashboard, which checks no keys and shows every order: the gateway alone (with operator
# authentication in front), or `kubectl port-forward`.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: sagaline-ingress
spec:
  podSelector:
    matchExpressions: [{key: app.kubernetes.io/name, operator: NotIn, values: [dashboard]}]
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {}
        - namespaceSelector:
            matchLabels: {sagaline.io/gateway: "true"}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: sagaline-dashboard-ingress
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/name: dashboard}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {sagaline.io/gateway: "true"}
"""

KUSTOMIZATION = """\
# The services of the saga [[saga_name]] ([[names]]) and the dashboard on Kubernetes
# (plain manifests, kustomize), rendered from its declaration by
#   [[command]]
# and applied with
#   kubectl apply -k deploy/k8s
# Kafka and PostgreSQL are not here: Strimzi and CloudNativePG (or managed services) run them,
# see docs/deploy.md. Before applying, create the Secrets this expects (docs/deploy.md,
# "Secrets"): sagaline-db (a DSN per service), sagaline-api-keys (API_KEYS, optionally
# ADMIN_API_KEYS) and one KAFKA_CLIENT_CONFIG per process, each in a Secret of its own.
# The DSNs: [[dsn_names]].
[[kafka_secrets]]
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: sagaline
labels:
  - pairs: {app.kubernetes.io/part-of: sagaline}
resources:
  [[resources]]
images:
  - name: sagaline  # built from the repository's Dockerfile; pin a digest in production
    newTag: "0.1.0"
"""

SECRET_ENV = """\
- name: [[variable]]
  valueFrom: {secretKeyRef: {name: sagaline-db, key: [[variable]]}}"""

VALUE_ENV = """\
- name: [[variable]]
  value: [[value]]"""
