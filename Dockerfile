# The CivicMarkets image: one image for the web server, the Celery worker and Celery beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
# The build checks that every file the templates name with {% static %} exists.
COPY templates ./templates
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=civicmarkets.settings.base
RUN useradd --create-home --uid 1000 civicmarkets
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY --chown=civicmarkets . .
COPY --from=assets --chown=civicmarkets /build/static/dist ./static/dist
# collectstatic reads no secrets, but settings insist on one being set.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --no-input -v 0
USER civicmarkets
EXPOSE 8000
CMD ["gunicorn", "civicmarkets.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
