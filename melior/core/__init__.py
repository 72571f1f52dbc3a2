"""The bottom layer of the web app: what every domain app shares — form errors (forms.py),
pagination, formula-safe CSV downloads (csv.py), uploads waiting to be imported, hooks through
which upper apps add to a lower app's pages, and the school-year calendar. It imports Django and
nothing of Melior's apps (docs/architecture.md)."""
