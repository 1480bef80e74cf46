from .cli import main

if __name__ == "__main__":  # a batch's worker processes import this module again: only run once
    main(prog_name="python -m auditor")
