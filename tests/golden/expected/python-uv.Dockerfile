# syntax=docker/dockerfile:1

# builder: builds every dependency into the virtual environment /opt/venv, with the
# compilers and headers of python:3.13; the manifests are copied first, so code changes
# reuse this layer.
FROM python:3.13 AS builder
COPY --from=ghcr.io/astral-sh/uv:0.8 /uv /usr/local/bin/uv
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-install-project
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev

# runtime: only what runs: python:3.13-slim with the virtual environment and the
# application files; no compilers, headers or pip cache.
FROM python:3.13-slim AS runtime
RUN useradd --system --create-home --uid 10001 app
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . .
USER app
CMD ["python", "-m", "worker"]
