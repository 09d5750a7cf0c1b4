"""The demo data, one module per app (``helhed.devtools.demo.<app label>``, each with
``generate(ctx)``), run by ``helhed demo`` in ``INSTALLED_APPS`` order."""
