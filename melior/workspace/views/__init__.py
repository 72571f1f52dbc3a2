"""The person-centred pages: My work, the week's entry grid, search, help and the glossary."""
