"""Integration tests over a finished build (`make test` runs `make` first).

They check what a reviewer relies on: every link in the HTML resolves, the
index reaches every appendix, raw data were not touched, the manifest covers
every output with its checksum, reconstructed data are labelled everywhere,
`make` with nothing changed has nothing to do, and a second build from a
fresh clone gives byte-identical tables, processed data and HTML.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tieval.config import load_study
from tieval.integrity import verify_manifest
from tieval.paths import discover_studies
from tieval.registry import step_names

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs"
STEPS = step_names()

pytestmark = [
    pytest.mark.build,  # `make test-build` runs them after the build, never beside it (`make test-unit`)
    pytest.mark.skipif(not (OUT / "html" / "index.html").exists(), reason="needs a finished build (run `make` first)"),
]


def _html_files() -> list[Path]:
    return sorted((OUT / "html").rglob("*.html"))


def _page_text(page: Path) -> str:
    """A page's markup; on a source page (outputs/html/source/) the highlighted code, whose text may
    spell ``href="`` inside a Python string, is left out (its only links are line anchors)."""
    text = page.read_text(encoding="utf-8")
    if page.parent.name == "source":
        text = re.sub(r"<pre>.*?</pre>", "", text, flags=re.S)
    return text


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))


def test_index_links_every_appendix_of_every_study():
    index = (OUT / "html" / "index.html").read_text(encoding="utf-8")
    for sid in discover_studies(ROOT):
        for step in STEPS:
            assert f'href="{sid}/{step}.html"' in index, (sid, step)
            assert f'href="{sid}/{step}-code.html"' in index, (sid, step)


def test_every_local_link_and_anchor_resolves():
    problems = []
    for page in _html_files():
        text = _page_text(page)
        for target in re.findall(r'(?:href|src)="([^"]+)"', text):
            parsed = urlparse(target)
            if parsed.scheme in ("http", "https", "data", "mailto") or target.startswith("//"):
                continue
            dest = page if not parsed.path else (page.parent / unquote(parsed.path)).resolve()
            if not dest.exists():
                problems.append(f"{page.relative_to(ROOT)} -> {target} (missing file)")
            elif parsed.fragment and dest.suffix == ".html" and unquote(parsed.fragment) not in _ids(dest):
                problems.append(f"{page.relative_to(ROOT)} -> {target} (missing anchor)")
    assert not problems, "\n".join(problems[:20])


def test_the_site_is_self_contained():
    """Every href/src of every page resolves to a file inside outputs/html/; the only other-host URLs are
    outbound links (<a ... rel="external">: the repository, DOIs), never a resource a page loads."""
    site = (OUT / "html").resolve()
    problems = []
    for page in _html_files():
        text = _page_text(page)
        for tag, _attr, target in re.findall(r'<(\w+)[^>]*?\b(href|src)="([^"]+)"', text):
            parsed = urlparse(target)
            if parsed.scheme in ("http", "https") or target.startswith("//"):
                whole = re.search(r"<a\b[^>]*" + re.escape(f'href="{target}"') + r"[^>]*>", text)
                if tag != "a" or not whole or 'rel="external"' not in whole.group(0):
                    problems.append(f"{page.relative_to(ROOT)}: {target} (another host)")
                continue
            if parsed.scheme:
                problems.append(f"{page.relative_to(ROOT)}: {target} (scheme {parsed.scheme})")
                continue
            if parsed.path and site not in (page.parent / unquote(parsed.path)).resolve().parents:
                problems.append(f"{page.relative_to(ROOT)}: {target} (outside outputs/html)")
        if "<main" not in text or 'name="viewport"' not in text:
            problems.append(f"{page.relative_to(ROOT)}: no main landmark or viewport")
    assert not problems, "\n".join(problems[:20])


def test_each_page_has_one_provenance_heading_and_distinct_view_titles():
    for sid in discover_studies(ROOT):
        for step in STEPS:
            reader = (OUT / "html" / sid / f"{step}.html").read_text(encoding="utf-8")
            auditor = (OUT / "html" / sid / f"{step}-code.html").read_text(encoding="utf-8")
            for page in (reader, auditor):
                assert len(re.findall(r"<h[1-6][^>]*>Provenance", page)) == 1, (sid, step)
            title = re.compile(r"<title>(.*?)</title>")
            assert title.search(reader).group(1) != title.search(auditor).group(1)
            assert "Parameters injected for this study" in auditor


def test_each_appendix_has_both_views_contents_and_provenance_footer():
    for sid in discover_studies(ROOT):
        for step in STEPS:
            reader = (OUT / "html" / sid / f"{step}.html").read_text(encoding="utf-8")
            auditor = (OUT / "html" / sid / f"{step}-code.html").read_text(encoding="utf-8")
            assert f'href="{step}-code.html"' in reader and f'href="{step}.html"' in auditor
            assert 'class="tieval-toc"' in reader
            assert 'id="provenance"' in reader and "Built from commit" in reader
            code_cell = 'class="highlight hl-ipython3"'
            assert code_cell in auditor and code_cell not in reader


