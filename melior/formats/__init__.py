"""Date formats per locale, read by Django through FORMAT_MODULE_PATH: one style everywhere."""
