"""Allow `python -m mlops_new`."""

from mlops_new.cli import main

main()
