# syntax=docker/dockerfile:1
# One image for the worker and the gateway (docker-compose.yml picks the command).
# Runtime dependencies only: the [dev] extras (test servers, linters) are not installed.

# Pinned base image; bump deliberately (and rebuild) to pick up security fixes.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md worker.py ./
COPY litestar_workflows ./litestar_workflows
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY examples ./examples
# A regular (non-editable) install: the runtime stage needs the virtualenv only, not the sources.
RUN /opt/venv/bin/pip install .

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER app:app
EXPOSE 8000
# The gateway by default; the worker runs `python -m worker` (see docker-compose.yml).
CMD ["uvicorn", "--factory", "api.app:create_app", "--host", "0.0.0.0", "--port", "8000"]
