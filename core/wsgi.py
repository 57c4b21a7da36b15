import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
application = get_wsgi_application()

# What is loaded with the app (modules, models, settings, URL patterns) lives as long as the
# worker. Frozen, it is left out of the garbage collector's full passes, which otherwise
# re-scan it every few requests: ~50 ms pauses on a console page, a request in ~50.
gc.freeze()
