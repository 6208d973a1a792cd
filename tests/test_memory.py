"""The build turns Python's cycle collector off while it loads and renders (pipeline.py): that
is only sound while loading and rendering leave no reference cycles behind, which these tests
prove. A cycle found here would make a big build's memory grow with every condition."""
from __future__ import annotations

import gc

import pytest

from healthlib.pipeline import load
from healthlib.publish.render import Renderer
from projectkit import build_into, make_project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("memory") / "project", 4)


def _cycles_left_by(work) -> list:
    """The objects that only the cycle collector could free after work() (none means none)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = work()
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    del result
    return found


def test_loading_a_library_leaves_no_reference_cycles(project):
    found = _cycles_left_by(lambda: load(project))
    assert not found, sorted({type(o).__name__ for o in found})


def test_rendering_every_page_leaves_no_reference_cycles(project):
    library, _ = load(project)
    renderer = Renderer(library.site, library.glossary, project.templates, project.static)
    renderer.condition_pages(library.conditions[0])     # templates compiled: not garbage

    def render():
        return [renderer.condition_pages(c) for c in library.conditions] + renderer.library_pages(library, [])

    found = _cycles_left_by(render)
    assert not found, sorted({type(o).__name__ for o in found})


def test_the_build_turns_the_cycle_collector_back_on(project, tmp_path):
    assert gc.isenabled()
    build_into(project, tmp_path / "site")
    assert gc.isenabled()
