"""The GitHub Actions workflow that rebuilds and publishes the site: it parses, every step is
named, every action is pinned to a full commit SHA, it runs the same make targets as a
developer, and it deploys to GitHub Pages only from the default branch."""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO_ROOT
from healthlib import pipeline

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "site.yml"
# `uses: owner/repo@<40 hex> # vX.Y.Z`: the SHA is what runs, the comment says which release it is.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
# Contexts a workflow expression may read (docs: "Contexts" in GitHub Actions).
CONTEXTS = {"github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy", "matrix",
            "needs", "inputs"}
DEFAULT_BRANCH_PUSH = "github.event_name == 'push' && github.ref_name == github.event.repository.default_branch"


@pytest.fixture(scope="module")
def text() -> str:
    return WORKFLOW.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def workflow(text) -> dict:
    data = yaml.safe_load(text)
    assert isinstance(data, dict), "the workflow must be a YAML mapping"
    return data


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def run_lines(job: dict) -> list[str]:
    return [line.strip() for s in steps(job) for line in s.get("run", "").splitlines() if line.strip()]


def job_that_uses(workflow: dict, action: str) -> tuple[str, dict]:
    [found] = [(name, job) for name, job in workflow["jobs"].items()
               if any(s.get("uses", "").startswith(action + "@") for s in steps(job))]
    return found


def test_runs_on_every_push_and_pull_request(workflow):
    triggers = workflow.get("on", workflow.get(True))   # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and "pull_request" in triggers
    assert triggers["push"] is None, "push must not be limited to some branches"


def test_every_job_and_step_has_a_name(workflow):
    for job_id, job in workflow["jobs"].items():
        assert job.get("name"), f"job {job_id} has no name"
        assert steps(job), f"job {job_id} has no steps"
        for i, step in enumerate(steps(job), 1):
            assert step.get("name", "").strip(), f"job {job_id}, step {i} has no name"


def test_every_action_is_pinned_to_a_commit_sha_with_its_release_in_a_comment(text, workflow):
    uses = [s["uses"] for job in workflow["jobs"].values() for s in steps(job) if "uses" in s]
    lines = [line.split("uses:", 1)[1].strip() for line in text.splitlines() if line.strip().startswith(("uses:", "- uses:"))]
    assert len(lines) == len(uses) >= 4
    for line in lines:
        assert PINNED.match(line), f"not pinned to a full commit SHA with '# vX.Y.Z': {line}"


def test_checks_tests_builds_and_audits_with_the_make_targets_in_that_order(workflow):
    _, job = job_that_uses(workflow, "actions/upload-pages-artifact")
    commands = run_lines(job)
    order = []
    for target in ("check", "test", "build", "audit"):
        at = [i for i, line in enumerate(commands) if re.fullmatch(rf"make {target}\b.*", line)]
        assert at, f"no step runs 'make {target}'"
        order.append(at[0])
    assert order == sorted(order), commands
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^check:.*\n\t.*build\.py check --strict", makefile, re.M), "make check must be strict"


def test_publishes_site_folder_to_pages_only_from_the_default_branch(workflow):
    build_id, build = job_that_uses(workflow, "actions/upload-pages-artifact")
    [upload] = [s for s in steps(build) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["with"]["path"].rstrip("/") == "site"
    assert upload["if"] == DEFAULT_BRANCH_PUSH
    names = [s["name"] for s in steps(build)]
    assert names.index(upload["name"]) == len(names) - 1, "upload only after every check passed"
    deploy_id, deploy = job_that_uses(workflow, "actions/deploy-pages")
    assert deploy["needs"] in (build_id, [build_id])
    assert deploy["if"] == DEFAULT_BRANCH_PUSH
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_reads_the_repository_only_and_runs_one_at_a_time_per_branch(workflow):
    assert workflow["permissions"] == {"contents": "read"}
    assert "github.ref" in workflow["concurrency"]["group"]


def test_expressions_read_only_known_contexts_and_existing_step_ids(text, workflow):
    expressions = re.findall(r"\$\{\{(.*?)\}\}", text) + [
        v for job in workflow["jobs"].values() for v in [job.get("if", "")] + [s.get("if", "") for s in steps(job)] if v]
    assert expressions
    step_ids = {s["id"] for job in workflow["jobs"].values() for s in steps(job) if "id" in s}
    for expression in expressions:
        unquoted = re.sub(r"'[^']*'", "''", expression)   # 'site.yaml' is a file name, not a context
        for context, rest in re.findall(r"\b([a-z_]+)\.([\w.-]+)", unquoted):
            assert context in CONTEXTS, f"unknown context '{context}' in {expression!r}"
            if context == "steps":
                assert rest.split(".")[0] in step_ids, f"no step with id '{rest.split('.')[0]}'"


def test_runs_on_debian_like_the_developers_and_ci(workflow):
    _, build = job_that_uses(workflow, "actions/upload-pages-artifact")
    assert str(build["container"]).startswith("debian:"), "the tests use Debian's /usr/bin/chromium"


def test_keeps_the_sheet_pdf_cache_between_runs_and_restores_any_earlier_one_before_the_build(workflow):
    _, job = job_that_uses(workflow, "actions/cache")
    [cache] = [s for s in steps(job) if s.get("uses", "").startswith("actions/cache@")]
    pdf_cache = pipeline.Project.at(REPO_ROOT).pdf_cache.relative_to(REPO_ROOT).as_posix()
    assert cache["with"]["path"].rstrip("/") == pdf_cache
    key, restore = cache["with"]["key"], cache["with"]["restore-keys"].split()
    # A new key whenever an input of the PDFs changes (so what a run made is saved), and a prefix
    # of it to restore from when the key is new (so unchanged sheets are not made again).
    hashed = re.fullmatch(r"([\w.-]+)\$\{\{ hashFiles\((.*)\) \}\}", key)
    assert hashed, key
    inputs = {arg.strip().strip("'") for arg in hashed.group(2).split(",")}
    assert {"content/**", "templates/**", "static/**", "site.yaml", "pyproject.toml"} <= inputs
    assert restore == [hashed.group(1)]
    names = [s["name"] for s in steps(job)]
    builds = [s["name"] for s in steps(job) if re.fullmatch(r"make build\b.*", s.get("run", "").strip())]
    assert builds and names.index(cache["name"]) < names.index(builds[0]), "restore before the build"


def test_a_quick_job_checks_with_annotations_and_builds_before_the_full_job(workflow):
    jobs = workflow["jobs"]
    quick = [(name, job) for name, job in jobs.items()
             if any(re.fullmatch(r"make check\b.*CHECK_FORMAT=github.*", line) for line in run_lines(job))]
    assert len(quick) == 1, "one job runs 'make check CHECK_FORMAT=github'"
    quick_id, quick_job = quick[0]
    commands = run_lines(quick_job)
    check_at = next(i for i, line in enumerate(commands) if line.startswith("make check"))
    build_at = next(i for i, line in enumerate(commands) if line.startswith("make build"))
    assert check_at < build_at
    assert not any(line.startswith(("make test", "make audit", "make system-deps")) for line in commands), \
        "the quick job installs no browser and runs no tests"
    assert quick_job["timeout-minutes"] <= 15
    site_id, _ = job_that_uses(workflow, "actions/upload-pages-artifact")
    assert jobs[site_id]["needs"] in (quick_id, [quick_id])
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^check:.*\n\t.*build\.py check --strict --format \$\(CHECK_FORMAT\)", makefile, re.M)
