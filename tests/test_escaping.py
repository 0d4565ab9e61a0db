"""Free-text answers come out exactly right in every file format they land in (hypothesis).

project_name, description, author_name and author_email are rendered once per example, then
every file they reach is parsed and the parsed value compared with the answer:

- TOML (pyproject.toml) and YAML (mkdocs.yml, .copier-answers.yml): the JSON form of the text,
  a valid TOML basic string and YAML double-quoted scalar (non-ASCII kept as it is);
- Python (serve.py, the FastAPI title): a string literal in the style `ruff format` writes;
  ruff check and ruff format --check stay clean;
- Markdown (README.md, docs/index.md): the text renders literally: Markdown and HTML specials
  are escaped, so the rendered heading and paragraph hold exactly the answer, with no markup;
- Dockerfile OCI labels: read the way BuildKit's lexer reads them (" and $ escaped in double
  quotes, so nothing is expanded; backslashes outside the quotes, the one form hadolint's
  parser also reads right); hadolint stays clean;
- LICENSE: the copyright line holds the author as given (plain text);
- GitHub Actions workflows and .gitlab-ci.yml: free text never reaches them, so `${{ ... }}`
  in an answer cannot become an expression (they are byte-identical to a plain render).

Answers are not normalized: the questions refuse what cannot be written faithfully everywhere
(line breaks, control characters, leading or trailing whitespace; test_refused_* below), and
everything they accept must round-trip unchanged.

MLOPS_NEW_FUZZ_EXAMPLES sets the number of examples (default 200).
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mlops_new import create
from mlops_new.errors import UsageError
from mlops_new.questions import load

from .fastcopier import accelerated
from .helpers import BIN, ROOT, tree

EXAMPLES = int(os.environ.get("MLOPS_NEW_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # A render takes about half a second: no "explain" phase, which re-renders for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
QUESTIONS = load(ROOT / "copier.yml")
FREE_TEXT = ("project_name", "description", "author_name", "author_email")
# project_slug and package_name are derived from project_name by default; fixed here so any
# name renders (the slug and package validators are tested elsewhere).
FIXED = {
    "project_slug": "fuzz-proj",
    "package_name": "fuzz_proj",
    "ci": "both",
    "docker": True,
    "docs": "mkdocs",
    "serving": "fastapi",
}
# The files free text reaches, each checked in check_project; every other file, the CI
# workflows included, must be byte-identical to a render with plain answers.
REACHED = {
    ".copier-answers.yml",
    "Dockerfile",
    "LICENSE",
    "README.md",
    "docs/index.md",
    "mkdocs.yml",
    "pyproject.toml",
    "src/fuzz_proj/serve.py",
}

# --- strategies ---------------------------------------------------------------------------------

# Pieces that are special somewhere: quotes and escapes (TOML, YAML, Python, Dockerfile), Jinja,
# GitHub expressions, shell variables, Markdown and HTML, YAML words, numbers, odd Unicode.
SPECIAL = [
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    '\\"',
    "\\n",
    "\\t",
    "\\u00e9",
    "\\x41",
    "\\N{DASH}",
    "\\$",
    "{{ x }}",
    "{{",
    "}}",
    "{% if %}",
    "{%- endif -%}",
    "{# c #}",
    "{%raw%}",
    "${{ github.token }}",
    "${{",
    "$HOME",
    "${X}",
    "${X:-y}",
    "$",
    "`",
    "```",
    "~~~",
    "~~s~~",
    "#",
    "##",
    "*",
    "**x**",
    "_",
    "__init__",
    "[x](y)",
    "![i](j)",
    "[TOC]",
    "[^1]",
    "<b>",
    "</p>",
    "<!--",
    "-->",
    "<http://x.y>",
    "&amp;",
    "&#42;",
    "&copy",
    "&",
    "|",
    "||",
    ">",
    "<",
    "!",
    "!!! note",
    ":",
    ":smile:",
    "::",
    "@",
    "%",
    "%s",
    "{}",
    "{0}",
    "=",
    "==",
    "+",
    "-",
    "--",
    "---",
    "1.",
    "2)",
    "1e3",
    "0x1F",
    "0o7",
    "1_000",
    ".5",
    "-1",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "~",
    "true",
    "NaN",
    ".inf",
    "&anchor",
    "*alias",
    "!tag",
    "!!str",
    "?",
    ",",
    ";",
    "(",
    ")",
    "[",
    "]",
    "é",
    "e\u0301",
    "ß",
    "日本語",
    "Ω",
    "😀",
    "👩‍👩‍👧",
    "🇫🇷",
    "\U0001f600\ufe0f",
    "\u00a0",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u202e",
    "\u2066",
    "\u3000",
    "\U00010348",
    "\ufdd0",
    "ﬁ",
]
# Whitespace inside a one-line text (tabs included); never at its ends.
INNER_SPACE = [" ", "  ", "\t", " \t ", " - ", " # ", ": ", " * ", " > ", " 1. ", " + ", "\u00a0"]
_any_char = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"))
_edge = st.one_of(st.sampled_from([s for s in SPECIAL if s == s.strip()]), _any_char)
_piece = st.one_of(
    st.sampled_from(SPECIAL),
    st.sampled_from(INNER_SPACE),
    st.text(_any_char, min_size=1, max_size=6),
    st.text(st.sampled_from("abc xyz"), min_size=20, max_size=60),  # long lines
)


def _join(parts: tuple[str, list[str], str]) -> str:
    first, middle, last = parts
    return first + "".join(middle) + last


def one_line(*, allow_empty: bool = False) -> st.SearchStrategy[str]:
    """Nasty one-line texts that start and end with a non-space character."""
    text = st.tuples(_edge, st.lists(_piece, max_size=8), _edge).map(_join) | _edge
    return (st.just("") | text) if allow_empty else text


_local = st.lists(
    st.sampled_from([*"abcXYZ019.!#$%&'*+/=?^_`{|}~-\\()[],;:", "é", "😀", "{{", "}}", "${{"]),
    min_size=1,
    max_size=12,
).map("".join)
_domain = st.sampled_from(
    ["example.org", "ex-ample.co.uk", "bücher.example", "x.y.z.io", "[1.2].c"]
)
emails = st.builds(lambda local, domain: f"{local}@{domain}", _local, _domain)


def _valid(name: str, value: str) -> bool:
    return not QUESTIONS.error(QUESTIONS[name], value, {}, Path("/tmp/fuzz-proj"))


answers = st.fixed_dictionaries(
    {
        "project_name": one_line().filter(lambda v: _valid("project_name", v)),
        "description": one_line(allow_empty=True).filter(lambda v: _valid("description", v)),
        "author_name": one_line().filter(lambda v: _valid("author_name", v)),
        "author_email": emails.filter(lambda v: _valid("author_email", v)),
        "license": st.sampled_from(QUESTIONS["license"].choice_values),
    }
)

# --- rendering ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _fast_render() -> Iterator[None]:
    """Much faster renders, the same output (tests/fastcopier.py)."""
    with accelerated():
        yield


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("escaping")


def render(workdir: Path, given: dict) -> Path:
    dest = Path(tempfile.mkdtemp(dir=workdir)) / "p"
    create(dest, {**FIXED, **given}, git=False, lock=False)
    return dest


@pytest.fixture(scope="module")
def baseline(workdir: Path) -> Path:
    """A render with plain free text, to compare files free text must not reach."""
    return render(workdir, {"author_name": "Plain Author", "author_email": "plain@example.org"})


# --- parsers ------------------------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def markdown_text(source: str, line: int, block: str) -> str:
    """The literal text of the block of type `block` starting on `line` (0-based).

    Fails if the block is not there (the text made another block: a list, a quote, ...) or if
    its content renders to any markup (emphasis, code, links, HTML) rather than plain text.
    """
    tokens = _MARKDOWN.parse(source)
    for i, token in enumerate(tokens):
        if token.level == 0 and token.type == block and token.map and token.map[0] == line:
            inline = tokens[i + 1]
            rendered = _MARKDOWN.renderer.renderInline(inline.children, _MARKDOWN.options, {})
            assert "<" not in rendered, f"markup in {rendered!r}"
            return html.unescape(rendered)
    blocks = [(t.type, t.map) for t in tokens if t.level == 0 and t.nesting == 1]
    raise AssertionError(f"no {block} on line {line + 1}: {blocks}")


def _docker_word(text: str, i: int) -> tuple[str, int]:
    """The Dockerfile word starting at text[i], as BuildKit's lexer reads it.

    A word is a run of "..." and '...' segments and unquoted characters; in "...", a backslash
    escapes only " $ and itself; unquoted, it escapes any character. An unescaped $ would be
    expanded as a variable: it must not occur.
    """
    out = []
    while i < len(text) and text[i] not in " \t":
        ch = text[i]
        if ch == "'":
            end = text.index("'", i + 1)
            out.append(text[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i += 1
            while text[i] != '"':
                assert text[i] != "$", f"unescaped $ would be expanded: {text[i:]!r}"
                if text[i] == "\\" and text[i + 1] in '"$\\':
                    i += 1  # any other backslash is literal
                out.append(text[i])
                i += 1
            i += 1
        else:
            assert ch != "$", f"unescaped $ would be expanded: {text[i:]!r}"
            if ch == "\\":
                i += 1
            out.append(text[i])
            i += 1
    return "".join(out), i


def docker_labels(dockerfile: str) -> dict[str, str]:
    """The LABEL key="value" pairs of a Dockerfile (continuation lines joined)."""
    logical, current = [], ""
    for line in dockerfile.split("\n"):
        if not current and line.lstrip().startswith("#"):
            continue
        if re.search(r"\\[ \t]*$", line):
            current += re.sub(r"\\[ \t]*$", "", line)
            continue
        logical.append(current + line)
        current = ""
    labels = {}
    for line in logical:
        if not line.startswith("LABEL "):
            continue
        rest, i = line[len("LABEL ") :], 0
        while i < len(rest):
            if rest[i] in " \t":
                i += 1
                continue
            eq = rest.index("=", i)
            key = rest[i:eq]
            labels[key], i = _docker_word(rest, eq + 1)
    return labels


def fastapi_title(source: str) -> str:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "FastAPI":
            (title,) = [k.value for k in node.keywords if k.arg == "title"]
            assert isinstance(title, ast.Constant), ast.dump(title)
            return ast.literal_eval(title)
    raise AssertionError("no FastAPI(...) call")


def run_tools(project: Path, *commands: tuple[str, ...]) -> None:
    """Run linters side by side in `project`; each must pass."""
    procs = [
        (
            command,
            subprocess.Popen(
                [str(BIN / command[0]), *command[1:]],
                cwd=project,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
        for command in commands
    ]
    for command, proc in procs:
        output, _ = proc.communicate()
        assert proc.returncode == 0, f"{' '.join(command)} failed:\n{output}"


def check_project(project: Path, given: dict, baseline: Path) -> None:
    name, description = given["project_name"], given["description"]
    author, email = given["author_name"], given["author_email"]

    # Free text changes no file name, and only the files checked below; those are UTF-8 and
    # still parse. A workflow never changes: `${{ ... }}` in an answer is no GitHub expression.
    assert tree(project) == tree(baseline)
    changed = {
        rel
        for rel in tree(project)
        if (project / rel).read_bytes() != (baseline / rel).read_bytes()
    }
    assert changed <= REACHED, f"free text reached {sorted(changed - REACHED)}: check it here"
    for rel in changed:
        text = (project / rel).read_text(encoding="utf-8")
        if rel.endswith((".yml", ".yaml")):
            yaml.safe_load(text)
        elif rel.endswith(".toml"):
            tomllib.loads(text)
        elif rel.endswith(".py"):
            ast.parse(text, filename=rel)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == description
    assert pyproject["project"]["authors"] == [{"name": author, "email": email}]

    mkdocs = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    assert mkdocs["site_name"] == name
    assert mkdocs["site_description"] == description

    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert {k: recorded[k] for k in FREE_TEXT} == {k: given[k] for k in FREE_TEXT}

    serve = (project / "src/fuzz_proj/serve.py").read_text(encoding="utf-8")
    assert fastapi_title(serve) == name

    for page in ("README.md", "docs/index.md"):
        source = (project / page).read_text(encoding="utf-8")
        assert markdown_text(source, 0, "heading_open") == name, page
        if description:
            assert markdown_text(source, 2, "paragraph_open") == description, page
        else:
            assert source.splitlines()[2] == "", page

    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    assert docker_labels(dockerfile) == {
        "org.opencontainers.image.title": name,
        "org.opencontainers.image.description": description,
        "org.opencontainers.image.authors": f"{author} <{email}>",
    }

    license_text = (project / "LICENSE").read_text(encoding="utf-8")
    owner = re.compile(
        r"Copyright (\(c\) )?\d{4},? " + re.escape(author) + r"(\. All rights reserved\.)?"
    )
    assert [ln for ln in license_text.splitlines() if owner.fullmatch(ln)], license_text[:300]

    run_tools(
        project,
        ("hadolint", "--failure-threshold", "info", "Dockerfile"),
        ("ruff", "check", "--no-cache", "--quiet", "."),
        ("ruff", "format", "--no-cache", "--quiet", "--check", "."),
    )


# --- tests --------------------------------------------------------------------------------------

NASTY = {
    "project_name": 'O\'Neil "Q" \\ ${{ github.token }} {{ x }} {% if %} # *a* _b_ <b>&amp; 😀',
    "description": '- yes: no # {{ y }} `c` [TOC] :smile: ~~s~~ 1. \\\t""" null',
    "author_name": 'Zoë "Z" O\'Brien \\',
    "author_email": "o'b+${{x}}\\@example.org",
    "license": "Apache-2.0",
}


