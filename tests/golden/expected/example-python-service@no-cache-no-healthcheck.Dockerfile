# builder: builds every dependency into the virtual environment /opt/venv, with the
# compilers and headers of python:3.12; the manifests are copied first, so code changes
# reuse this layer.
FROM python:3.12 AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

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
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
