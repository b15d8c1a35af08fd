# CivicLoop (创城通): one image serving the API, the sync endpoints, the media and the built PWA.
# Everything is fetched at build time; the running container downloads nothing.

# --- stage 1: the PWA (skipped gracefully when the tree has no pwa/package.json) ---------------
FROM node:20-slim AS pwa
WORKDIR /src
COPY . .
RUN if [ -f pwa/package.json ]; then \
      cd pwa && npm ci --no-audit --no-fund && npm run build; \
    else \
      mkdir -p pwa/dist; \
    fi

# --- stage 2: the Python service --------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml ./
COPY api ./api
COPY models ./models
COPY sync ./sync
RUN pip install .

# The demo city pack (`civicloop seed-demo` finds it under the working directory) and the PWA.
COPY demo ./demo
COPY --from=pwa /src/pwa/dist ./pwa/dist

RUN useradd --system --uid 10001 --home-dir /app civicloop \
    && mkdir -p /data/media \
    && chown civicloop /data/media
USER civicloop

ENV ENVIRONMENT=production \
    MEDIA_DIR=/data/media \
    PWA_DIST=/app/pwa/dist
VOLUME ["/data/media"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"
CMD ["sh", "-c", "civicloop migrate && civicloop serve --host 0.0.0.0 --port 8000"]