@FUZZ
@example(given=NASTY)
@example(given={**NASTY, "project_name": "1. " + "long name " * 12 + '"', "description": ""})
@example(given={**NASTY, "project_name": "on", "description": "null", "author_name": "yes"})
@given(given=answers)
def test_free_text_round_trips_through_every_format(workdir, baseline, given) -> None:
    project = render(workdir, given)
    try:
        check_project(project, given, baseline)
    finally:
        shutil.rmtree(project.parent, ignore_errors=True)


# What a one-line answer must not contain, and must not start or end with.
LINE_BREAKS = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
]
CONTROL = ["\x00", "\x07", "\x08", "\x1b", "\x1f", "\x7f", "\x80", "\x9b", "\ud800", "\ufffe"]
EDGE_SPACE = [" ", "\t", "\u00a0", "\u3000", "\u2003"]


FREE_TEXT = ["project_name", "description", "author_name"]


@st.composite
def refused(draw) -> tuple[str, str]:
    """A line break or control character inside a one-line text (at an edge, mlops-new strips
    the whitespace ones: see `test_outer_spaces_are_stripped`)."""
    name = draw(st.sampled_from(FREE_TEXT))
    text = draw(one_line().filter(lambda t: len(t) >= 2))
    at = draw(st.integers(1, len(text) - 1))
    return name, text[:at] + draw(st.sampled_from(LINE_BREAKS + CONTROL)) + text[at:]


