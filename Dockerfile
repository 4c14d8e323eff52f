# One image for every Télédossier process (web, worker, mail-gateway, migrate); see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the package needs: no tests, no virtualenv, no local data.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY workers ./workers
COPY mail_gateway ./mail_gateway
COPY web_minimal ./web_minimal
COPY teledossier ./teledossier
COPY bench ./bench

# Main dependencies only (no dev extras); every wheel they need exists for this image.
RUN pip install . && rm -rf /src

# Example configuration files (RabbitMQ definitions, environment example).
COPY config /app/config
RUN useradd --system --create-home --home-dir /app/home --uid 10001 teledossier \
    && mkdir -p /app/var && chown teledossier /app/var
WORKDIR /app
ENV TELEDOSSIER_VAR_DIR=/app/var
USER teledossier

EXPOSE 8000 2525
CMD ["teledossier", "web", "--host", "0.0.0.0"]
