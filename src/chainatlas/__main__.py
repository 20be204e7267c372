"""``python -m chainatlas`` — and the file ``spark-submit`` runs: it takes a Python file, not a console script."""

from chainatlas.cli import main

if __name__ == "__main__":
    main(prog_name="chainatlas")
