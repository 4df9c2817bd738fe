# One image for every process of a saga: its services, the topic initialiser and the dashboard
# (docker-compose.yml and deploy/k8s, both rendered by `sagaline render`, give each container
# its command, e.g. `python -m sagaline serve <service>`). A saga of your own: build FROM this
# image and COPY its module into /app, where SAGALINE_SAGA=module:attr finds it. Build it after
# `make setup`, which fetches the dashboard's AsyncAPI renderer into src/ (not in git).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HTTP_HOST=0.0.0.0
WORKDIR /app

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && useradd --system --no-create-home sagaline

USER sagaline
# No service by default: the container's command names one.
CMD ["python", "-m", "sagaline", "--help"]
