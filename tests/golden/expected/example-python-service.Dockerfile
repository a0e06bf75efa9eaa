# syntax=docker/dockerfile:1

# builder: builds every dependency into the virtual environment /opt/venv, with the
# compilers and headers of python:3.12; the manifests are copied first, so code changes
# reuse this layer.
FROM python:3.12 AS builder
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt

# runtime: only what runs: python:3.12-slim with the virtual environment, the runtime
# libraries (libpq5) and the application files; no compilers, headers or pip cache.
FROM python:3.12-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --uid 10001 app
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /app
ENV PYTHONUNBUFFERED=1
COPY --from=builder /opt/venv /opt/venv
COPY . .
EXPOSE 8000
USER app
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 8000), timeout=3)"]
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