@st.composite
def padded(draw) -> tuple[str, str, str]:
    """A valid one-line text with space around it: (question, padded text, the text)."""
    name = draw(st.sampled_from(FREE_TEXT))
    text = draw(one_line())
    space = draw(st.sampled_from(EDGE_SPACE))
    return name, draw(st.sampled_from([space + text, text + space, space + text + space])), text


@settings(max_examples=EXAMPLES, deadline=None)
@given(case=padded())
def test_outer_spaces_are_stripped(case) -> None:
    name, text, expected = case
    assert QUESTIONS.resolve({**FIXED, name: text}, Path("/tmp/fuzz-proj"))[name] == expected


@settings(max_examples=EXAMPLES, deadline=None)
@given(case=refused())
def test_refused_answers(case) -> None:
    # `create` resolves the answers this way before it writes anything; the CLI tests below
    # check the whole way (exit 2, nothing written) for a few of these.
    name, text = case
    with pytest.raises(UsageError, match=f"^{name}: The .* must (be one line|not)"):
        QUESTIONS.resolve({**FIXED, name: text}, Path("/tmp/fuzz-proj"))


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f", "\ud800"])
def test_refused_control_characters_in_email(bad: str) -> None:
    message = QUESTIONS.error(QUESTIONS["author_email"], f"a{bad}b@example.org", {}, Path("/p"))
    assert "control characters" in message


