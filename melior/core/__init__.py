"""The bottom layer of the web app: what every domain app shares (form errors, pagination,
uploads, CSV responses). It imports Django and nothing of Melior's apps."""
