"""Pure analysis library: no Django, usable from a notebook.

>>> from melior.analysis import spc
"""