@pytest.mark.parametrize(
    "answer, message",
    [
        ("project_name=two\nlines", "must be one line"),
        ("description=two\rlines", "must be one line"),
        ("author_name=two\u2028lines", "must be one line"),
        ("description=bell\x07", "must not contain control characters"),
        ("project_name= ", "must not be empty"),
    ],
)
def test_cli_refuses_with_exit_2(cli, tmp_path, answer: str, message: str) -> None:
    proc = cli("p", "--data", answer, "--no-lock", "--no-git")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], proc.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("name, text", [("project_name", "a\nb"), ("description", " lead")])
def test_plain_copier_refuses_too(tmp_path, name: str, text: str) -> None:
    from copier import run_copy

    template = tmp_path / "template"
    template.mkdir()
    shutil.copy(ROOT / "copier.yml", template)
    shutil.copytree(ROOT / "template", template / "template")
    with pytest.raises(ValueError, match=f"Validation error for question '{name}'"):
        run_copy(
            str(template), tmp_path / "out", data={**FIXED, name: text}, defaults=True, quiet=True
        )
    assert not (tmp_path / "out" / "pyproject.toml").exists()


def test_the_checks_catch_what_they_guard_against() -> None:
    # The parsers above read like the real ones, and fail on unescaped text.
    assert docker_labels('LABEL a="x"\\\\"y" \\\n  b="\\"\\$\\a" c=\'$\'') == {
        "a": "x\\y",
        "b": '"$\\a',
        "c": "$",
    }
    with pytest.raises(AssertionError, match="unescaped"):
        docker_labels('LABEL a="${{ github.token }}"')
    assert markdown_text("# a &lt;b&gt; \\*c\\*\n", 0, "heading_open") == "a <b> *c*"
    for source, block in [("# a *b*\n", "heading_open"), ("\n\n- item\n", "paragraph_open")]:
        with pytest.raises(AssertionError):
            markdown_text(source, 2 if block == "paragraph_open" else 0, block)
    assert fastapi_title("app = FastAPI(\n    title='a\"b',  # noqa: E501\n)\n") == 'a"b'
