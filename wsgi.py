"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`; settings come from the environment
(engage/settings.py) and a bad one stops the start here, naming it."""
from engage import create_app

app = create_app()
