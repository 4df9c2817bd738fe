# The three services (and the topic initialiser) for docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HTTP_HOST=0.0.0.0
WORKDIR /app

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && useradd --system --no-create-home sagaline

USER sagaline
# docker-compose.yml picks the service: python -m sagaline.seed_saga.<order|payment|inventory>
CMD ["python", "-m", "sagaline.seed_saga.order"]
