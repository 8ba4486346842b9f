"""The share of argument checking in the modules of `utils` that students read (issue 31's target:
at most 20% a module). Not a timing: it reads the source, so any machine gives the same numbers.

A line counts as checking when it belongs to
- an `if` whose body only raises (`if bad: raise ValueError(...)`), with its message;
- a `raise` anywhere else (a clear error in place of a raw one, in an `except` for example);
- a statement that calls `args.<check>(...)` or a `_check...` helper, or assigns what one returns;
- a function whose name starts with `_check`.
The lines of a module are its code lines: neither blank, nor comments, nor docstrings.

    python -m benchmarks.check_share            # the table, for the working tree
    python -m benchmarks.check_share --rev HEAD~3   # the same for an earlier commit
"""

import argparse
import ast
import subprocess

MODULES = ("numpy_rnn", "text", "plots", "generate", "data", "train", "files", "ngram")


def _is_check_call(node):
    call = node.value if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
    if not isinstance(call, ast.Call):
        return False
    name = ast.unparse(call.func)
    return name.startswith("args.") or name.split(".")[-1].startswith("_check")


def _lines(node):
    return set(range(node.lineno, node.end_lineno + 1))


def share(source):
    """(check lines, code lines) of one module's source."""
    tree = ast.parse(source)
    docstrings, checks = set(), set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                docstrings |= _lines(body[0])
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_check"):
            checks |= _lines(node)
        elif isinstance(node, ast.If) and not node.orelse:
            if all(isinstance(stmt, ast.Raise) for stmt in node.body):
                checks |= _lines(node)
        elif isinstance(node, ast.Raise) or _is_check_call(node):
            checks |= _lines(node)
    code = {
        number
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and number not in docstrings
    }
    return len(checks & code), len(code)


def _source(module, rev):
    path = f"utils/{module}.py"
    if rev is None:
        return open(path, encoding="utf-8").read()
    return subprocess.run(
        ["git", "show", f"{rev}:{path}"], capture_output=True, text=True, check=True
    ).stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="a git revision (default: the working tree)")
    options = parser.parse_args(argv)
    print("| module | check lines | code lines | share |\n|---|---:|---:|---:|")
    for module in MODULES:
        checked, total = share(_source(module, options.rev))
        print(f"| {module} | {checked} | {total} | {checked / total:.0%} |")


if __name__ == "__main__":
    main()
