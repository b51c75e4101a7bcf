"""WSGI entry point for gunicorn: gunicorn wsgi:app."""
import gc

from app import create_app

app = create_app()
# Everything loaded so far lives as long as the worker: keep it out of the garbage collector's
# full sweeps, which otherwise walk it every time and show up as slow requests.
gc.freeze()
