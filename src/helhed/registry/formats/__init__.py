"""The registry's formats as pure functions: text in, plain values out, and back.

Nothing here touches the database or a Django model: the modules parse and write plain values
(``logic``'s types and the dataclasses defined here), and the services decide what to store.

* ``values``: the small vocabularies every format shares (organisation types, roles, dates,
  amounts, fagområder);
* ``document``: one initiative described as JSON (``helhed registry categorize`` and
  ``POST /api/registry/categorize``);
* ``filters``: the list's filters from query parameters (list page, export, API);
* ``cells``: actors and funding written as one spreadsheet cell each;
* ``tables``: CSV and XLSX files as rows of text cells, and back;
* ``sheet``: the registry as a spreadsheet: the export's columns and the import's rows;
* ``vive``: VIVE's published dataset (``registry/data``).
"""
