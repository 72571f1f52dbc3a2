"""PDSA pages, one module a page: a cycle and the actions on it (`cycle`), cycles across the
network (`lists`), and a user's notifications (`notifications`)."""
