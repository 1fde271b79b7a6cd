"""commands/ never imports projections/ or queries/: they meet only through the event log and the signal."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", sorted((ROOT / "commands").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_do_not_import_the_read_side(path):
    forbidden = {module for module in imported_modules(path) if module.split(".")[0] in {"projections", "queries"}}
    assert not forbidden, f"{path} imports {forbidden}"


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from queries.models import ProductView\nimport projections.runner\n")
    assert imported_modules(sample) == {"queries.models", "projections.runner"}


def test_a_projection_whose_handlers_read_the_metadata_says_so():
    """A rebuild reads the log without its metadata for projections that declare they do not read it
    (Projection.reads_metadata): one that reads it without saying so would see empty metadata when rebuilt."""
    import inspect

    from projections.recorded import LOG_FIELDS
    from projections.registry import PROJECTIONS

    assert "metadata" in LOG_FIELDS
    for projection in PROJECTIONS.values():
        source = inspect.getsource(type(projection))
        reads = "metadata" in source or "LOG_FIELDS" in source
        assert projection.reads_metadata == reads, type(projection).__name__
