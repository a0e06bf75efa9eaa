# syntax=docker/dockerfile:1

# builder: builds every dependency into the virtual environment /opt/venv, with the
# compilers and headers of python:3.11-slim; the manifests are copied first, so code
# changes reuse this layer.
FROM python:3.11-slim AS builder
ENV PYTHONDONTWRITEBYTECODE=1
RUN pip install poetry==1.8.3
RUN poetry config virtualenvs.create false
ENV POETRY_VIRTUALENVS_CREATE=false VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN python -m venv /opt/venv
WORKDIR /code
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --no-root

# runtime: only what runs: python:3.11-slim with the virtual environment and the
# application files; no compilers, headers or pip cache.
FROM python:3.11-slim AS runtime
RUN useradd --system --create-home --uid 10001 app
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /code
ENV PYTHONDONTWRITEBYTECODE=1
COPY --from=builder /opt/venv /opt/venv
COPY . .
EXPOSE 5000
USER app
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 5000), timeout=3)"]
CMD ["gunicorn", "-b", "0.0.0.0:5000", "app:app"]
