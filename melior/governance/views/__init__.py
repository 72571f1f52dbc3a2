"""Student data pages, one module a page: aggregates by subgroup for everyone (suppressed),
student rows for those allowed (logged), the data steward's page and its changes, imports of
rosters, outcomes and usage, EdTech usage by class, the access log, and xAPI statements."""
