"""MkDocs hook: serve the committed study and benchmark results from where they live.

The figures and reports of the studies stay under ``studies/results/`` and
``benchmarks/results/`` (no copies in ``docs/``).  This hook

* adds those files to the site under the same repository-relative paths
  (``studies/results/...`` in the site root), and
* rewrites Markdown links in the docs pages that leave ``docs/`` (``../../studies/...`` from
  ``docs/results/a2c.md``, exactly the link that works when the page is read on a Git forge)
  into the site-relative form, so ``mkdocs build --strict`` checks them like any other link.
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

#: Repository folders (and file suffixes) published beside the docs.
MOUNTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("studies/results", (".png", ".md", ".json")),
    ("benchmarks/results", (".json",)),
)

#: Docstring-parser warnings in code this docs build does not own, shown as INFO instead of
#: failing ``--strict``: (location prefix, why).  Keep this list short and fix the source.
KNOWN_DOCSTRING_ISSUES: tuple[tuple[str, str], ...] = (
)


class _Downgrade(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if record.levelno == logging.WARNING and any(loc in msg for loc, _ in KNOWN_DOCSTRING_ISSUES):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


#: Pages being written elsewhere: (file under docs/, nav section, title).  Once such a file
#: exists and mkdocs.yml's nav does not list it yet, it is appended to its section, so a merge
#: never fails ``--strict`` on an omitted page.  Move the entry into mkdocs.yml's nav and drop it
#: here when convenient.
PENDING_PAGES: tuple[tuple[str, str, str], ...] = (
)


def _nav_files(nav) -> set[str]:
    out: set[str] = set()
    for item in nav or []:
        if isinstance(item, str):
            out.add(item)
        elif isinstance(item, dict):
            for v in item.values():
                out |= _nav_files(v) if isinstance(v, list) else {v}
    return out


def on_config(config):
    nav = config.get("nav")
    if not nav:
        return config
    listed = _nav_files(nav)
    docs = Path(config["docs_dir"])
    for path, section, title in PENDING_PAGES:
        if path in listed or not (docs / path).is_file():
            continue
        for item in nav:
            if isinstance(item, dict) and section in item and isinstance(item[section], list):
                item[section].append({title: path})
                break
        else:
            nav.append({title: path})
    return config


def on_startup(command, dirty) -> None:
    for name in ("mkdocs.plugins.griffe", "griffe"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Downgrade) for f in logger.filters):
            logger.addFilter(_Downgrade())


_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")


def _repo_root(config) -> Path:
    return Path(config["config_file_path"]).resolve().parent


def on_files(files: Files, config) -> Files:
    root = _repo_root(config)
    for folder, suffixes in MOUNTS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix in suffixes:
                rel = path.relative_to(root).as_posix()
                if files.get_file_from_path(rel) is None:
                    files.append(File(rel, str(root), config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown: str, page, config, files: Files) -> str:
    if Path(page.file.src_dir).resolve() != Path(config["docs_dir"]).resolve():
        return markdown  # a study report published from studies/results: its links are its own
    docs_rel = Path(config["docs_dir"]).resolve().relative_to(_repo_root(config)).as_posix()  # "docs"
    page_dir = posixpath.dirname(page.file.src_uri)

    def fix(m: re.Match[str]) -> str:
        url = m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", url):
            return m.group(0)
        target, _, frag = url.partition("#")
        repo_path = posixpath.normpath(posixpath.join(docs_rel, page_dir, target))
        if repo_path.startswith(docs_rel + "/"):
            return m.group(0)  # an ordinary docs link
        if files.get_file_from_path(repo_path) is None:
            if not m.group(1).startswith("!") and (_repo_root(config) / repo_path).is_file() and not target.endswith(".md"):
                # A link to source code (``[zd](../solvers/zd.py)``): the site has no copy, so
                # show the text and the repository path as code, not a link mkdocs calls broken.
                return f"{m.group(1)[1:-2]} (`{repo_path}`)"
            return m.group(0)  # leave it for mkdocs to report
        new = posixpath.relpath(repo_path, page_dir or ".")
        return f"{m.group(1)}{new}{'#' + frag if frag else ''}{m.group(3)}"

    return _LINK.sub(fix, markdown)


_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj):(<code>)~?([\w.]+)(</code>)")


def on_page_content(html: str, page, config, files: Files) -> str:
    """Docstrings use Sphinx roles (``:class:`~eqtools.games.Game```); show them as plain code
    with the short name, as Sphinx would, instead of the raw role text."""

    def short(m: re.Match[str]) -> str:
        name = m.group(2)
        return f"{m.group(1)}{name.rsplit('.', 1)[-1] if '.' in name else name}{m.group(3)}"

    return _ROLE.sub(short, html)
