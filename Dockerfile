# Vibe: one image for the app (`vibe serve`) and the worker (`vibe worker`).
# Multi-arch friendly: only Debian and npm packages, which resolve per architecture.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    REFLEX_USE_SYSTEM_BUN=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    VIBE_DATA_DIR=/app/data

# git for workspaces, PostgreSQL client for `vibe db backup`, Node/npm to fetch bun for Reflex.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git postgresql-client nodejs npm unzip curl \
    && npm install -g --no-audit --no-fund bun@1.4.4 \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /root/.npm

WORKDIR /app
COPY requirements.txt pyproject.toml ./
# Runtime dependencies only: the "Development and tests" block is left out.
RUN sed '/^# Development/,$d' requirements.txt > /tmp/runtime.txt \
    && pip install -r /tmp/runtime.txt && rm /tmp/runtime.txt

COPY . .
RUN pip install --no-deps -e . \
    && useradd --create-home --uid 10001 vibe \
    && mkdir -p /app/data /app/.web \
    && chown -R vibe:vibe /app

USER vibe

EXPOSE 3000
CMD ["vibe", "serve", "--host", "0.0.0.0", "--port", "3000"]