def test_figures_have_alt_text():
    for page in _html_files():
        for tag in re.findall(r"<img[^>]*>", page.read_text(encoding="utf-8")):
            alt = re.search(r'alt="([^"]*)"', tag)
            assert alt and alt.group(1).strip(), f"{page.name}: image without alt text"


def test_reconstructed_studies_are_labelled_in_every_appendix():
    for sid in discover_studies(ROOT):
        if not load_study(sid, ROOT).reconstructed:
            continue
        for step in STEPS:
            text = (OUT / "html" / sid / f"{step}.html").read_text(encoding="utf-8")
            assert "RECONSTRUCTED DATA" in text, (sid, step)


def test_raw_data_unchanged_by_the_build():
    for sid in discover_studies(ROOT):
        assert verify_manifest(ROOT / "data" / sid / "raw")


def test_every_published_page_is_its_staged_copy_byte_for_byte():
    """A publish copies the staged pages as they are: nothing edits a published page afterwards except
    to add a study or step to its sidebar, so with the site unchanged, published and staged agree."""
    stage = ROOT / ".make" / "stage"
    if not stage.is_dir():
        pytest.skip("no staging mirror (outputs built elsewhere)")
    for sid in discover_studies(ROOT):
        for page in sorted((stage / sid / "outputs" / "html" / sid).glob("*.html")):
            published = OUT / "html" / sid / page.name
            assert published.read_bytes() == page.read_bytes(), published.relative_to(ROOT)


def test_manifest_lists_every_output_with_its_checksum():
    manifest = json.loads((OUT / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in manifest["outputs"]}
    for sid in discover_studies(ROOT):
        for step in STEPS:
            entry = entries[f"outputs/html/{sid}/{step}.html"]
            assert entry["step"] == step and entry["parameters"]["study"] == sid
            assert f"notebooks/{step}.ipynb" in entry["inputs"]
    for path, entry in entries.items():
        if path.startswith("outputs/html/index.html"):
            continue
        digest = hashlib.sha256((ROOT / path).read_bytes()).hexdigest()
        assert digest == entry["sha256"], path


def test_noop_make_has_nothing_to_do():
    proc = subprocess.run(["make", "-q", "all"], cwd=ROOT, capture_output=True, text=True, env=_plain_env())
    assert proc.returncode == 0, "make has work left after a build:\n" + proc.stdout + proc.stderr


def _plain_env() -> dict[str, str]:
    """The environment without the variables a parent ``make test`` passes down (jobserver,
    MAKELEVEL), so the inner make behaves as a user's top-level ``make``."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}


def test_noop_make_is_silent_and_fast():
    """After a build, `make` has nothing to run, prints only make's own notice, and reads the
    generated rules in well under 0.1 s."""
    env = _plain_env()
    if subprocess.run(["make", "-q", "all"], cwd=ROOT, capture_output=True, env=env).returncode != 0:
        pytest.fail("make has work left after a build (see test_noop_make_has_nothing_to_do)")
    start = time.perf_counter()
    proc = subprocess.run(["make", "all"], cwd=ROOT, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.strip() in ("", "make: Nothing to be done for 'all'.")
    assert seconds < 0.5, seconds  # make's own time is ~0.01 s; the margin is for a loaded machine


def _digests(base: Path) -> dict[str, str]:
    out = {}
    for sub in ("outputs", "data/processed"):
        for p in sorted((base / sub).rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                out[p.relative_to(base).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.slow
def test_a_second_build_from_a_fresh_clone_is_byte_identical(tmp_path):
    if subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip():
        pytest.skip("working tree has uncommitted changes; a clone would build other sources")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # every step in a process of its own (TIEVAL_WARM=0), while make's build here forked its steps from
    # the warm server (tieval.warm): the comparison covers both ways of running a step
    env = {**os.environ, "PYTHONPATH": str(clone / "src"), "TIEVAL_WARM": "0"}
    env.pop("TIEVAL_ROOT", None)
    for sid in discover_studies(ROOT):
        for step in STEPS:
            subprocess.run(
                [sys.executable, "-m", "tieval", "run", step, "--study", sid],
                cwd=clone,
                env=env,
                check=True,
                capture_output=True,
            )
    subprocess.run([sys.executable, "-m", "tieval", "index"], cwd=clone, env=env, check=True)
    if (ROOT / "outputs" / "pdf").is_dir():  # `make pdf` was run here: the clone's PDFs must match too
        subprocess.run([sys.executable, "-m", "tieval", "pdf"], cwd=clone, env=env, check=True, capture_output=True)
    ours, theirs = _digests(ROOT), _digests(clone)
    theirs = {k: v for k, v in theirs.items() if not k.startswith("outputs/bench/")}
    ours = {k: v for k, v in ours.items() if not k.startswith("outputs/bench/")}
    differing = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    assert not differing, differing[:20]
    shutil.rmtree(clone, ignore_errors=True)
