"""The compiled CPU kernel: C source, its build-and-bind step, and the backend that drives it."""
