"""The code budget (CONTRIBUTING: where things go): outside the pure analysis library no module
is longer than 500 lines, and outside it and the drawing code (svg.py) no function is more
complex than 20 (cyclomatic complexity, as `radon cc` counts it). Past that, split a module
along its seams and a function into named steps."""

from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

PACKAGE = Path(__file__).resolve().parent.parent / "melior"
MAX_LINES = 500
MAX_COMPLEXITY = 20


def _modules(root: Path = PACKAGE):
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith("analysis/") or "/migrations/" in name:
            continue
        yield name, path.read_text(encoding="utf-8")


def _too_long(root: Path = PACKAGE) -> dict[str, int]:
    lengths = {name: source.count("\n") for name, source in _modules(root)}
    return {name: n for name, n in lengths.items() if n > MAX_LINES}


def _too_complex(root: Path = PACKAGE) -> dict[tuple[str, str], int]:
    found = {}
    for name, source in _modules(root):
        if name.endswith("svg.py"):
            continue
        for block in cc_visit(source):
            if isinstance(block, Function) and block.complexity > MAX_COMPLEXITY:
                found[(name, block.fullname)] = block.complexity
    return found


def test_no_module_outside_the_analysis_library_is_longer_than_500_lines():
    too_long = _too_long()
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"


def test_no_function_outside_analysis_and_drawing_is_more_complex_than_20():
    too_complex = _too_complex()
    assert not too_complex, f"functions over complexity {MAX_COMPLEXITY}: {too_complex}"


def test_the_budget_finds_a_long_module_and_a_tangled_function_where_it_applies(tmp_path):
    branches = "".join(f"        if x == {i}:\n            return {i}\n" for i in range(20))
    tangled = f"class Page:\n    def tangled(self, x):\n{branches}        return -1\n"  # 21
    plain = "def step(x):\n    return x\n"
    files = {
        "app/views.py": tangled,
        "app/short.py": plain * (MAX_LINES // 2),  # exactly 500 lines: within
        "app/long.py": plain + "\n" * MAX_LINES,  # 502 lines
        "app/svg.py": tangled,  # drawing code: left alone
        "analysis/engine.py": tangled + "\n" * MAX_LINES,  # the analysis library: left alone
        "app/migrations/0001_initial.py": "\n" * (MAX_LINES + 1),
    }
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    assert _too_complex(tmp_path) == {("app/views.py", "Page.tangled"): 21}
    assert _too_long(tmp_path) == {"app/long.py": 502}
